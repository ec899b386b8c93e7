"""The served website in a real browser (Debian's Chromium driven by Playwright), on the real 2021 East
Midlands night opened from its nominations: live updates without a reload, the desk's login, entry,
approval and publishing, hostile names shown as text, axe-core's accessibility checks, and every page
no wider than a 390, 768 or 1280 px screen with its charts' text at 12 px, and social cards read by
Chromium to the pixels Pillow reads. Screenshots of the main pages at each width are saved under
`build/screenshots` for people to look at."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import httpx2
import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import Engine

from tallyroom.copy import review
from tallyroom.copy.review import CopyKey
from tallyroom.reference import Reference
from tallyroom.store.database import connect
from tallyroom.web.accounts import Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT_FILE, copy_of, demo_store, night_from_nominations

ON = date(2021, 5, 6)
DERBYSHIRE = "E10000007"
CHROMIUM = os.environ.get("TALLYROOM_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
KEYS = """Object.fromEntries([...document.querySelectorAll("main .party")]
    .map(party => [party.textContent, party.querySelector("svg.key")?.innerHTML]))"""
"""Each party keyed on the page: its key's drawing (fill and pattern)."""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("browser") / "eve.db", ref, leave_out=NIGHT_FILE)


class Server:
    """The app served by uvicorn on a free local port, in a thread."""

    def __init__(self, site: Site) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_app(site, secret="browser tests", base_url="http://127.0.0.1"),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
        )
        self.site = site
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def with_desk(engine: Engine) -> Engine:
    """The store's engine, with a reporter and an editor to sign in as."""
    add_user(engine, "rita", Role.REPORTER, "rita's long password")
    add_user(engine, "eddie", Role.EDITOR, "eddie's long password")
    return engine


def night_server(engine: Engine, ref: Reference) -> Server:
    """The night opened from its nominations, to be served."""
    return Server(Site(engine, ref, ON, night=night_from_nominations(engine, ref)))


@pytest.fixture
def engine(store: str, tmp_path: Path) -> Iterator[Engine]:
    engine = with_desk(copy_of(store, tmp_path))
    yield engine
    engine.dispose()


@pytest.fixture
def server(engine: Engine, ref: Reference) -> Iterator[Server]:
    with night_server(engine, ref) as running:
        yield running


@pytest.fixture(scope="module")
def own_store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Path:
    """The store of `store` on an SQLite file of its own, for the tests of how pages look."""
    path = tmp_path_factory.mktemp("browser-own") / "eve.db"
    demo_store(path, ref, leave_out=NIGHT_FILE, own_file=True)
    return path


@pytest.fixture
def own_engine(own_store: Path, tmp_path: Path) -> Iterator[Engine]:
    """As `engine`, on a copy of `own_store`."""
    copy = tmp_path / "eve.db"
    shutil.copyfile(own_store, copy)
    engine = with_desk(connect(f"sqlite:///{copy}"))
    yield engine
    engine.dispose()


@pytest.fixture
def own_server(own_engine: Engine, ref: Reference) -> Iterator[Server]:
    with night_server(own_engine, ref) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"browser tests need Chromium at {CHROMIUM}: apt-get install chromium (make test does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def night_rows(council: str) -> tuple[list[str], dict[str, list[list[str]]]]:
    """The header and, ward by ward, a council's rows of the 2021 file."""
    with NIGHT_FILE.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    wards: dict[str, list[list[str]]] = {}
    for row in rows:
        if row[header.index("council_code")] == council:
            wards.setdefault(row[header.index("ward")], []).append(row)
    return header, wards


def as_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def post(server: Server, token: str, body: bytes) -> httpx2.Response:
    answer = httpx2.post(
        f"{server.url}/api/declarations",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    return answer


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_a_declaration_posted_to_the_api_appears_on_the_open_council_page(
    server: Server, engine: Engine, page: Page
) -> None:
    header, wards = night_rows(DERBYSHIRE)
    name, rows = next(iter(wards.items()))
    page.goto(f"{server.url}/council/{DERBYSHIRE}")
    expect(page.locator("html[data-live-connected]")).to_have_count(1)
    declared = page.get_by_role("table", name="Wards declared").get_by_role("link", name=name, exact=True)
    still_to_declare = page.locator("ul.pending").get_by_role("link", name=name, exact=True)
    expect(declared).to_have_count(0)
    expect(still_to_declare).to_have_count(1)
    page.evaluate("window.notReloaded = true")

    post(server, issue_token(engine, "rita"), as_csv(header, rows))

    expect(declared).to_be_visible(timeout=5000)
    expect(still_to_declare).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True  # the same document: updated, not reloaded
    expect(page.locator("#announcer")).to_have_text(f"Result declared: {name}, Derbyshire")
    seats_up = sum(int(w[0][header.index("seats")]) for w in wards.values())
    expect(page.locator(".facts")).to_contain_text(f"{rows[0][header.index('seats')]} of {seats_up} seats up")
    updated = page.evaluate(KEYS)
    page.reload()
    assert page.evaluate(KEYS) == updated  # the page's colours are the same updated live as loaded afresh
    assert len(set(updated.values())) == len(updated)


def test_hostile_names_are_shown_as_text(server: Server, engine: Engine, page: Page) -> None:
    header, wards = night_rows(DERBYSHIRE)
    rows = next(iter(wards.values()))
    hostile = [list(r) for r in rows]
    attacks = ['<img src=x onerror="window.attacked=1">', "<script>window.attacked=1</script>"]
    for row, attack in zip(hostile, attacks, strict=False):
        row[header.index("candidate")] = attack
    post(server, issue_token(engine, "rita"), as_csv(header, hostile))
    ward_code = rows[0][header.index("ward_code")]
    for url in ("/", f"/council/{DERBYSHIRE}", f"/council/{DERBYSHIRE}/ward/{ward_code}"):
        page.goto(server.url + url)
        for attack in attacks:
            if url != f"/council/{DERBYSHIRE}" or any(
                r[header.index("elected")] == "1" and r[header.index("candidate")] == attack for r in hostile
            ):
                expect(page.get_by_text(attack).first).to_be_visible()
        assert page.evaluate("window.attacked") is None, url
        assert page.locator("main img, main script").count() == 0

    feed = ElementTree.fromstring(httpx2.get(f"{server.url}/feeds/declarations.atom").content)
    titles = [t.text or "" for t in feed.iter("{http://www.w3.org/2005/Atom}title")]
    elected = [r[header.index("candidate")] for r in hostile if r[header.index("elected")] == "1"]
    assert any(all(name in t for name in elected) for t in titles)  # the markup is the entry's text
    exported = csv.DictReader(io.StringIO(httpx2.get(f"{server.url}/export/results.csv").text))
    assert set(attacks) <= {row["person_name"] for row in exported}

    key = CopyKey("story", DERBYSHIRE, ON)
    review.edit(engine, key, f"Derbyshire counts\n\nA story quoting {attacks[1]} as it was printed.", "eddie")
    review.approve(engine, key, "eddie")
    review.publish(engine, key, "eddie")
    server.site.touch()
    page.goto(f"{server.url}/council/{DERBYSHIRE}")
    page.reload()  # the page was fetched a moment ago, and may be reused for five seconds unasked
    expect(page.locator("article.story")).to_contain_text(f"A story quoting {attacks[1]} as it was printed.")
    assert page.evaluate("window.attacked") is None


def test_a_reporter_enters_a_result_and_an_editor_publishes_the_story(server: Server, page: Page) -> None:
    header, wards = night_rows("E07000138")  # Lincoln: a third of its seats, one ward at a time
    page.goto(f"{server.url}/desk")
    page.get_by_label("Name").fill("rita")
    page.get_by_label("Password").fill("rita's long password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as rita (reporter)")).to_be_visible()
    for name, rows in wards.items():
        page.goto(f"{server.url}/desk/enter")
        page.get_by_label("Council", exact=True).select_option(label="Lincoln")
        page.get_by_label("Ward name").fill(name)
        page.get_by_label("Ward code (GSS)").fill(rows[0][header.index("ward_code")])
        page.get_by_label("Seats filled").fill(rows[0][header.index("seats")])
        for i, row in enumerate(rows):
            page.get_by_label(f"Candidate {i + 1} name").fill(row[header.index("candidate")])
            page.get_by_label(f"Candidate {i + 1} party").fill(row[header.index("party")])
            page.get_by_label(f"Candidate {i + 1} votes").fill(row[header.index("votes")])
        page.get_by_role("button", name="Enter the result").click()
        expect(page.get_by_role("status")).to_contain_text("Result logged.")
    shoot(page, "desk")
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{server.url}/desk/login")
    page.get_by_label("Name").fill("eddie")
    page.get_by_label("Password").fill("eddie's long password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{server.url}/desk/review")
    page.get_by_role("link", name="Lincoln").click()
    headline = (
        page.get_by_label("Story text (headline, a blank line, then the body)").input_value().split("\n")[0]
    )
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("Approved.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_have_text("Published.")
    shoot(page, "review")
    page.goto(f"{server.url}/council/E07000138")
    expect(page.locator("article.story h3")).to_have_text(headline)

    axe, found = Axe(), {}
    for name, url in {"desk": "/desk", "queue": "/desk/review", "story": "/desk/review/E07000138"}.items():
        page.goto(server.url + url)
        found[name] = axe.run(page, options=WCAG).generate_snapshot()
    assert found == dict.fromkeys(found, "")


@pytest.mark.one_store  # how pages read, made alike from either store
def test_the_main_pages_have_no_accessibility_violations(
    own_server: Server, own_engine: Engine, page: Page
) -> None:
    server, engine = own_server, own_engine
    header, wards = night_rows(DERBYSHIRE)
    token = issue_token(engine, "rita")
    declared = [row for rows in list(wards.values())[:40] for row in rows]  # enough for the call
    post(server, token, as_csv(header, declared))  # the page shows a council decided
    ward_code = next(iter(wards.values()))[0][header.index("ward_code")]
    pages = {
        "night": "/",
        "region": "/region/east-midlands",
        "council": f"/council/{DERBYSHIRE}",
        "ward": f"/council/{DERBYSHIRE}/ward/{ward_code}",
        "search": "/search?q=derby",
        "login": "/desk/login",
    }
    axe = Axe()
    found = {}
    for name, url in pages.items():
        page.goto(server.url + url)
        shoot(page, name)
        results = axe.run(page, options=WCAG)
        found[name] = results.generate_snapshot()
    page.get_by_label("Name").fill("rita")
    page.get_by_label("Password").fill("rita's long password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{server.url}/desk/enter")
    found["entry"] = axe.run(page, options=WCAG).generate_snapshot()
    assert found == dict.fromkeys(found, "")


WIDTHS = (320, 390, 768, 1280)
SHOWN = {"E10000024": "Nottinghamshire", "E10000019": "Lincolnshire"}
"""Councils declared in full for the pages at every width: their local parties (Ashfield, Mansfield,
South Holland and Lincolnshire Independents) once shared Liberal Democrat orange and Conservative blue."""
SCALES = """[...document.querySelectorAll("figure.chart svg")]
    .map(svg => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width).filter(Boolean)"""
"""Each chart shown: its width on screen over the width it was drawn at, 1 where its 12 px text is 12 px."""


@pytest.mark.one_store  # how pages look, made alike from either store
def test_every_page_fits_the_screen_with_12px_chart_text(
    own_server: Server, own_engine: Engine, browser: Browser
) -> None:
    server, engine = own_server, own_engine
    token = issue_token(engine, "rita")
    for code in SHOWN:  # each council declared whole in one delivery: how its pages look is the test
        header, wards = night_rows(code)
        post(server, token, as_csv(header, [row for rows in wards.values() for row in rows]))
    header, wards = night_rows("E10000024")
    ward_code = next(iter(wards.values()))[0][header.index("ward_code")]
    pages = {
        "night": "/",
        "region": "/region/east-midlands",
        "council": "/council/E10000024",
        "ward": f"/council/E10000024/ward/{ward_code}",
        "desk": "/desk",
    }
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{server.url}/desk/login")
        page.get_by_label("Name").fill("rita")
        page.get_by_label("Password").fill("rita's long password")
        page.get_by_role("button", name="Sign in").click()
        for name, url in pages.items():
            page.goto(server.url + url)
            shoot(page, f"{name}-{width}")
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{url} is {wide} px wide at {width} px"
            scales = page.evaluate(SCALES)
            assert all(scale >= 0.99 for scale in scales), (url, width, scales)  # 12 px text stays 12 px
            assert len(scales) == {"council": 3, "ward": 1}.get(name, 0), (url, width)  # one of each pair
        context.close()


DRAWN = """async () => {
    const image = document.images[0];
    const canvas = new OffscreenCanvas(image.naturalWidth, image.naturalHeight);
    const drawing = canvas.getContext("2d");
    drawing.drawImage(image, 0, 0);
    const pixels = drawing.getImageData(0, 0, canvas.width, canvas.height).data;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", pixels));
    return [canvas.width, canvas.height, [...digest].map(b => b.toString(16).padStart(2, "0")).join("")];
}"""
"""The size of the image the browser shows, and a digest of its pixels as the browser decoded them."""


@pytest.mark.one_store  # how cards decode, made alike from either store
def test_the_browser_reads_each_card_to_the_pixels_pillow_reads(
    own_server: Server, own_engine: Engine, page: Page
) -> None:
    """Chromium's PNG decoder, not ours nor Pillow's, on a council's card and its wards' cards."""
    server = own_server
    header, wards = night_rows(DERBYSHIRE)
    token = issue_token(own_engine, "rita")
    for rows in list(wards.values())[:5]:
        post(server, token, as_csv(header, rows))
    cards = [f"/cards/council/{DERBYSHIRE}.png"] + [
        f"/cards/council/{DERBYSHIRE}/ward/{rows[0][header.index('ward_code')]}.png"
        for rows in list(wards.values())[:6]  # five declared and one still to come
    ]
    for card in cards:
        body = httpx2.get(server.url + card).content
        pixels = Image.open(io.BytesIO(body)).convert("RGBA")
        page.goto(server.url + card)
        found = page.evaluate(DRAWN)
        assert found == [*pixels.size, hashlib.sha256(pixels.tobytes()).hexdigest()], card
