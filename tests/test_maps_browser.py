"""The maps in a real browser, on the 2021 East Midlands night opened from its nominations: axe-core
finds nothing, a declaration posted to the API recolours its ward's hex without a reload, and the maps
fit a phone's width. Screenshots at 390 and 1280 pixels go to `build/screenshots`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect
from sqlalchemy import Engine

from tallyroom.reference import Reference
from tallyroom.web.accounts import issue_token
from tallyroom.web.site import Site
from tests.conftest import night_from_nominations, night_wards
from tests.test_browser import ON, SCREENSHOTS, WCAG, Server, browser, engine, post, store

__all__ = ["browser", "engine", "store"]
DERBY = "E06000015"


@pytest.fixture
def server(engine: Engine, ref: Reference) -> Iterator[Server]:
    with Server(Site(engine, ref, ON, night=night_from_nominations(engine, ref))) as running:
        yield running


def test_the_maps_update_live_pass_axe_and_fit_a_phone(
    server: Server, engine: Engine, browser: Browser
) -> None:
    name, code, rows = night_wards(DERBY)[0]
    token = issue_token(engine, "rita")
    found = {}
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        for label, path in {
            "night": "/",
            "council": f"/council/{DERBY}",
            "region": "/region/east-midlands",
        }.items():
            page.goto(server.url + path)
            maps = page.locator("section.maps")
            expect(maps).to_be_visible()
            box = maps.bounding_box()
            assert box is not None and box["width"] <= width
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            maps.screenshot(path=SCREENSHOTS / f"map-{label}-{width}.png")
            found[f"{label} {width}"] = Axe().run(page, options=WCAG).generate_snapshot()
        context.close()
    assert found == dict.fromkeys(found, "")

    page = browser.new_page()
    page.goto(f"{server.url}/council/{DERBY}")
    hex_ = page.locator(f'path[data-ward="{code}"]')
    expect(hex_).to_have_attribute("data-state", "still to declare")
    post(server, token, rows)
    expect(hex_).to_have_attribute("data-state", "won", timeout=10_000)
    expect(page.locator(f'path[data-ward="{code}"] title')).to_contain_text(name)
    page.close()
