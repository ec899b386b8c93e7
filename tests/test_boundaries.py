"""London 2022 against 2018: change is measured only where a ward is the same ward (domain §7.3).

A GSS ward code changes when a ward's boundaries do. Boroughs on entirely new wards in 2022 get no
seat comparison at all; boroughs on unchanged wards get a full one; control changes still show.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import date

import pytest

from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import DayResults, outcomes
from tallyroom.store.database import connect
from tests.conftest import LEH, leap, store_url


def ward_codes() -> tuple[dict[str, set[str]], dict[str, set[str]], set[str]]:
    """Each London borough's ward codes in 2018 (LEAP) and 2022 (the Library), read from the files."""
    before: dict[str, set[str]] = defaultdict(set)
    with leap(2018).open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            if row[1].startswith("E09"):
                before[row[1]].add(row[3])
    after: dict[str, set[str]] = defaultdict(set)
    names: dict[str, set[str]] = defaultdict(set)
    sheet = LEH / "converted-csv" / "local-elections-2022__Candidates-results.csv"
    with sheet.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        header = next(rows)
        for row in rows:
            record = dict(zip(header, row, strict=False))
            if record.get("Local authority code", "").startswith("E09"):
                after[record["Local authority code"]].add(record["Ward code"])
                names[record["Ward code"]].add(record["Ward name"])
    return before, after, {code for code, found in names.items() if len(found) > 1}


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[DayResults]:
    engine = connect(store_url(tmp_path_factory.mktemp("london") / "london.db"))
    load_file(engine, "leap", leap(2018), Context(ref))
    load_file(engine, "leh", LEH / "local-elections-2022.xlsx", Context(ref))
    yield outcomes(engine, ref, date(2022, 5, 5))
    engine.dispose()


def test_new_wards_get_no_comparison_and_unchanged_wards_a_full_one(day: DayResults) -> None:
    before, after, shared = ward_codes()
    london = {o.council.code: o for o in day.councils if o.council.code.startswith("E09")}
    assert len(london) == 32
    new_boundaries = [code for code in london if not after[code] & before[code]]
    unchanged = [code for code in london if after[code] <= before[code] and not after[code] & shared]
    assert len(new_boundaries) >= 15 and len(unchanged) >= 4
    for code in new_boundaries:
        assert london[code].change is None, london[code].council.name
    for code in unchanged:
        change = london[code].change
        assert change is not None, london[code].council.name
        assert (change.seats_compared, change.seats_not_compared) == (london[code].seats_up, 0)
        assert sum(change.seats.values()) == 0


@pytest.mark.parametrize(
    ("borough", "before", "after", "outcome"),
    [
        ("Barnet", "conservative", "labour", "GAIN"),
        ("Wandsworth", "conservative", "labour", "GAIN"),
        ("Westminster", "conservative", "labour", "GAIN"),
        ("Harrow", "labour", "conservative", "GAIN"),
        ("Croydon", "labour", "NOC", "LOSS_TO_NOC"),
        ("Lewisham", "labour", "labour", "HOLD"),
    ],
)
def test_control_changes_of_2022(
    day: DayResults, borough: str, before: str, after: str, outcome: str
) -> None:
    found = next(o for o in day.councils if o.council.name == borough)
    assert (found.control_before, found.control_after, found.outcome) == (before, after, outcome)
    assert found.control_before_source == "earlier-results"
