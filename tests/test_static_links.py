"""The baked site on the real 2021 East Midlands night has no dead links: every `href` and `src` of
every baked page, and every social tag's address under the base URL, names a file in the folder; and
nothing links to what a static folder cannot answer (search, the desk, the live stream, `/api/night`
without `.json`). A Scottish night counted from its 2017 ballots (Moray) bakes its stage CSV, which its
pages link to, with no dead link either; a night with no STV count neither bakes it nor links to it."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from starlette.testclient import TestClient

from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.publish import Publisher
from tallyroom.web.site import Site
from tests.conftest import NIGHT, SHARED, copy_of, demo_store, store_url

BASE = "https://results.example.org"
MORAY = sorted((SHARED / "scot-elex-ballots" / "blt_files").glob("*/moray_2017_*.blt"))


class Links(HTMLParser):
    """Every `href` and `src` in a page, and the addresses of its Open Graph tags."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in {"href", "src"} and value]
        said = dict(attrs)
        if tag == "meta" and said.get("property") in {"og:url", "og:image"} and said.get("content"):
            self.found.append(said["content"] or "")


def links(page: Path) -> list[str]:
    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.found


def target(folder: Path, page: Path, link: str) -> Path | None:
    """The file a link in `page` names in the folder as a static host serves it (`PATH/index.html` for
    an address with no file name), or None for a link to another site or within the page."""
    parts = urlsplit(link.removeprefix(BASE))
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    where = folder / path.lstrip("/") if path.startswith("/") else page.parent / path
    return where / "index.html" if where.is_dir() or path.endswith("/") else where


@pytest.fixture(scope="module")
def baked(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> dict[str | None, Path]:
    """The night baked with a base URL and without one."""
    root = tmp_path_factory.mktemp("links")
    engine = copy_of(demo_store(root / "demo.db", ref), root)
    site = Site.open(engine, ref, NIGHT)
    folders: dict[str | None, Path] = {}
    for base in (BASE, None):
        folders[base] = root / ("with-base" if base else "no-base")
        publisher = Publisher(site, folders[base], base)
        publisher.everything()
        assert publisher.failed == {}
    engine.dispose()
    return folders


@pytest.mark.parametrize("base", [BASE, None])
def test_every_link_of_every_baked_page_names_a_baked_file(
    baked: dict[str | None, Path], base: str | None
) -> None:
    folder = baked[base]
    assert len(list(folder.rglob("*.html"))) > 300
    assert dead_links(folder) == set()


@pytest.mark.parametrize("base", [BASE, None])
def test_no_baked_page_links_to_what_a_folder_cannot_answer(
    baked: dict[str | None, Path], base: str | None
) -> None:
    folder = baked[base]
    for page in folder.rglob("*.html"):
        assert "data-live=" not in page.read_text(encoding="utf-8"), page  # no live stream in a folder
        for link in links(page):
            path = urlsplit(link).path
            assert not path.startswith(("/search", "/desk", "/live")), (page, link)
            assert path != "/api/night", (page, link)
    assert (folder / "api" / "night.json").is_file()
    assert "/api/night.json" in (folder / "index.html").read_text(encoding="utf-8")


def test_feeds_are_baked_only_with_a_base_url(baked: dict[str | None, Path]) -> None:
    feed = (baked[BASE] / "feeds" / "declarations.atom").read_text(encoding="utf-8")
    assert f"{BASE}/council/E10000007/ward/" in feed and "localhost" not in feed
    assert not (baked[None] / "feeds").exists()
    page = (baked[None] / "council" / "E10000007" / "index.html").read_text(encoding="utf-8")
    assert ".atom" not in page and "og:image" not in page


def dead_links(folder: Path) -> set[str]:
    return {
        f"{page.relative_to(folder)}: {link}"
        for page in sorted(folder.rglob("*.html"))
        for link in links(page)
        if (found := target(folder, page, link)) is not None and not found.is_file()
    }


@pytest.mark.skipif(not MORAY, reason="the Scottish ballot files are not here")
def test_a_night_counted_by_stv_bakes_its_stage_csv_and_links_to_it(
    baked: dict[str | None, Path], tmp_path: Path, ref: Reference, context: Context
) -> None:
    engine = connect(store_url(tmp_path / "moray.db"))
    for path in MORAY:
        load_file(engine, "blt", path, context)
    site = Site.open(engine, ref, date(2017, 5, 4))
    folder = tmp_path / "moray"
    publisher = Publisher(site, folder)
    publisher.everything()
    assert publisher.failed == {}
    baked_csv = (folder / "export" / "stages.csv").read_bytes()
    with TestClient(create_app(site)) as client:
        assert baked_csv == client.get("/export/stages.csv").content
    assert len({line.split(b",")[3] for line in baked_csv.splitlines()[1:]}) == len(MORAY)  # every ward
    for page in ("index.html", "council/S12000020/index.html", "council/S12000020/ward/S13003029/index.html"):
        assert "/export/stages.csv" in links(folder / page)
    assert dead_links(folder) == set()
    engine.dispose()
    for plain in baked.values():
        assert not (plain / "export" / "stages.csv").exists()
        assert "/export/stages.csv" not in links(plain / "index.html")
