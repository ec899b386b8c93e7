"""The API documentation at `/docs`, made from the app's OpenAPI description: every route of the API is
on it, and in Chromium it loads nothing from another site, works offline, fits a phone's width and
has no accessibility violation axe-core finds.
Screenshots at 390, 768 and 1280 pixels go to `build/screenshots`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Route
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT
from tests.test_browser import SCREENSHOTS, WCAG, Server, browser

__all__ = ["browser"]  # the fixture, shared with the main pages' tests

API = [
    "/health",
    "/api/night",
    "/api/councils",
    "/api/councils/{name_or_code}",
    "/api/headlines",
    "/api/progress",
    "/api/events",
    "/api/executive",
    "/api/stories/{name_or_code}",
    "/api/declarations",
    "/live",
    "/feeds/declarations.atom",
    "/feeds/stories.atom",
    "/export/results.csv",
]
"""Every route of the API, as the README lists them."""


pytestmark = pytest.mark.one_store  # the page is made from the app's OpenAPI description, not the log


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[Site]:
    """A site on an empty SQLite store of its own."""
    engine = connect(f"sqlite:///{tmp_path_factory.mktemp('docs') / 'empty.db'}")
    yield Site.open(engine, ref, NIGHT)
    engine.dispose()


def test_every_api_route_is_on_the_docs_page(site: Site) -> None:
    app = create_app(site)
    page = TestClient(app).get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    described = app.openapi()["paths"]
    routes = [(m.upper(), path) for path, item in described.items() for m in item]
    assert {p for _, p in routes} >= set(API)
    for method, path in routes:
        assert f"<code>{method} {path}</code></h3>" in page.text, (method, path)
    for name in app.openapi()["components"]["schemas"]:
        assert f"<code>{name}</code></h3>" in page.text, name
    assert "Ward results as the native ward CSV" in page.text  # the description, from the route's docstring
    assert "http://" not in page.text and "https://" not in page.text  # nothing from another site


@pytest.mark.parametrize("width", [390, 768, 1280])
def test_the_docs_page_works_offline_and_fits_the_screen(site: Site, browser: Browser, width: int) -> None:
    with Server(site) as server:
        context = browser.new_context(viewport={"width": width, "height": 900})
        elsewhere: list[str] = []

        def only_here(route: Route) -> None:
            url = route.request.url
            if url.startswith(server.url):
                route.continue_()
            else:
                elsewhere.append(url)
                route.abort()

        context.route("**/*", only_here)
        page = context.new_page()
        page.goto(f"{server.url}/docs")
        page.wait_for_load_state("networkidle")
        assert elsewhere == []
        assert page.locator("h3 code").first.is_visible()
        assert page.evaluate("getComputedStyle(document.querySelector('.docs .fields')).display") == "grid"
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"the page is {wide} px wide in a {width} px window"
        assert Axe().run(page, options=WCAG).generate_snapshot() == ""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"docs-{width}.png"), full_page=True)
        context.close()
