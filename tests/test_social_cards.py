"""Social cards on the real 2021 East Midlands night: every council and ward page carries Open Graph and
Twitter tags whose addresses start with the configured base URL (never the Host asked for), and its card
is a PNG drawn on the server with the seat bar in the parties' colours."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image, ImageChops, ImageDraw
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.web import cards
from tallyroom.web.app import create_app
from tallyroom.web.cards import HEIGHT, MARGIN, WIDTH
from tallyroom.web.palette import Palette
from tallyroom.web.site import Site
from tests.conftest import NIGHT, SHARED, copy_of, demo_store

BASE = "https://results.example.org"
DERBYSHIRE = "E10000007"
ALFRETON = "E58000193"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("cards")
    engine: Engine = copy_of(demo_store(root / "demo.db", ref), root)
    yield Site.open(engine, ref, NIGHT)
    engine.dispose()


def tags(page: str) -> dict[str, str]:
    return dict(re.findall(r'<meta (?:property|name)="((?:og|twitter):[a-z:_]+)" content="([^"]*)">', page))


def test_council_and_ward_pages_have_social_tags_from_the_base_url(site: Site) -> None:
    client = TestClient(create_app(site, base_url=BASE), base_url="http://evil.example")
    council = tags(client.get(f"/council/{DERBYSHIRE}").text)
    assert (
        council["og:title"] == "Derbyshire" and council["og:description"] == "Conservatives hold Derbyshire"
    )
    assert council["og:url"] == f"{BASE}/council/{DERBYSHIRE}"
    assert council["og:image"] == council["twitter:image"] == f"{BASE}/cards/council/{DERBYSHIRE}.png"
    assert council["twitter:card"] == "summary_large_image"
    ward = tags(client.get(f"/council/{DERBYSHIRE}/ward/{ALFRETON}").text)
    assert ward["og:title"] == "Alfreton And Somercotes, Derbyshire"
    assert ward["og:description"] == "Elected: Rose P.S. (Conservative), Wilson D. (Conservative)"
    assert ward["og:image"] == f"{BASE}/cards/council/{DERBYSHIRE}/ward/{ALFRETON}.png"
    assert all(
        value.startswith(BASE)
        for t in (council, ward)
        for k, value in t.items()
        if k.endswith(("url", "image"))
    )
    assert "evil.example" not in client.get(f"/council/{DERBYSHIRE}").text


def test_without_a_base_url_pages_have_no_social_tags(site: Site) -> None:
    assert tags(TestClient(create_app(site)).get(f"/council/{DERBYSHIRE}").text) == {}


def test_a_councils_card_is_a_png_with_its_seat_bar(site: Site) -> None:
    answer = TestClient(create_app(site, base_url=BASE)).get(f"/cards/council/{DERBYSHIRE}.png")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    card = Image.open(io.BytesIO(answer.content)).convert("RGB")
    assert card.size == (WIDTH, HEIGHT)
    bar = next(y for y in range(HEIGHT) if card.getpixel((MARGIN + 20, y)) != (255, 255, 255) and y > 300)
    middle = bar + 40
    scale = (WIDTH - 2 * MARGIN) / 64  # Conservative 45, Labour 14, Liberal Democrats 4, Green 1 of 64
    parties = {p.name: p for p in site.view.by_code[DERBYSHIRE].composition or {}}
    palette = Palette(parties.values())
    for name, at in (("Conservative", 20), ("Labour", 52), ("Liberal Democrats", 61)):
        fill = palette[parties[name]].fill
        assert card.getpixel((int(MARGIN + at * scale), middle)) == Image.new("RGB", (1, 1), fill).getpixel(
            (0, 0)
        )
    line = card.getpixel((int(MARGIN + 33 * scale), middle))  # the majority line at 33
    assert line == (26, 26, 26)


def test_a_wards_card_and_an_unknown_one(site: Site) -> None:
    client = TestClient(create_app(site, base_url=BASE))
    card = client.get(f"/cards/council/{DERBYSHIRE}/ward/{ALFRETON}.png")
    assert card.status_code == 200 and Image.open(io.BytesIO(card.content)).size == (WIDTH, HEIGHT)
    assert client.get(f"/cards/council/{DERBYSHIRE}/ward/nowhere.png").status_code == 404
    assert client.get("/cards/council/E99999999.png").status_code == 404


def roll_names() -> list[str]:
    """Wards and councillors of Open Council Data's 2024 roll: every one with a letter beyond ASCII
    (Seán, Llanfair Pwllgwyngyll, Bütikofer), and every 40th of the rest."""
    path = SHARED / "opencouncildata" / "opencouncildata_councillors_2024.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = {f"{row['Councillor Name']} ({row['Party Name']}), {row['Ward Name']}" for row in rows}
    return sorted(n for i, n in enumerate(sorted(names)) if not n.isascii() or i % 40 == 0)


def test_a_card_sets_each_line_as_pillow_would() -> None:
    """Cards set text glyph by glyph from glyphs drawn once: the pixels are those of Pillow drawing the
    whole line, for every name on a real roll, at each size a card uses."""
    names = roll_names()
    assert sum(not n.isascii() for n in names) > 50
    for size in (64, 40, 28):
        for name in names:
            width = cards._length(name, size) + size
            ours = Image.new("L", (width, 2 * size))
            cards._set(ImageDraw.Draw(ours), (4, 4), name, size, 255)
            pillows = Image.new("L", (width, 2 * size))
            ImageDraw.Draw(pillows).text((4, 4), name, fill=255, font=cards._font(size))
            assert ImageChops.difference(ours, pillows).getbbox() is None, (name, size)
