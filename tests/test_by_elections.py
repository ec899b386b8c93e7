"""Same-day by-elections are polls of their own: a day with only by-elections is still an election day
for the council (Trafford, 4 May 2017: Broadheath, from Trafford's own results file), and a by-election
beside a ward's ordinary poll on one day has its own line, label, section, event and feed entry."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.importers import lga, ward
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.model import Poll, PollKind
from tallyroom.serialise import council_outcome
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import SHARED, copy_url, store_url

TRAFFORD_FILE = SHARED / "trafford-council" / "trafford_council_election_results.csv"
TRAFFORD = "E08000009"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    url = store_url(tmp_path_factory.mktemp("by") / "trafford.db")
    engine = connect(url)
    load_file(engine, "lga", TRAFFORD_FILE, Context(ref))
    engine.dispose()
    return url


@pytest.fixture
def engine(store: str, tmp_path: Path) -> Iterator[Engine]:
    engine = connect(copy_url(store, tmp_path / "copy.db"))
    yield engine
    engine.dispose()


def test_a_day_with_only_a_by_election_is_an_election_day_for_the_council(
    engine: Engine, ref: Reference
) -> None:
    (trafford,) = outcomes(engine, ref, date(2017, 5, 4)).councils
    assert trafford.council.code == TRAFFORD and trafford.by_elections_only
    assert (trafford.seats_up, trafford.seats_declared, trafford.complete) == (1, 1, True)
    (broadheath,) = trafford.wards
    assert broadheath.result.poll.ward.name == "Broadheath" and broadheath.result.poll.kind == "by-election"
    line = council_outcome(trafford, ref.parties.get)["headline"]
    winner = broadheath.result.elected[0].party
    assert line.endswith("Broadheath in Trafford by-election") and line.startswith(winner.plural)
    assert "Counting continues" not in line


def same_day(engine: Engine, ref: Reference) -> tuple[Poll, Poll]:
    """Broadheath's real 2017 by-election, held again beside Broadheath's ordinary poll of 3 May 2018."""
    polls = lga.read(TRAFFORD_FILE, Context(ref)).polls
    ordinary = next(p for p in polls if p.election_date == date(2018, 5, 3) and p.ward.name == "Broadheath")
    by = next(p for p in polls if p.election_date == date(2017, 5, 4) and p.ward.name == "Broadheath")
    return ordinary, by._replace(election_date=ordinary.election_date)


def test_a_by_election_beside_an_ordinary_poll_is_a_poll_of_its_own(engine: Engine, ref: Reference) -> None:
    ordinary, by = same_day(engine, ref)
    assert by.kind is PollKind.BY_ELECTION and by.ward.code == ordinary.ward.code
    site = Site.open(engine, ref, ordinary.election_date)
    text = io.StringIO()
    ward.write([by], text)
    events = site.ingest_text("ward", text.getvalue().encode(), "rita")[0]
    (told,) = [e for e in events if e.type == "declaration"]
    assert told.body["ward"] == {"name": "Broadheath", "code": ordinary.ward.code, "kind": "by-election"}

    client = TestClient(create_app(site, base_url="https://results.example"))
    council = client.get(f"/api/councils/{TRAFFORD}").json()
    kinds = sorted(w["kind"] for w in council["wards"] if w["ward"]["name"] == "Broadheath")
    assert kinds == ["by-election", "ordinary"]
    page = client.get(f"/council/{TRAFFORD}").text
    assert page.count(">Broadheath</a>") == 2 and ">Broadheath</a> (by-election)" in page
    ward_page = client.get(f"/council/{TRAFFORD}/ward/{ordinary.ward.code}").text
    assert "<h2>By-election</h2>" in ward_page
    assert all(c.name in ward_page for c in (*ordinary.candidacies, *by.candidacies))
    feed = client.get("/feeds/declarations.atom").text
    assert f"declaration/{TRAFFORD}/{ordinary.ward.code}/by/1</id>" in feed
    assert "Trafford, Broadheath by-election:" in feed
