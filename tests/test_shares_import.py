"""The Library's 2023 ward-level table (`leh-wards`): each party's top-candidate votes per ward, held as
one line per party, checked against the file's own cells."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tallyroom.errors import InputError
from tallyroom.importers import leh_wards
from tallyroom.importers.base import Context

from .conftest import LEH

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

TABLE = LEH / "Ward_Level-Table 1.csv"


def _rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_contested_ward_is_a_poll_of_party_lines(context: Context) -> None:
    rows = _rows()
    batch = leh_wards.read(TABLE, context)
    assert len(batch.polls) + len(batch.skipped) == len(rows)
    assert [s.reason for s in batch.skipped] == [
        "Park West: a tie at the last seat the table does not settle"
    ]
    first, poll = rows[0], batch.polls[0]
    assert (poll.council.name, poll.ward.name, poll.ward.code) == ("Reading", first["WARDNAME"], "")
    assert poll.seats == int(first["VACS"]) and poll.figures.electorate == int(first["ELECT"])
    assert poll.figures.turnout_published == float(first["TURNOUT"])
    parties = list(first)[7:-1]
    assert {(c.label, c.votes) for c in poll.candidacies} == {(p, int(first[p])) for p in parties if first[p]}
    assert all(c.elected is None and c.name == f"{c.label} top candidate" for c in poll.candidacies)
    assert sum(c.votes or 0 for p in batch.polls for c in p.candidacies) == sum(
        int(r["Grand Total"]) for r in rows if r["WARDNAME"] != "Park West"
    )


def _write(tmp_path: Path, change: dict[str, str]) -> Path:
    rows = _rows()[:3]
    rows[1] |= change
    path = tmp_path / "wards.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"Grand Total": "1"}, "Grand Total"),
        ({"DISTRICTNAME": "Nowhere"}, "council_code"),
        ({"LAB": "x"}, "LAB"),
    ],
)
def test_a_bad_row_is_refused_naming_its_row_and_field(
    context: Context, tmp_path: Path, change: dict[str, str], field: str
) -> None:
    with pytest.raises(InputError) as refused:
        leh_wards.read(_write(tmp_path, change), context)
    assert refused.value.row == 3 and refused.value.field == field
