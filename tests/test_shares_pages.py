"""The share of the vote on the night's, a region's and a council's pages, as the API gives it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.web.app import create_app
from tallyroom.web.site import Site

from .conftest import copy_of, demo_store

ON = date(2021, 5, 6)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[TestClient]:
    store = demo_store(tmp_path_factory.mktemp("shares-pages") / "demo.db", ref)
    engine = copy_of(store, tmp_path_factory.mktemp("shares-pages-copy"))
    with TestClient(create_app(Site.open(engine, ref, ON))) as client:
        yield client
    engine.dispose()


@pytest.mark.parametrize(
    ("page", "api"),
    [
        ("/", "/api/shares"),
        ("/region/east-midlands", "/api/shares?region=East%20Midlands"),
        ("/council/E10000007", "/api/shares?council=E10000007"),
    ],
)
def test_pages_show_the_share_of_the_vote_and_the_swing(client: TestClient, page: str, api: str) -> None:
    html, found = client.get(page).text, client.get(api).json()
    top = found["tables"][0]
    assert top["method"] == "top-vote" and "Share of the vote" in html
    assert f"{top['wards']} contested wards; change over the {top['wards_compared']} comparable" in html
    first = top["parties"][0]
    assert f'<th scope="row">{first["party"]}</th><td>{first["share"]:.1f}%</td>' in html
    (swing,) = found["swing"]
    assert f"Swing from {swing['from']} to {swing['to']}: {swing['points']:.1f} points" in html


def test_the_night_page_shows_the_projection_the_api_gives(client: TestClient) -> None:
    html, found = client.get("/").text, client.get("/api/projection").json()
    assert found["wards_used"] > 0
    assert "Projected national share (a projection, not PNS)" in html
    assert f"From {found['wards_used']} key wards in {found['councils_used']} council" in html
    for party, share in found["shares"].items():
        if share >= 1:
            assert f'<th scope="row">{party}</th><td>{share:.0f}%</td>' in html
