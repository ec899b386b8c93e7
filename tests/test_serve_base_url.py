"""`serve` never guesses its public address: without `--base-url` it warns, and feeds (which need
absolute links) are not served rather than pointing readers at localhost; with one, they link to it."""

from __future__ import annotations

from pathlib import Path

import httpx2
import pytest

from tallyroom.reference import Reference
from tests.conftest import Serving, demo_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("base-url") / "demo.db", ref)


def test_without_a_base_url_serve_warns_and_serves_no_feed(store: str) -> None:
    served = Serving(store, "--host", "0.0.0.0")
    try:
        feed = httpx2.get(f"{served.url}/feeds/declarations.atom")
        page = httpx2.get(f"{served.url}/").text
    finally:
        served.stop()
    assert feed.status_code == 404
    assert "localhost" not in page
    assert served.process.stderr is not None
    assert "no --base-url: the feeds and the pages' social tags are left out" in served.process.stderr.read()


def test_with_a_base_url_the_feed_links_to_it(store: str, tmp_path: Path) -> None:
    served = Serving(store, "--base-url", "https://results.example.org", "--allowed-host", "127.0.0.1")
    try:
        feed = httpx2.get(f"{served.url}/feeds/declarations.atom")
    finally:
        served.stop()
    assert feed.status_code == 200
    assert "https://results.example.org/" in feed.text and "localhost" not in feed.text
