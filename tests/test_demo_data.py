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
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import DayResults, outcomes
from tallyroom.store.database import connect
from tests.conftest import DEMO, SHARED, store_url


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> DayResults:
    engine: Engine = connect(store_url(tmp_path_factory.mktemp("demo") / "demo.db"))
    for path in sorted(DEMO.glob("*.csv")):
        load_file(engine, "ward", path, Context(ref))
    found = outcomes(engine, ref, date(2021, 5, 6))
    engine.dispose()
    return found


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


def test_derby_2021_darley(day: DayResults) -> None:
    derby = next(o for o in day.councils if o.council.name == "Derby")
    darley = next(w.result for w in derby.wards if w.result.poll.ward.name == "Darley")
    assert darley.poll.seats == 2
    assert [c.name for c in darley.elected] == ["Martin A.", "Grimadell A.L."]
    best_loser = darley.ranked[2]
    assert best_loser.name == "Swan C.J."
    assert darley.majority == 1 == (darley.elected[1].votes or 0) - (best_loser.votes or 0)


def test_demo_files_are_what_the_build_script_makes(tmp_path: Path) -> None:
    script = Path(__file__).resolve().parents[1] / "scripts" / "build_demo_data.py"
    subprocess.run([sys.executable, str(script), str(SHARED), str(tmp_path)], check=True, capture_output=True)
    shipped = {p.name: p.read_bytes() for p in DEMO.glob("*.csv")}
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.csv")} == shipped
