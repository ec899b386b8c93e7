"""Search on the real 2021 East Midlands night finds candidates by the starts of the words of their names,
with their party, ward and council, beside councils and wards."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT, copy_of, demo_store


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("search") / "demo.db", ref)


def test_search_finds_candidates_by_name(store: str, ref: Reference, tmp_path: Path) -> None:
    engine = copy_of(store, tmp_path)
    client = TestClient(create_app(Site.open(engine, ref, NIGHT)))
    found = client.get("/search", params={"q": "rose p"}).text
    assert (
        'Rose P.S. (Conservative), <a href="/council/E10000007/ward/E58000193">Alfreton And Somercotes</a>,'
        " Derbyshire" in found
    )
    assert 'Rose P.S. (Conservative), <a href="/council/E07000032/ward/E05003299">Somercotes</a>' in found
    assert client.get("/search", params={"q": "ose"}).text.count("(Conservative)") == 0  # starts of words
    assert client.get("/search", params={"q": "a " * 9}).status_code == 400  # still bounded
    engine.dispose()
