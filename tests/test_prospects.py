"""Councils to watch on the 2025 county night, worked out from its card and the 2024 roll alone, then
checked against how the night went (the Library's 2025 results): every council whose control changed
was on the list, every party that took a majority was listed as able to, with no more seats needed
than it won, and every council said to be settled ended as said."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.control import Outcome
from tallyroom.rules.parties import NOC
from tallyroom.rules.prospects import Prospect, Watch, watch
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT, copy_url, demo_store
from tests.test_night_from_the_card import ON, RESULTS, card, eve

__all__ = ["card", "eve"]


@pytest.fixture(scope="module")
def before(eve: str, ref: Reference) -> dict[str, Watch]:
    engine = connect(eve)
    found = {o.council.name: watch(o) for o in outcomes(engine, ref, ON).councils}
    engine.dispose()
    return found


@pytest.fixture(scope="module")
def after(eve: str, ref: Reference, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    engine = connect(copy_url(eve, tmp_path_factory.mktemp("after") / "after.db"))
    load_file(engine, "leh", RESULTS, Context(ref))
    found = {o.council.name: o for o in outcomes(engine, ref, ON).councils}
    engine.dispose()
    return found


def test_every_council_whose_control_changed_was_on_the_watch_list(
    before: dict[str, Watch], after: dict[str, object]
) -> None:
    changed = {
        name
        for name, o in after.items()
        if getattr(o, "outcome", None) in (Outcome.GAIN, Outcome.LOSS_TO_NOC)
    }
    assert {"Derbyshire", "Kent", "Lancashire", "Durham", "Doncaster"} <= changed
    assert {name: before[name].prospect for name in changed} == dict.fromkeys(changed, Prospect.CAN_CHANGE)


def test_each_winner_was_listed_with_no_more_seats_needed_than_it_won(
    before: dict[str, Watch], after: dict[str, object]
) -> None:
    checked = 0
    for name, w in before.items():
        final = after[name]
        control = getattr(final, "control_after", None)
        if w.prospect is not Prospect.CAN_CHANGE or control in (None, NOC):
            continue
        needs = {p.id: n for p, n in w.needs}
        won = {p.id: n for p, n in final.won.items()}
        assert control in needs, name
        assert needs[control] <= won.get(control, 0), name
        checked += 1
    assert checked >= 10


def test_councils_said_to_be_settled_end_as_said(before: dict[str, Watch], after: dict[str, object]) -> None:
    settled = {name: w.settled for name, w in before.items() if w.prospect is Prospect.CANNOT_CHANGE}
    assert settled == {name: after[name].control_after for name in settled}


def test_the_watch_list_is_served_and_shown_before_the_first_result(
    eve: str, ref: Reference, tmp_path: Path
) -> None:
    engine: Engine = connect(copy_url(eve, tmp_path / "served.db"))
    client = TestClient(create_app(Site.open(engine, ref, ON)))
    listed = client.get("/api/watch").json()
    expected = {o.council.name: watch(o) for o in outcomes(engine, ref, ON).councils}
    assert {w["council"]["name"]: w["prospect"] for w in listed} == {
        name: w.prospect.value for name, w in expected.items()
    }
    kent = next(w for w in listed if w["council"]["name"] == "Kent")
    assert kent["needs"] == {p.name: n for p, n in expected["Kent"].needs}
    page = client.get("/").text
    assert "Councils to watch" in page
    engine.dispose()


def test_councils_decided_on_the_night_are_listed_with_their_outcome(tmp_path: Path, ref: Reference) -> None:
    """Nottinghamshire and Amber Valley changed hands on 6 May 2021: decided, not unable to change."""
    engine: Engine = connect(demo_store(tmp_path / "demo.db", ref))
    page = TestClient(create_app(Site.open(engine, ref, NIGHT))).get("/").text
    decided = page.split("Control decided: ", 1)[1].split("</p>", 1)[0]
    for changed in ("Nottinghamshire", "Amber Valley"):
        assert f"{changed} (Conservative gain)" in decided
    assert "Derby (no overall control, no change)" in decided and "Derbyshire (Conservative hold)" in decided
    assert "North Northamptonshire (Conservative, new council)" in decided
    engine.dispose()
