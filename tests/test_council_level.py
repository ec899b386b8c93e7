"""A council-level load (`council` + `control`) gives the same outcomes as a ward-level load."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tallyroom.errors import InputError
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.control import Outcome
from tallyroom.serialise import council_outcome
from tallyroom.store.database import connect
from tests.conftest import SHARED, leap, store_url

POLLING_DAY = date(2019, 5, 2)
SAME = (
    "council",
    "total_seats",
    "seats_up",
    "majority_threshold",
    "won",
    "composition",
    "control",
    "outcome",
)


def test_council_level_load_matches_ward_level(engine: Engine, ref: Reference, tmp_path: Path) -> None:
    context = Context(ref)
    load_file(engine, "ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2018.csv", context)
    load_file(engine, "leap", leap(2019), context)
    ward_level = [  # a new council (Bournemouth, Christchurch and Poole) has no control before to record;
        # a council with only by-elections that day is not a council election
        o
        for o in outcomes(engine, ref, POLLING_DAY).councils
        if o.complete and o.outcome not in (None, Outcome.NEW) and not o.by_elections_only
    ]
    assert len(ward_level) > 200, len(ward_level)

    councils, control = tmp_path / "councils.csv", tmp_path / "control.csv"
    with (
        councils.open("w", newline="", encoding="utf-8") as c,
        control.open("w", newline="", encoding="utf-8") as k,
    ):
        seats, before = csv.writer(c), csv.writer(k)
        seats.writerow(
            ["election_date", "council", "council_code", "total_seats", "party", "seats_after", "seats_won"]
        )
        before.writerow(["election_date", "council", "council_code", "control_before"])
        for o in ward_level:
            assert o.composition is not None and o.control_before is not None
            for party, n in o.composition.items():
                row = [
                    POLLING_DAY,
                    o.council.name,
                    o.council.code,
                    o.total_seats,
                    party.name,
                    n,
                    o.won.get(party, 0),
                ]
                seats.writerow(row)
            control_label = (
                o.control_before if o.control_before == "NOC" else ref.parties.get(o.control_before).name
            )
            before.writerow([POLLING_DAY, o.council.name, o.council.code, control_label])

    fresh = connect(store_url(tmp_path / "council-level.db"))
    load_file(fresh, "council", councils, context)
    load_file(fresh, "control", control, context)
    council_level = {o.council.code: o for o in outcomes(fresh, ref, POLLING_DAY).councils}
    fresh.dispose()

    assert set(council_level) == {o.council.code for o in ward_level}
    for o in ward_level:
        ours = council_outcome(o, ref.parties.get)
        theirs = council_outcome(council_level[o.council.code], ref.parties.get)
        assert ours["control"].pop("before_source") == "roll"  # the council level has it from its record
        assert theirs["control"].pop("before_source") == "record"
        assert {k: ours[k] for k in SAME} == {k: theirs[k] for k in SAME}, o.council.name
        assert ours["headline"] == theirs["headline"] or not o.complete


def test_broken_council_and_control_files_are_rejected_whole(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    """Each broken copy names its row and field, and nothing of it is written."""
    header = "election_date,council,council_code,total_seats,party,seats_after,seats_won\n"
    good = [
        "2021-05-06,Derbyshire,E10000007,64,Conservative,45,45\n",
        "2021-05-06,Derbyshire,E10000007,64,Labour,14,14\n",
    ]
    cases = {
        "missing column": (header.replace(",seats_after", ""), good, 1, None),
        "bad number": (header, [good[0], good[1].replace(",14,14", ",1x,14")], 3, "seats_after"),
        "duplicate party": (header, [good[0], good[0]], 3, "party"),
        "more seats than the council": (
            header,
            [good[0], good[1].replace(",14,14", ",40,14")],
            2,
            "seats_after",
        ),
        "truncated": (header, [good[0], good[1][:20]], 3, None),
    }
    for case, (head, rows, row, field) in cases.items():
        path = tmp_path / f"{case}.csv"
        path.write_text(head + "".join(rows), encoding="utf-8")
        with pytest.raises(InputError) as raised:
            load_file(engine, "council", path, Context(ref))
        assert f"row {row}" in str(raised.value), case
        assert field is None or f"'{field}'" in str(raised.value), case
        if case == "more seats than the council":
            assert "Derbyshire: its rows, from this one on, hold 85 seats on a council of 64" in str(
                raised.value
            )
    control = tmp_path / "control.csv"
    control.write_text(
        "election_date,council,council_code,control_before\n2021-05-06,Derbyshire,E10000007,\n"
    )
    with pytest.raises(InputError, match=r"row 2: field 'control_before'"):
        load_file(engine, "control", control, Context(ref))
    assert outcomes(engine, ref, date(2021, 5, 6)).councils == []
