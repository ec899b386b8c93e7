"""The PNG encoder of social cards (`tallyroom.web.png`), on the cards of the real 2021 East Midlands
night: each file reads, in Pillow and in a reader written here from the PNG specification with the
standard library's zlib, to the very pixels and palette drawn."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator

import pytest
from PIL import Image
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.web import png
from tallyroom.web.app import create_app
from tallyroom.web.publish import every_path
from tallyroom.web.site import Site
from tests.conftest import NIGHT, copy_of, demo_store

BASE = "https://results.example.org"


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[list[bytes]]:
    """Every card of the night's first three councils, as served."""
    root = tmp_path_factory.mktemp("png")
    engine: Engine = copy_of(demo_store(root / "demo.db", ref), root)
    site = Site.open(engine, ref, NIGHT)
    client = TestClient(create_app(site, base_url=BASE))
    codes = tuple(f"/cards/council/{o.council.code}" for o in site.view.outcomes[:3])
    paths = [p for p in every_path(site, site.view) if p.startswith(codes)]
    yield [client.get(path).content for path in paths]
    engine.dispose()


def chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """Each chunk's type and data, its CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at = 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        yield kind, body
        at += 12 + length


def pixels(data: bytes) -> tuple[tuple[int, int, str], bytes, bytes]:
    """A PNG read by the specification: its size and mode, its palette, and its rows' bytes (each row
    unfiltered, as this encoder writes them)."""
    found = list(chunks(data))
    assert found[0][0] == b"IHDR" and found[-1] == (b"IEND", b"")
    width, height, depth, colour, *methods = struct.unpack(">IIBBBBB", found[0][1])
    assert depth == 8 and methods == [0, 0, 0]
    mode = {0: "L", 2: "RGB", 3: "P"}[colour]
    stride = width * {"L": 1, "RGB": 3, "P": 1}[mode]
    raw = zlib.decompress(b"".join(body for kind, body in found if kind == b"IDAT"))
    rows = [raw[y * (stride + 1) : (y + 1) * (stride + 1)] for y in range(height)]
    assert len(raw) == height * (stride + 1) and {row[0] for row in rows} == {0}
    palette = b"".join(body for kind, body in found if kind == b"PLTE")
    return (width, height, mode), palette, b"".join(row[1:] for row in rows)


def test_every_card_reads_to_the_pixels_drawn_in_pillow_and_by_the_specification(cards: list[bytes]) -> None:
    assert len(cards) > 90
    for number, card in enumerate(cards):
        drawn = Image.open(io.BytesIO(card))
        drawn.load()
        (width, height, mode), palette, rows = pixels(card)
        assert (width, height, mode) == (drawn.width, drawn.height, drawn.mode) == (1200, 630, "P")
        assert rows == drawn.tobytes() and palette == bytes(drawn.getpalette() or ()), number
        assert png.encode(drawn) == card, number  # the same pixels and palette make the same file
        Image.open(io.BytesIO(card)).verify()


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_grey_and_colour_images_read_to_their_pixels(cards: list[bytes], mode: str) -> None:
    """A card too colourful for a palette is drawn in RGB; a grey image (mode L) is written as well."""
    image = Image.open(io.BytesIO(cards[0])).convert(mode)
    encoded = png.encode(image)
    (width, height, found), palette, rows = pixels(encoded)
    assert (width, height, found, palette) == (1200, 630, mode, b"") and rows == image.tobytes()
    again = Image.open(io.BytesIO(encoded))
    assert again.mode == mode and again.tobytes() == image.tobytes()


def test_an_image_of_a_single_row_and_one_taller_than_a_strip() -> None:
    """Rows are taken a strip at a time: the last strip may be short, and a strip at least one row."""
    for size in [(1, 1), (7, 1), (png.STRIP + 3, 3), (3, png.STRIP // 3 + 5)]:
        image = Image.frombytes("L", size, bytes(k % 251 for k in range(size[0] * size[1])))
        (width, height, _), _, rows = pixels(png.encode(image))
        assert (width, height) == size and rows == image.tobytes()
