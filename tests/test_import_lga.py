"""The LGA election results CSV importer on Trafford Council's real file and broken copies of it."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers import lga
from tallyroom.importers.base import Context
from tallyroom.rules.model import Poll, PollKind
from tests.conftest import SHARED

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

TRAFFORD = SHARED / "trafford-council" / "trafford_council_election_results.csv"
ALL_OUT = date(2023, 5, 4)


@pytest.fixture(scope="module")
def batch(context: Context) -> Batch:
    return lga.read(TRAFFORD, context)


def lines() -> list[str]:
    return TRAFFORD.read_text(encoding="utf-8-sig").splitlines(keepends=True)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "trafford.csv"
    path.write_text(text, encoding="utf-8")
    return path


def on(batch: Batch, day: date) -> list[Poll]:
    return [p for p in batch.polls if p.election_date == day]


def test_loads_only_council_elections(batch: Batch) -> None:
    """1,014 rows: 44 parliamentary rows (general and by-elections) are skipped, saying why."""
    assert sum(len(p.candidacies) for p in batch.polls) == 1014 - 44
    reasons = Counter(s.reason for s in batch.skipped)
    assert reasons == {
        "Parliamentary: not a council election": 35,
        "ParliamentaryByelection: not a council election": 9,
    }
    assert {p.council.code for p in batch.polls} == {"E08000009"}


def test_trafford_2023_all_out_fills_the_whole_council(batch: Batch) -> None:
    polls = on(batch, ALL_OUT)
    assert len(polls) == 21
    assert sum(len(p.candidacies) for p in polls) == 236
    assert all(p.seats == 3 for p in polls)
    assert sum(p.seats for p in polls) == 63
    assert sum(1 for p in polls for c in p.candidacies if c.elected) == 63


def test_altrincham_2023(batch: Batch) -> None:
    (altrincham,) = [p for p in on(batch, ALL_OUT) if p.ward.name == "Altrincham"]
    assert altrincham.ward.code == "E05015239"
    winners = sorted((c.name, c.party.name, c.votes) for c in altrincham.candidacies if c.elected)
    assert winners == [
        ("Dan Jerrome", "Green", 1947),
        ("Geraldine Philomena Coggins", "Green", 1980),
        ("Michael John Welton", "Green", 1896),
    ]
    # VotesCast is ballot papers, not votes: 3,222 papers carried 9,344 votes for three seats.
    assert altrincham.figures.ballots_counted == 3222
    assert sum(c.votes or 0 for c in altrincham.candidacies) == 9344
    assert altrincham.figures.electorate == 7709
    assert altrincham.figures.rejected == 30
    assert altrincham.figures.turnout_published == 41.8


def test_by_elections_come_from_type_of_election(batch: Batch) -> None:
    """Broadheath, 4 May 2017, is a by-election on an ordinary polling day: the type says so, not the date."""
    by_elections = sorted(
        (p.election_date, p.ward.name) for p in batch.polls if p.kind is PollKind.BY_ELECTION
    )
    assert by_elections == [
        (date(2017, 5, 4), "Broadheath"),
        (date(2017, 9, 14), "Bucklow-St Martins"),
        (date(2023, 11, 2), "Bucklow-St Martins"),
        (date(2025, 10, 16), "Broadheath"),
        (date(2025, 11, 20), "Hale"),
    ]
    assert all(p.seats == 1 for p in batch.polls if p.kind is PollKind.BY_ELECTION)


def test_two_seat_ordinary_polls(batch: Batch) -> None:
    """2021 filled four casual vacancies alongside the scheduled seats: one poll, two winners each."""
    two_seat = sorted(p.ward.name for p in on(batch, date(2021, 5, 6)) if p.seats == 2)
    assert two_seat == ["Bowdon", "Flixton", "Longford", "Priory"]


def test_unknown_rejected_counts_are_none(batch: Batch) -> None:
    """All five BallotsRejected* columns are blank for 2018: unknown, not zero."""
    assert {p.figures.rejected for p in on(batch, date(2018, 5, 3))} == {None}


def test_names_and_parties(batch: Batch) -> None:
    candidacies = [c for p in batch.polls for c in p.candidacies]
    names = {c.name for c in candidacies}
    assert "Ben Slater" in names  # CommonlyUsedForenames "Ben" for Benjamin Duncan SLATER
    assert "James McGlashan" in names
    conservatives = {c.label for c in candidacies if c.party.name == "Conservative"}
    assert {"Local Conservatives", "The Conservative Party Candidate"} <= conservatives
    assert all(c.party.independent for c in candidacies if c.label == "Independent")


def assert_error(error: pytest.ExceptionInfo[InputError], path: Path, row: int, field: str | None) -> None:
    message = str(error.value)
    assert str(path) in message
    assert f"row {row}" in message
    if field is not None:
        assert field in message
    assert (error.value.row, error.value.field) == (row, field)


def test_missing_column(tmp_path: Path, context: Context) -> None:
    rows = [line.rstrip("\n").split(",") for line in lines()]
    column = rows[0].index("VotesWon")
    path = write(tmp_path, "".join(",".join(r[:column] + r[column + 1 :]) + "\n" for r in rows))
    with pytest.raises(InputError, match="missing column") as error:
        lga.read(path, context)
    assert_error(error, path, 1, None)
    assert "VotesWon" in str(error.value)


def test_bad_number(tmp_path: Path, context: Context) -> None:
    text = lines()
    fields = text[9].split(",")
    fields[18] = "12x"  # VotesWon
    text[9] = ",".join(fields)
    path = write(tmp_path, "".join(text))
    with pytest.raises(InputError, match="not a whole number") as error:
        lga.read(path, context)
    assert_error(error, path, 10, "VotesWon")


def test_latin1_bytes(tmp_path: Path, context: Context) -> None:
    path = tmp_path / "trafford.csv"
    data = TRAFFORD.read_bytes()
    assert data.count(b"NEWGROSH") >= 1
    path.write_bytes(data.replace(b"NEWGROSH", b"N\xc9WGROSH", 1))
    with pytest.raises(InputError, match="not UTF-8") as error:
        lga.read(path, context)
    assert_error(error, path, 3, None)


def test_truncated_file(tmp_path: Path, context: Context) -> None:
    text = lines()
    path = write(tmp_path, "".join(text[:500]) + text[500][:60])
    with pytest.raises(InputError, match="cut short") as error:
        lga.read(path, context)
    assert_error(error, path, 501, None)


def test_duplicate_candidate(tmp_path: Path, context: Context) -> None:
    text = lines()
    path = write(tmp_path, "".join([*text[:20], text[2], *text[20:]]))
    with pytest.raises(InputError, match="stands twice") as error:
        lga.read(path, context)
    assert_error(error, path, 21, "candidate")


def test_rows_of_a_poll_disagree_on_figures(tmp_path: Path, context: Context) -> None:
    text = lines()
    fields = text[2].split(",")
    fields[20] = str(int(fields[20]) + 1)  # VotesCast of Altrincham 2016's second candidate
    text[2] = ",".join(fields)
    path = write(tmp_path, "".join(text))
    with pytest.raises(InputError, match="row 2 of the same poll") as error:
        lga.read(path, context)
    assert_error(error, path, 3, "VotesCast")


def test_bad_elected_flag(tmp_path: Path, context: Context) -> None:
    text = lines()
    text[4] = text[4].replace(",NOT ELECTED,", ",LOST,", 1).replace(",ELECTED,", ",LOST,", 1)
    path = write(tmp_path, "".join(text))
    with pytest.raises(InputError) as error:
        lga.read(path, context)
    assert_error(error, path, 5, "Elected")


def test_unknown_council(tmp_path: Path, context: Context) -> None:
    text = lines()
    text[1] = text[1].replace("trafford", "nowhere-at-all").replace("Trafford Council", "Nowhere Council")
    path = write(tmp_path, "".join(text))
    with pytest.raises(InputError, match="not in the council register") as error:
        lga.read(path, context)
    assert_error(error, path, 2, "ElectedBodyLabel")
