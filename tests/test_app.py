"""The app before it serves (`web.app.ready`): the first pages of a night wait for nothing that could
have been made before the first reader came: no template compiled, no hex layout or earlier poll
read."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from tallyroom.copy import drafts
from tallyroom.reference import Reference
from tallyroom.results import earlier_polls
from tallyroom.store.database import connect
from tallyroom.web import hexmap, templating
from tallyroom.web.app import create_app, ready
from tallyroom.web.site import Site
from tests.conftest import NIGHT, demo_store

FIRST = (
    "/",
    "/council/E10000007",
    "/council/E10000007/ward/E58000193",
    "/region/east-midlands",
    "/desk/login",
)


def test_the_first_pages_of_a_ready_site_compile_and_read_nothing(ref: Reference, tmp_path: Path) -> None:
    engine = connect(demo_store(tmp_path / "night.db", ref))
    for made_once in (earlier_polls, hexmap.ward_layouts, templating.environment, drafts.environment):
        made_once.cache_clear()  # as in a worker just started
    site = Site.open(engine, ref, NIGHT)
    ready(site)
    pages, copy = templating.environment(), drafts.environment()
    compiled = (len(pages.cache or {}), len(copy.cache or {}))
    read = (earlier_polls.cache_info().misses, hexmap.ward_layouts.cache_info().misses)
    client = TestClient(create_app(site))
    for path in FIRST:
        assert client.get(path).status_code == 200, path
    assert (len(pages.cache or {}), len(copy.cache or {})) == compiled
    assert (earlier_polls.cache_info().misses, hexmap.ward_layouts.cache_info().misses) == read
    assert compiled[0] == len(pages.list_templates()) and read[0] == 1
    engine.dispose()
