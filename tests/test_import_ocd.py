"""The Open Council Data councillor roll importer on the real 2021 roll and broken copies of it."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers import ocd
from tallyroom.importers.base import Context
from tallyroom.rules.model import CompositionSnapshot
from tests.conftest import SHARED

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

ROLL_2021 = SHARED / "opencouncildata" / "opencouncildata_councillors_2021.csv"
DERBYSHIRE = "E10000007"


@pytest.fixture(scope="module")
def batch(context: Context) -> Batch:
    return ocd.read(ROLL_2021, context)


def snapshot(batch: Batch, code: str) -> CompositionSnapshot:
    (found,) = [s for s in batch.snapshots if s.council.code == code]
    return found


def lines() -> list[str]:
    return ROLL_2021.read_text(encoding="utf-8").splitlines(keepends=True)


def write(tmp_path: Path, text: str, name: str = "opencouncildata_councillors_2021.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_derbyshire_2021(batch: Batch) -> None:
    derbyshire = snapshot(batch, DERBYSHIRE)
    assert derbyshire.council.name == "Derbyshire"
    assert derbyshire.taken == date(2021, 12, 31)
    assert len(derbyshire.councillors) == 64
    parties = Counter(c.party.name for c in derbyshire.councillors)
    # May 2021 elected Con 45 / Lab 14 / LD 4 / Green 1. The roll was compiled later in the year and
    # lists Nigel Gourlay (Chapel and Hope Valley, elected as a Conservative in May 2021) under
    # "Independent / Other": one seat moved after the election, nothing else differs.
    assert parties == {"Conservative": 44, "Labour": 14, "Liberal Democrats": 4, "Green": 1, "Independent": 1}
    (gourlay,) = [c for c in derbyshire.councillors if c.name == "Nigel Gourlay"]
    assert gourlay.ward == "Chapel and Hope Valley"
    assert gourlay.party.independent
    assert {c.next_election for c in derbyshire.councillors} == {date(2025, 5, 1)}


def test_one_snapshot_per_council_and_skips(batch: Batch) -> None:
    codes = [s.council.code for s in batch.snapshots]
    assert len(codes) == len(set(codes))
    taken = sum(len(s.councillors) for s in batch.snapshots)
    vacant = sum(1 for s in batch.skipped if s.reason.endswith("vacant seat"))
    unknown = [s for s in batch.skipped if "not in the council register" in s.reason]
    outside = sum(int(s.reason.rsplit("(", 1)[1].split()[0]) for s in unknown)
    assert taken + vacant + outside == 19943  # every row of the roll is a seat, a vacancy or skipped


def test_date_given_overrides_the_file_name(context: Context) -> None:
    day = date(2021, 9, 1)
    batch = ocd.read(ROLL_2021, Context(context.reference, election_date=day))
    assert {s.taken for s in batch.snapshots} == {day}


def test_no_year_in_the_file_name(tmp_path: Path, context: Context) -> None:
    path = write(tmp_path, "".join(lines()[:10]), name="councillors.csv")
    with pytest.raises(InputError, match="give --date"):
        ocd.read(path, context)


def test_a_name_twice_is_two_seats(tmp_path: Path, context: Context) -> None:
    """The real rolls repeat names (2021: Fylde's Ansdell lists Ben Aitken twice in a 3-seat ward, and
    Fylde's 51 rows are its 51 seats), so a repeated row is a seat, not an error."""
    text = lines()
    derbyshire = [i for i, line in enumerate(text) if line.startswith("Derbyshire,")]
    text.insert(derbyshire[-1] + 1, text[derbyshire[0]])
    batch = ocd.read(write(tmp_path, "".join(text)), context)
    assert len(snapshot(batch, DERBYSHIRE).councillors) == 65


def assert_error(error: pytest.ExceptionInfo[InputError], path: Path, row: int, field: str | None) -> None:
    message = str(error.value)
    assert str(path) in message
    assert f"row {row}" in message
    if field is not None:
        assert field in message
    assert (error.value.row, error.value.field) == (row, field)


def derbyshire_row() -> int:
    """The first Derbyshire row, as the file numbers rows (the header is row 1)."""
    return next(i for i, line in enumerate(lines()) if line.startswith("Derbyshire,")) + 1


def test_missing_column(tmp_path: Path, context: Context) -> None:
    text = lines()
    text[0] = text[0].replace('"Party Name"', '"Party"')
    path = write(tmp_path, "".join(text))
    with pytest.raises(InputError, match="missing column") as error:
        ocd.read(path, context)
    assert_error(error, path, 1, None)
    assert "Party Name" in str(error.value)


def test_bad_date(tmp_path: Path, context: Context) -> None:
    text = lines()
    row = derbyshire_row()
    text[row - 1] = text[row - 1].replace("2025-05-01", "2025-13-01")
    path = write(tmp_path, "".join(text))
    with pytest.raises(InputError, match="not a date") as error:
        ocd.read(path, context)
    assert_error(error, path, row, "Next Election")


def test_blank_ward(tmp_path: Path, context: Context) -> None:
    text = lines()
    row = derbyshire_row()
    text[row - 1] = text[row - 1].replace('"Ripley West and Heage"', '""')
    path = write(tmp_path, "".join(text))
    with pytest.raises(InputError, match="is blank") as error:
        ocd.read(path, context)
    assert_error(error, path, row, "Ward Name")


def test_unnamed_seat_and_unknown_next_election(context: Context) -> None:
    """Quirks of real rolls that must not stop them loading: 2016 lists a held seat in Anglesey's Llifon
    with no councillor named; 2020 gives Durham's Peter Oliver a next election of `0000-00-00`."""
    roll_2016 = ocd.read(SHARED / "opencouncildata" / "opencouncildata_councillors_2016.csv", context)
    anglesey = [s for s in roll_2016.snapshots if s.council.name == "Isle of Anglesey"]
    assert [c.ward for s in anglesey for c in s.councillors if not c.name] == ["Llifon"]
    roll_2020 = ocd.read(SHARED / "opencouncildata" / "opencouncildata_councillors_2020.csv", context)
    (oliver,) = [c for s in roll_2020.snapshots for c in s.councillors if c.name == "Peter Oliver"]
    assert oliver.council.code == "E06000047"  # Durham
    assert oliver.next_election is None


def test_latin1_bytes(tmp_path: Path, context: Context) -> None:
    path = tmp_path / "opencouncildata_councillors_2021.csv"
    path.write_bytes(ROLL_2021.read_bytes().replace(b"Paul Moss", b"Paul M\xf6ss"))
    with pytest.raises(InputError, match="not UTF-8") as error:
        ocd.read(path, context)
    assert_error(error, path, derbyshire_row(), None)


def test_truncated_file(tmp_path: Path, context: Context) -> None:
    text = lines()
    path = write(tmp_path, "".join(text[:1000]) + text[1000][:20])
    with pytest.raises(InputError, match="cut short") as error:
        ocd.read(path, context)
    assert_error(error, path, 1001, None)
