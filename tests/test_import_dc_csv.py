"""Democracy Club's candidates CSV (`dc-csv`), made from the real `result_sets` sample.

There is no real YNR CSV export in the shared data, so `ynr_rows` writes the 2021 Sheffield-area
result sets (95 ballots, 633 candidacies) in the columns and values of YNR's data export
(`ynr/apps/data_exports/csv_fields.py`; PostgreSQL's CSV, so `t`/`f` and empty cells): once with the
results (the night's declarations) and once with them blank (the card, as the export stands before
the count). Both must give what `import dc` gives for the JSON.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tallyroom.errors import InputError
from tallyroom.importers import dc, dc_csv
from tallyroom.importers.base import Context
from tallyroom.rules.model import NO_FIGURES, DeclarationStatus, ElectionType, Poll, PollKind
from tests.conftest import SHARED, store_url

RESULTS_2021 = SHARED / "democracyclub-api-sample" / "results-2021.json"
DAY = "2021-05-06"
COUNCILS = ("Sheffield", "Barnsley", "Rotherham", "Doncaster")
ORGANISATIONS = {
    "sheffield": "Sheffield City Council",
    "barnsley": "Barnsley Metropolitan Borough Council",
    "rotherham": "Rotherham Metropolitan Borough Council",
    "doncaster": "Doncaster Metropolitan Borough Council",
}
"""The councils' names as YNR's organisations carry them (the register knows Barnsley's and
Rotherham's only by the ballot id's slug)."""

COLUMNS = (
    # core
    "person_id",
    "person_name",
    "election_id",
    "ballot_paper_id",
    "election_date",
    "election_current",
    "party_name",
    "party_id",
    "post_label",
    "cancelled_poll",
    "seats_contested",
    # the election group
    "by_election",
    "gss",
    "post_id",
    "organisation_name",
    # the candidacy group (in part)
    "party_description_text",
    # the results group
    "votes_cast",
    "elected",
    "tied_vote_winner",
    "rank",
    "turnout_reported",
    "spoilt_ballots",
    "total_electorate",
    "turnout_percentage",
    "results_source",
)
RESULTS = ("votes_cast", "elected", "tied_vote_winner", "rank", *COLUMNS[-5:])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def ynr_rows(card: bool = False) -> list[dict[str, str]]:
    """The 2021 result sets as YNR's CSV export rows, in its order (date, ballot, surname); with
    `card`, as the export stands before any result is in."""
    rows = []
    for result_set in json.loads(RESULTS_2021.read_text(encoding="utf-8")):
        ballot: str = result_set["ballot_paper_id"]
        _, organisation, _, day = ballot.split(".")
        results = result_set["candidate_results"]
        ranked = sorted(results, key=lambda r: -r["num_ballots"])
        for result in results:
            membership = result["membership"]
            post, party = membership["post"], membership["on_behalf_of"]
            row: dict[str, object] = {
                "person_id": membership["person"]["id"],
                "person_name": membership["person"]["name"],
                "election_id": membership["election"]["id"],
                "ballot_paper_id": ballot,
                "election_date": day,
                "election_current": False,
                "party_name": party["name"],
                "party_id": party["id"].replace("party:", "PP")
                if party["id"].startswith("party:")
                else party["id"],
                "post_label": post["label"],
                "cancelled_poll": False,
                "seats_contested": sum(r["is_winner"] for r in results),
                "by_election": ".by." in ballot,
                "gss": post["id"].removeprefix("gss:") if post["id"].startswith("gss:") else None,
                "post_id": post["id"],
                "organisation_name": ORGANISATIONS[organisation],
                "party_description_text": None,
                "votes_cast": result["num_ballots"],
                "elected": result["is_winner"],
                "tied_vote_winner": False,
                "rank": ranked.index(result) + 1,
                "turnout_reported": result_set["num_turnout_reported"],
                "spoilt_ballots": result_set["num_spoilt_ballots"],
                "total_electorate": result_set["total_electorate"],
                "turnout_percentage": result_set["turnout_percentage"],
                "results_source": None,
            }
            if card:
                row.update(dict.fromkeys(RESULTS))
            rows.append({column: _cell(row[column]) for column in COLUMNS})
    return sorted(
        rows, key=lambda r: (r["election_date"], r["ballot_paper_id"], r["person_name"].split()[-1])
    )


def write(path: Path, rows: list[dict[str, str]], columns: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read(tmp_path: Path, context: Context, rows: list[dict[str, str]], **kwargs: Any) -> list[Poll]:
    return dc_csv.read(write(tmp_path / "dc.csv", rows, **kwargs), context).polls


def rejected(tmp_path: Path, context: Context, rows: list[dict[str, str]], **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        dc_csv.read(write(tmp_path / "dc.csv", rows, **kwargs), context)
    return caught.value


def row_of(rows: list[dict[str, str]], ballot: str, index: int = 0) -> int:
    """The spreadsheet row number (the header is row 1) of a ballot's `index`th candidate."""
    numbers = [n for n, r in enumerate(rows, start=2) if r["ballot_paper_id"] == ballot]
    return numbers[index]


def ballot_rows(rows: list[dict[str, str]], ballot: str) -> list[dict[str, str]]:
    return [r for r in rows if r["ballot_paper_id"] == ballot]


def summary(polls: list[Poll]) -> dict[tuple[object, ...], tuple[object, ...]]:
    """Each poll by its place, with what should not depend on the source's order of candidates."""
    return {
        (p.council.code, p.council.name, p.ward.code, p.ward.name, p.kind, p.election_type): (
            p.election_date,
            p.seats,
            p.figures,
            Counter(
                (c.name, c.party.id, c.label, c.votes, c.elected, c.tie_break_winner) for c in p.candidacies
            ),
        )
        for p in polls
    }


def test_the_results_export_gives_what_the_api_gives(tmp_path: Path, context: Context) -> None:
    api = dc.read(RESULTS_2021, context).polls
    batch = dc_csv.read(write(tmp_path / "results.csv", ynr_rows()), context)
    assert batch.skipped == []
    assert len(batch.polls) == len(api) == 95
    assert sum(len(p.candidacies) for p in batch.polls) == 633
    assert {p.status for p in batch.polls} == {DeclarationStatus.DECLARED}
    assert summary(batch.polls) == summary(api)
    # Barnsley's and Rotherham's organisation names are not in the register: the ballot id's slug is.
    assert {p.council.name for p in batch.polls} == set(COUNCILS)
    # The ward's code from `gss`, or none where the post id has none (Rotherham's new wards).
    richmond = next(p for p in batch.polls if p.ward.name == "Richmond")
    assert (richmond.ward.code, richmond.seats) == ("E05010877", 2)
    assert all(p.ward.code == "" for p in batch.polls if p.council.name == "Rotherham")


def test_party_ids_as_the_export_writes_them(tmp_path: Path, context: Context) -> None:
    polls = read(tmp_path, context, ynr_rows())
    parties = {(c.label, c.party.id) for p in polls for c in p.candidacies}
    assert ("Labour and Co-operative Party", "labour") in parties  # joint-party:53-119
    assert ("Labour Party", "labour") in parties  # PP53
    assert ("Independent", "independent") in parties  # ynmp-party:2
    assert ("Barnsley Independent Group", "local:barnsley-independent-group") in parties  # PP530


def test_the_card_is_every_poll_nominated(tmp_path: Path, context: Context) -> None:
    card = read(tmp_path, context, ynr_rows(card=True))
    results = read(tmp_path, context, ynr_rows())
    assert {p.status for p in card} == {DeclarationStatus.NOMINATED}
    assert all(c.votes is None and c.elected is None for p in card for c in p.candidacies)
    assert all(p.figures == NO_FIGURES for p in card)

    def places(polls: list[Poll]) -> dict[tuple[object, ...], tuple[object, ...]]:
        return {
            (p.council.code, p.ward.name, p.kind): (p.seats, Counter(c.name for c in p.candidacies))
            for p in polls
        }

    assert places(card) == places(results)


def tallyroom(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", db, *args], capture_output=True, text=True, check=False
    )


def council_json(db: str, name: str) -> dict[str, Any]:
    done = tallyroom(db, "council", name, "--date", DAY, "--json")
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_the_card_then_the_results_through_the_command_line(tmp_path: Path) -> None:
    """Loaded before any result, the card tells each council its seats up; the results file then
    declares every poll, and each council ends as `import dc` of the API's JSON leaves it."""
    card = write(tmp_path / "card.csv", ynr_rows(card=True))
    results = write(tmp_path / "results.csv", ynr_rows())
    night = store_url(tmp_path / "night.db")
    api = store_url(tmp_path / "api.db")

    loaded = tallyroom(night, "import", "dc-csv", str(card))
    assert loaded.returncode == 0, loaded.stderr
    assert "95 new" in loaded.stderr
    seats = {r["ballot_paper_id"]: int(r["seats_contested"]) for r in ynr_rows(card=True)}
    card_seats = Counter[str]()
    for ballot, n in seats.items():
        card_seats[ballot.split(".")[1].capitalize()] += n
    for name in COUNCILS:
        before = council_json(night, name)
        assert (before["seats_up"], before["seats_declared"]) == (card_seats[name], 0), name
        assert before["seats_up_known"] is True
        assert before["won"] == {}

    loaded = tallyroom(night, "import", "dc-csv", str(results))
    assert loaded.returncode == 0, loaded.stderr
    assert "95 revised" in loaded.stderr
    assert tallyroom(api, "import", "dc", str(RESULTS_2021)).returncode == 0
    for name in COUNCILS:
        after, expected = council_json(night, name), council_json(api, name)
        assert after["seats_declared"] == after["seats_up"] == card_seats[name]
        assert in_any_order(after) == in_any_order(expected), name


def in_any_order(outcome: dict[str, Any]) -> dict[str, Any]:
    """A council's outcome with its wards, their candidates and its flags sorted: the CSV lists
    ballots and candidates in YNR's order, the API in its own."""
    wards = [dict(w, candidates=sorted(w["candidates"], key=str)) for w in outcome["wards"]]
    return dict(outcome, wards=sorted(wards, key=lambda w: str(w["ward"])), flags=sorted(outcome["flags"]))


def test_a_cancelled_poll_is_postponed(tmp_path: Path, context: Context) -> None:
    rows = ynr_rows(card=True)
    ecclesall = "local.sheffield.ecclesall.2021-05-06"
    for row in ballot_rows(rows, ecclesall):
        row["cancelled_poll"] = "t"
    polls = read(tmp_path, context, rows)
    (postponed,) = [p for p in polls if p.status is DeclarationStatus.POSTPONED]
    assert postponed.ward.name == "Ecclesall" and len(postponed.candidacies) > postponed.seats
    # A countermanded poll has no result: a vote on it is refused.
    ballot_rows(rows, ecclesall)[1]["votes_cast"] = "120"
    error = rejected(tmp_path, context, rows)
    assert (error.row, error.field) == (row_of(rows, ecclesall, 1), "votes_cast")
    assert "cancelled poll" in str(error)


def test_no_more_candidates_than_seats_is_returned_unopposed(tmp_path: Path, context: Context) -> None:
    """On the card (the candidates known, nothing else), and as YNR holds it after the close of
    nominations: Every Election cancels the poll and YNR marks its candidates elected."""
    rows = ynr_rows(card=True)
    ecclesall = "local.sheffield.ecclesall.2021-05-06"
    keep = ballot_rows(rows, ecclesall)[0]
    rows = [r for r in rows if r["ballot_paper_id"] != ecclesall or r is keep]
    for cancelled, elected in (("f", ""), ("t", "t")):
        keep.update(cancelled_poll=cancelled, elected=elected)
        (unopposed,) = [p for p in read(tmp_path, context, rows) if p.ward.name == "Ecclesall"]
        assert unopposed.status is DeclarationStatus.DECLARED
        (candidacy,) = unopposed.candidacies
        assert (candidacy.name, candidacy.votes) == (keep["person_name"], None)


def test_winners_without_votes(tmp_path: Path, context: Context) -> None:
    """YNR holds some results as winners only: they are the poll's winners, whatever the row order."""
    rows = ynr_rows()
    for row in rows:
        row["votes_cast"] = ""
    polls = read(tmp_path, context, rows)
    winners = {(p.ward.name, c.name) for p in polls for c in p.candidacies[: p.seats]}
    assert winners == {(r["post_label"], r["person_name"]) for r in rows if r["elected"] == "t"}
    assert all(c.elected == (i < p.seats) for p in polls for i, c in enumerate(p.candidacies))


def extra(base: dict[str, str], ballot: str, election: str, **changes: str) -> list[dict[str, str]]:
    """Two candidates on another ballot, made from a real row."""
    made = []
    for number, name in enumerate(("Ann Example", "Bob Example")):
        row = dict(base, ballot_paper_id=ballot, election_id=election, person_id=f"9000{number}")
        row.update(person_name=name, gss="", post_id="", seats_contested="1", **changes)
        made.append(row)
    return made


def test_mayors_are_executive_polls_and_other_elections_are_skipped(tmp_path: Path, context: Context) -> None:
    rows = ynr_rows(card=True)
    base = rows[0]
    mayor = extra(
        base, "mayor.doncaster.2021-05-06", "mayor.doncaster.2021-05-06", post_label="Mayor of Doncaster"
    )
    elsewhere = extra(
        base,
        "mayor.west-yorkshire.2021-05-06",
        "mayor.west-yorkshire.2021-05-06",
        organisation_name="West Yorkshire Combined Authority",
    )
    holyrood = extra(
        base, "sp.c.aberdeen-central.2021-05-06", "sp.c.2021-05-06", post_label="Aberdeen Central"
    )
    everything = rows + mayor + elsewhere + holyrood
    batch = dc_csv.read(write(tmp_path / "dc.csv", everything), context)
    (executive,) = [p for p in batch.polls if p.election_type is not ElectionType.LOCAL]
    assert executive.election_type is ElectionType.MAYOR
    assert (executive.council.name, executive.ward.name, executive.status) == (
        "Doncaster",
        "Mayor of Doncaster",
        DeclarationStatus.NOMINATED,
    )
    first = len(rows) + len(mayor) + 2
    assert [s.row for s in batch.skipped] == list(range(first, first + 4))
    assert "'west-yorkshire' is not in the council register" in batch.skipped[0].reason
    assert "a Scottish Parliament (sp) ballot" in batch.skipped[2].reason
    assert "aberdeen-central" in batch.skipped[2].reason


def test_by_elections(tmp_path: Path, context: Context) -> None:
    rows = ynr_rows()
    for row in ballot_rows(rows, "local.sheffield.ecclesall.2021-05-06"):
        row.update(ballot_paper_id="local.sheffield.ecclesall.by.2021-05-06", by_election="t")
    (ecclesall,) = [p for p in read(tmp_path, context, rows) if p.ward.name == "Ecclesall"]
    assert ecclesall.kind is PollKind.BY_ELECTION
    ballot_rows(rows, "local.sheffield.ecclesall.by.2021-05-06")[2]["by_election"] = "f"
    error = rejected(tmp_path, context, rows)
    assert (error.row, error.field) == (
        row_of(rows, "local.sheffield.ecclesall.by.2021-05-06", 2),
        "by_election",
    )


def test_older_exports_say_true_and_false(tmp_path: Path, context: Context) -> None:
    rows = ynr_rows()
    for row in rows:
        for column in ("cancelled_poll", "by_election", "elected", "tied_vote_winner"):
            row[column] = {"t": "True", "f": "False"}[row[column]]
    assert summary(read(tmp_path, context, rows)) == summary(read(tmp_path, context, ynr_rows()))


def test_broken_copies_are_refused_naming_row_and_field(tmp_path: Path, context: Context) -> None:
    rows = ynr_rows()
    ballot = "local.barnsley.kingstone.2021-05-06"

    missing = rejected(tmp_path, context, rows, columns=tuple(c for c in COLUMNS if c != "seats_contested"))
    assert missing.row == 1 and "missing column(s): seats_contested" in str(missing)

    def broken(index: int, **changes: str) -> InputError:
        copy = [dict(r) for r in rows]
        ballot_rows(copy, ballot)[index].update(changes)
        return rejected(tmp_path, context, copy)

    error = broken(1, votes_cast="1,2x3")
    assert (error.row, error.field) == (row_of(rows, ballot, 1), "votes_cast")
    assert "not a whole number" in str(error)
    error = broken(0, elected="yes")
    assert (error.row, error.field) == (row_of(rows, ballot, 0), "elected")
    assert "not t or f" in str(error)
    error = broken(2, seats_contested="2")
    assert (error.row, error.field) == (row_of(rows, ballot, 2), "seats_contested")
    error = broken(0, total_electorate="many")
    assert (error.row, error.field) == (row_of(rows, ballot, 0), "total_electorate")
    error = broken(0, turnout_percentage="123.4")
    assert (error.row, error.field) == (row_of(rows, ballot, 0), "turnout_percentage")
    error = broken(1, person_id=ballot_rows(rows, ballot)[0]["person_id"])
    assert (error.row, error.field) == (row_of(rows, ballot, 1), "person_id")
    error = broken(0, election_date="2021-05-07")
    assert (error.row, error.field) == (row_of(rows, ballot, 0), "election_date")
    error = broken(0, election_id="local.sheffield.2021-05-06")
    assert (error.row, error.field) == (row_of(rows, ballot, 0), "election_id")
    error = broken(0, ballot_paper_id="local.barnsley.2021-05-06")
    assert (error.row, error.field) == (row_of(rows, ballot, 0), "ballot_paper_id")

    unknown = [dict(r) for r in rows]
    for row in ballot_rows(unknown, ballot):
        row.update(
            ballot_paper_id="local.atlantis.kingstone.2021-05-06",
            election_id="local.atlantis.2021-05-06",
            organisation_name="Atlantis Borough Council",
        )
    error = rejected(tmp_path, context, unknown)
    assert (error.row, error.field) == (row_of(rows, ballot, 0), "organisation_name")
    assert "'atlantis' ('Atlantis Borough Council') is not in the council register" in str(error)


def test_a_refused_file_loads_nothing(tmp_path: Path) -> None:
    db = store_url(tmp_path / "night.db")
    rows = ynr_rows()
    rows[-1]["elected"] = "maybe"
    done = tallyroom(db, "import", "dc-csv", str(write(tmp_path / "dc.csv", rows)))
    assert done.returncode == 1
    assert f"row {len(rows) + 1}" in done.stderr and "elected" in done.stderr
    shown = tallyroom(db, "councils", "--date", DAY, "--json")
    assert shown.returncode == 0 and json.loads(shown.stdout) == []
