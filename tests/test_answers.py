"""Pages answered again from the bytes sent (`caching.Answers`): the same status, headers and body as
the page made anew, a new view's page once the night moves, and a 304 for a reader with the ETag."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT, copy_of, demo_store

PAGES = ("/", "/council/E10000007", "/council/E10000007/ward/E58000193", "/api/night", "/export/results.csv")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("answers") / "demo.db", ref)


def test_a_page_answered_again_is_the_page_as_first_sent(store: str, ref: Reference, tmp_path: Path) -> None:
    site = Site.open(copy_of(store, tmp_path), ref, NIGHT)
    client = TestClient(create_app(site))
    for path in PAGES:
        first, again = client.get(path), client.get(path)
        assert first.status_code == again.status_code == 200
        assert first.content == again.content
        assert first.headers.items() == again.headers.items()
        assert "content-security-policy" in again.headers
        head = client.head(path)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["etag"] == again.headers["etag"]
        unchanged = client.get(path, headers={"If-None-Match": again.headers["etag"]})
        assert unchanged.status_code == 304 and unchanged.content == b""


def test_only_the_current_views_answer_is_given_again(
    store: str, ref: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = Site.open(copy_of(store, tmp_path), ref, NIGHT)
    client = TestClient(create_app(site))
    routed: list[str] = []
    fresh = site.fresh
    monkeypatch.setattr(site, "fresh", lambda key: routed.append(key) or fresh(key))
    client.get("/api/night")
    client.get("/api/night")
    assert len(routed) == 1  # the second answered from what was sent
    site.touch()
    client.get("/api/night")
    client.get("/api/night")
    assert len(routed) == 2  # the new view's made once, then answered again
