"""A night from its card, council by council: a thirds council knows its seats up before its first ward
and is decided only when it is; a ward shows its provisional figures and recount until it is declared;
and a council with no card and no figure for its seats up is never called early."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.importers import leap as leap_format
from tallyroom.importers import ward
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.rules.counting import card_of
from tallyroom.rules.model import Poll
from tallyroom.store.database import connect
from tallyroom.web.accounts import Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import SHARED, copy_url, leap, store_url

DERBY = "E06000015"
ON = date(2019, 5, 2)


def as_csv(polls: list[Poll], status: str | None = None) -> bytes:
    text = io.StringIO()
    ward.write(polls, text)
    if status is None:
        return text.getvalue().encode()
    rows = list(csv.reader(io.StringIO(text.getvalue())))
    at = rows[0].index("status")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [rows[0], *[[*r[:at], status, *r[at + 1 :]] for r in rows[1:]]]
    )
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def derby(ref: Reference) -> list[Poll]:
    """Derby's 2019 polls, as LEAP has them."""
    return [p for p in leap_format.read(leap(2019), Context(ref)).polls if p.council.code == DERBY]


@pytest.fixture(scope="module")
def eve(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    """2018's results and Open Council Data's 2018 roll: Derby on the eve of its 2019 poll."""
    url = store_url(tmp_path_factory.mktemp("derby") / "eve.db")
    engine = connect(url)
    load_file(engine, "leap", leap(2018), Context(ref))
    load_file(
        engine, "ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2018.csv", Context(ref)
    )
    engine.dispose()
    return url


@pytest.fixture
def engine(eve: str, tmp_path: Path) -> Iterator[Engine]:
    engine = connect(copy_url(eve, tmp_path / "night.db"))
    yield engine
    engine.dispose()


@pytest.mark.parametrize("with_card", [True, False], ids=["from its card", "from the register"])
def test_derby_2019_by_thirds_is_decided_only_when_it_is(
    engine: Engine, ref: Reference, derby: list[Poll], with_card: bool
) -> None:
    """17 of Derby's 51 seats were up. From its card, or without one from the council register's figure
    for 2019, the night knows that before the first ward, and after two wards it is 2 of 17, undecided."""
    site = Site.open(engine, ref, ON)
    if with_card:
        site.ingest_text("ward", as_csv([card_of(p) for p in derby]), "rita")
    for i, poll in enumerate(derby):
        site.ingest_text("ward", as_csv([poll]), "rita")
        outcome = site.view.by_code[DERBY]
        if i == 1:
            assert (outcome.seats_declared, outcome.seats_up, outcome.decided) == (2, 17, False)
            assert not outcome.settled_by_seats_not_up
    assert (outcome.seats_declared, outcome.seats_up, outcome.complete, outcome.decided) == (
        17,
        17,
        True,
        True,
    )
    assert outcome.composition is not None and sum(outcome.composition.values()) == 51
    assert outcome.carry_over_source == "roll"


def test_without_a_card_or_a_figure_a_council_is_never_called_early(
    engine: Engine, ref: Reference, derby: list[Poll]
) -> None:
    """Derby's 2019 wards posted as if on a day the register has no figure for: two wards in, the night
    cannot know how many are to come, so nothing is called and the page says why."""
    other_day = [p._replace(election_date=date(2026, 5, 7)) for p in derby[:2]]
    site = Site.open(engine, ref, date(2026, 5, 7))
    site.ingest_text("ward", as_csv(other_day), "rita")
    outcome = site.view.by_code[DERBY]
    assert (outcome.seats_declared, outcome.seats_up_known, outcome.decided, outcome.complete) == (
        2,
        False,
        False,
        False,
    )
    page = TestClient(create_app(site)).get(f"/council/{DERBY}").text
    assert "How many seats are up tonight is not known" in page


def test_a_ward_goes_from_provisional_figures_to_a_recount_to_its_declaration(
    engine: Engine, ref: Reference, derby: list[Poll]
) -> None:
    site = Site.open(engine, ref, ON)
    site.ingest_text("ward", as_csv([card_of(p) for p in derby]), "rita")
    poll = derby[0]
    key = poll.ward.code
    client = TestClient(create_app(site))

    events = site.ingest_text("ward", as_csv([poll], "provisional"), "rita")[0]
    assert [e.type for e in events] == ["provisional"] and events[0].body["candidates"]
    ward_page = client.get(f"/council/{DERBY}/ward/{key}").text
    assert "Provisional figures: not yet declared." in ward_page
    assert f"{poll.candidacies[0].votes:,}" in ward_page
    assert "(provisional figures)" in client.get(f"/council/{DERBY}").text
    standing = client.get(f"/api/councils/{DERBY}").json()
    assert {
        "ward": {"name": poll.ward.name, "code": key},
        "kind": "ordinary",
        "seats": 1,
        "status": "provisional",
    } in standing["still_to_declare"]
    assert standing["seats_declared"] == 0

    assert [e.type for e in site.ingest_text("ward", as_csv([poll], "recount"), "rita")[0]] == ["recount"]
    assert "Recount: not yet declared." in client.get(f"/council/{DERBY}/ward/{key}").text
    assert "(recount)" in client.get(f"/council/{DERBY}").text

    declared = site.ingest_text("ward", as_csv([poll]), "rita")[0]
    assert (
        declared[0].type == "declaration" and declared[0].body["revision"] == 4
    )  # card, provisional, recount
    page = client.get(f"/council/{DERBY}/ward/{key}").text
    assert "not yet declared" not in page and "Elected" in page
    assert client.get(f"/api/councils/{DERBY}").json()["seats_declared"] == poll.seats


def test_a_result_for_other_seats_than_the_card_has_is_taken_and_questioned(
    engine: Engine, ref: Reference, derby: list[Poll]
) -> None:
    """A desk types two seats for a one-seat ward of Derby's card: the result is logged (the card may be
    the one that is wrong), and whoever sent it is asked to check, by the API and the command line."""
    site = Site.open(engine, ref, ON)
    site.ingest_text("ward", as_csv([card_of(p) for p in derby]), "rita")
    first, second = derby[0], derby[1]
    _, report = site.ingest_text("ward", as_csv([first._replace(seats=2)]), "rita")
    assert report.warnings == [
        f"Derby, {first.ward.name}: the card has 1 seat(s) up, and this result fills 2; if the card is"
        " right, send the result again for 1"
    ]
    assert site.ingest_text("ward", as_csv([first]), "rita")[1].warnings == []  # put right: a revision
    add_user(engine, "feed", Role.REPORTER, "the feed's long password")
    headers = {"Authorization": f"Bearer {issue_token(engine, 'feed')}", "Content-Type": "text/csv"}
    answer = TestClient(create_app(site)).post(
        "/api/declarations", content=as_csv([second._replace(seats=3)]), headers=headers
    )
    assert answer.status_code == 200 and answer.json()["warnings"] == [
        f"Derby, {second.ward.name}: the card has 1 seat(s) up, and this result fills 3; if the card is"
        " right, send the result again for 1"
    ]
