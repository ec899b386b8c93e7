"""The shipped demo data (East Midlands 2016-2021, derived from LEAP and the Library): a thirds council
rolled forward across five years, the Darley tie-break margin, and the files' derivation."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tallyroom.importers.base import Context
from tallyroom.loading import demo_format, load_file
from tallyroom.reference import Reference
from tallyroom.results import DayResults, outcomes
from tallyroom.store.database import connect
from tests.conftest import DEMO, SHARED, store_url


def day_of(folder: Path, ref: Reference, formats: set[str]) -> DayResults:
    """6 May 2021 from the demo files of these formats."""
    engine: Engine = connect(store_url(folder / "demo.db"))
    for path in sorted(DEMO.glob("*.csv")):
        if demo_format(path.name) in formats:
            load_file(engine, demo_format(path.name), path, Context(ref))
    found = outcomes(engine, ref, date(2021, 5, 6))
    engine.dispose()
    return found


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> DayResults:
    """The results alone: seats not up rolled forward from earlier results."""
    return day_of(tmp_path_factory.mktemp("demo"), ref, {"ward"})


@pytest.fixture(scope="module")
def eve(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> DayResults:
    """The results and the councillor roll on the eve of poll, as the demo loads them."""
    return day_of(tmp_path_factory.mktemp("demo-roll"), ref, {"ward", "ocd"})


def test_amber_valley_2021_worked_example(day: DayResults) -> None:
    """Domain §1.4, worked example 2 (BBC scoreboard): 16 seats in 15 wards, Con 13 Lab 3 won; after,
    Con 28, Lab 16, Green 1; Con +9, Lab -9 on the seats last fought; a Conservative gain from Labour."""
    amber = next(o for o in day.councils if o.council.name == "Amber Valley")
    assert (amber.seats_up, amber.majority_threshold) == (16, 23)
    assert {p.name: n for p, n in amber.won.items()} == {"Conservative": 13, "Labour": 3}
    assert {p.name: n for p, n in (amber.composition or {}).items()} == {
        "Conservative": 28,
        "Labour": 16,
        "Green": 1,
    }
    assert (amber.control_before, amber.control_after, amber.outcome) == ("labour", "conservative", "GAIN")
    assert amber.change is not None
    assert {p.name: n for p, n in amber.change.seats.items()} == {"Conservative": 9, "Labour": -9}
    # Somercotes filled two seats, one of them a casual vacancy: the outcome says what it assumed.
    assert any(flag.startswith("Somercotes: 2 seats up") for flag in amber.flags)
    assert amber.control_before_source == "earlier-results"
    assert any(
        flag.startswith("control before is judged against the make-up after the 2019") for flag in amber.flags
    )


def test_amber_valley_2021_on_the_roll_of_the_eve_of_poll(eve: DayResults) -> None:
    """With the councillor roll of the eve of poll, seats not up are held as they were then: Heanor East's
    Henry Thompson, elected a Conservative in 2019, sat as an independent by the end of 2020."""
    amber = next(o for o in eve.councils if o.council.name == "Amber Valley")
    assert (amber.carry_over_source, amber.control_before_source) == ("roll", "roll")
    assert {p.name: n for p, n in (amber.composition or {}).items()} == {
        "Conservative": 27,
        "Labour": 16,
        "Green": 1,
        "Independent": 1,
    }
    assert (amber.control_before, amber.control_after, amber.outcome) == ("labour", "conservative", "GAIN")
    # 16 seats filled where the roll has 15 councillors due: no seat-for-seat eve-of-poll comparison.
    assert [c.baseline for c in amber.changes] == ["last-fought"]


def test_derby_2021_darley(day: DayResults) -> None:
    derby = next(o for o in day.councils if o.council.name == "Derby")
    darley = next(w.result for w in derby.wards if w.result.poll.ward.name == "Darley")
    assert darley.poll.seats == 2
    assert [c.name for c in darley.elected] == ["Martin A.", "Grimadell A.L."]
    best_loser = darley.ranked[2]
    assert best_loser.name == "Swan C.J."
    assert darley.majority == 1 == (darley.elected[1].votes or 0) - (best_loser.votes or 0)


@pytest.mark.one_store  # the script reads files and writes files
def test_demo_files_are_what_the_build_script_makes(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[1] / "scripts" / "build_demo_data.py"
    subprocess.run([sys.executable, str(script), str(SHARED), str(tmp_path)], check=True, capture_output=True)
    shipped = {p.name: p.read_bytes() for p in DEMO.glob("*.csv")}
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.csv")} == shipped
