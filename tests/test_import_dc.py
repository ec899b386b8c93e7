"""The Democracy Club `result_sets` importer on the real Sheffield-area samples and broken copies of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tallyroom.errors import InputError
from tallyroom.importers import dc
from tallyroom.importers.base import Context
from tallyroom.rules.model import ElectionType, Poll, PollKind
from tests.conftest import SHARED

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

SAMPLES = SHARED / "democracyclub-api-sample"
RESULTS_2021 = SAMPLES / "results-2021.json"
RESULTS_2018 = SAMPLES / "results-2018.json"


def poll(polls: list[Poll], council: str, ward: str) -> Poll:
    (found,) = [p for p in polls if p.council.name == council and p.ward.name == ward]
    return found


def result_sets() -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(RESULTS_2021.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return path


def test_2021_counts(context: Context) -> None:
    batch = dc.read(RESULTS_2021, context)
    assert len(batch.polls) == 95
    assert sum(len(p.candidacies) for p in batch.polls) == 633
    assert {p.council.name for p in batch.polls} == {"Sheffield", "Barnsley", "Rotherham", "Doncaster"}
    assert batch.skipped == []


def test_2018_counts(context: Context) -> None:
    batch = dc.read(RESULTS_2018, context)
    assert len(batch.polls) == 49
    assert sum(len(p.candidacies) for p in batch.polls) == 209
    assert {p.election_date.isoformat() for p in batch.polls} == {"2018-05-03"}


def test_sheffield_richmond_2021_elects_two_labour_councillors(context: Context) -> None:
    """A scheduled seat and a casual vacancy filled in one poll: two winners, so two seats."""
    richmond = poll(dc.read(RESULTS_2021, context).polls, "Sheffield", "Richmond")
    assert richmond.ward.code == "E05010877"
    assert richmond.election_date.isoformat() == "2021-05-06"
    assert richmond.kind is PollKind.ORDINARY
    assert richmond.election_type is ElectionType.LOCAL
    assert richmond.seats == 2
    winners = [(c.name, c.party.name, c.votes) for c in richmond.candidacies if c.elected]
    assert winners == [("David Charles Barker", "Labour", 1828), ("Mike Drabble", "Labour", 1378)]
    assert len(richmond.candidacies) == 10


def test_sheffield_ecclesall_2021_party_resolution(context: Context) -> None:
    ecclesall = poll(dc.read(RESULTS_2021, context).polls, "Sheffield", "Ecclesall")
    parties = {c.name: (c.party.name, c.label) for c in ecclesall.candidacies}
    assert parties["Roger Noel Davison"] == ("Liberal Democrats", "Liberal Democrats")
    assert parties["Gordon Ronald Millward"] == ("Conservative", "Conservative and Unionist Party")
    assert parties["Jason Leman"][0] == "Green"
    assert [c.name for c in ecclesall.candidacies if c.elected] == ["Roger Noel Davison"]
    # Sheffield gave only a percentage turnout in 2021.
    assert ecclesall.figures.turnout_published == 54.0
    assert ecclesall.figures.ballots_counted is None


def test_ballot_figures_barnsley_kingstone(context: Context) -> None:
    """num_turnout_reported is the papers counted: 1,846 = 1,835 votes (one seat) + 11 spoilt."""
    kingstone = poll(dc.read(RESULTS_2021, context).polls, "Barnsley", "Kingstone")
    assert kingstone.figures.electorate == 7769
    assert kingstone.figures.ballots_counted == 1846
    assert kingstone.figures.rejected == 11
    assert kingstone.figures.valid_ballots == sum(c.votes or 0 for c in kingstone.candidacies)
    assert kingstone.figures.turnout_published == 23.76


def test_percentage_typed_as_turnout_count_2018(context: Context) -> None:
    """Sheffield 2018 has `num_turnout_reported: 34`: a percentage, not 34 ballot papers."""
    ward = poll(dc.read(RESULTS_2018, context).polls, "Sheffield", "Stocksbridge & Upper Don")
    assert ward.figures.ballots_counted is None
    assert ward.figures.turnout_published == 34.0


def test_labour_coop_and_independent_ids(context: Context) -> None:
    polls = dc.read(RESULTS_2021, context).polls
    candidacies = [c for p in polls for c in p.candidacies]
    coop = [c for c in candidacies if c.label == "Labour and Co-operative Party"]
    assert coop and {c.party.name for c in coop} == {"Labour"}
    independents = [c for c in candidacies if c.label == "Independent"]
    assert independents and all(c.party.independent for c in independents)


def test_rotherham_new_wards_have_no_gss_code(context: Context) -> None:
    """Rotherham's 2021 wards were new; DC's post ids (`ROT:anston-and-woodsetts`) carry no GSS code."""
    anston = poll(dc.read(RESULTS_2021, context).polls, "Rotherham", "Anston & Woodsetts")
    assert anston.ward.code == ""
    assert anston.seats == 3


def test_by_election_tie_and_other_types(tmp_path: Path, context: Context) -> None:
    data = result_sets()
    data[0]["ballot_paper_id"] = "local.sheffield.ecclesall.by.2021-05-06"
    first = data[0]["candidate_results"][0]  # type: ignore[index]
    first["tied_vote_winner"] = True
    data[1]["ballot_paper_id"] = "parl.sheffield-hallam.2021-05-06"
    data[2]["ballot_paper_id"] = "pcc.nowhere-at-all.2021-05-06"
    for result in data[2]["candidate_results"]:  # type: ignore[attr-defined]
        result["membership"]["election"]["name"] = "Nowhere police and crime commissioner election"
    batch = dc.read(write(tmp_path, data), context)
    ecclesall = poll(batch.polls, "Sheffield", "Ecclesall")
    assert ecclesall.kind is PollKind.BY_ELECTION
    assert [c.name for c in ecclesall.candidacies if c.tie_break_winner] == ["Roger Noel Davison"]
    assert len(batch.polls) == 93
    skipped = [(s.row, s.reason) for s in batch.skipped]
    assert skipped == [
        (2, "parl.sheffield-hallam.2021-05-06: a parl ballot, not a local, mayor or pcc poll"),
        (3, "pcc.nowhere-at-all.2021-05-06: 'nowhere-at-all' is not in the council register"),
    ]


def assert_error(error: pytest.ExceptionInfo[InputError], path: Path, row: int, field: str | None) -> None:
    message = str(error.value)
    assert str(path) in message
    assert f"row {row}" in message
    assert error.value.row == row
    if field is not None:
        assert f"field '{field}'" in message
    assert error.value.field == field


def test_missing_key(tmp_path: Path, context: Context) -> None:
    data = result_sets()
    del data[2]["candidate_results"][3]["num_ballots"]  # type: ignore[index]
    path = write(tmp_path, data)
    with pytest.raises(InputError) as error:
        dc.read(path, context)
    assert_error(error, path, 3, "candidate_results[3].num_ballots")
    assert "is missing" in str(error.value)


def test_bad_number(tmp_path: Path, context: Context) -> None:
    data = result_sets()
    data[9]["candidate_results"][0]["num_ballots"] = "2,130"  # type: ignore[index]
    path = write(tmp_path, data)
    with pytest.raises(InputError) as error:
        dc.read(path, context)
    assert_error(error, path, 10, "candidate_results[0].num_ballots")
    assert "whole number" in str(error.value)


def test_wrong_type(tmp_path: Path, context: Context) -> None:
    data = result_sets()
    data[4]["candidate_results"] = {"id": 1}
    path = write(tmp_path, data)
    with pytest.raises(InputError) as error:
        dc.read(path, context)
    assert_error(error, path, 5, "candidate_results")


def test_group_id_is_not_a_ballot(tmp_path: Path, context: Context) -> None:
    data = result_sets()
    data[6]["ballot_paper_id"] = "local.sheffield.2021-05-06"
    path = write(tmp_path, data)
    with pytest.raises(InputError) as error:
        dc.read(path, context)
    assert_error(error, path, 7, "ballot_paper_id")


def test_a_ballot_id_that_ends_with_no_date_says_so(tmp_path: Path, context: Context) -> None:
    data = result_sets()
    data[6]["ballot_paper_id"] = "local.sheffield.crookes.2021-13-06"
    path = write(tmp_path, data)
    with pytest.raises(InputError, match=r"ends with '2021-13-06', not a date YYYY-MM-DD") as error:
        dc.read(path, context)
    assert_error(error, path, 7, "ballot_paper_id")


def test_unknown_council(tmp_path: Path, context: Context) -> None:
    data = result_sets()
    data[6]["ballot_paper_id"] = "local.nowhere-at-all.crookes.2021-05-06"
    for result in data[6]["candidate_results"]:  # type: ignore[attr-defined]
        result["membership"]["election"]["name"] = "Nowhere local election"
    path = write(tmp_path, data)
    with pytest.raises(InputError, match="not in the council register") as error:
        dc.read(path, context)
    assert_error(error, path, 7, "ballot_paper_id")


def test_latin1_bytes(tmp_path: Path, context: Context) -> None:
    """A name saved as Latin-1 is named by the result set it falls in (Mike Drabble: Richmond, the 48th)."""
    path = tmp_path / "results.json"
    path.write_bytes(RESULTS_2021.read_bytes().replace(b"Mike Drabble", b"Mike Dr\xe4bble"))
    with pytest.raises(InputError, match="not UTF-8") as error:
        dc.read(path, context)
    assert_error(error, path, 48, None)


def test_truncated_file(tmp_path: Path, context: Context) -> None:
    text = RESULTS_2021.read_text(encoding="utf-8")
    path = tmp_path / "results.json"
    path.write_text(text[: text.index("Mike Drabble")], encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON") as error:
        dc.read(path, context)
    assert_error(error, path, 48, None)


def test_file_ending_after_a_complete_result_set(tmp_path: Path, context: Context) -> None:
    text = RESULTS_2021.read_text(encoding="utf-8")
    path = tmp_path / "results.json"
    path.write_text(text[: text.rindex("}") + 1], encoding="utf-8")  # the closing ']' is lost
    with pytest.raises(InputError, match="cut short") as error:
        dc.read(path, context)
    assert_error(error, path, 95, None)


def test_not_a_list(tmp_path: Path, context: Context) -> None:
    path = write(tmp_path, {"results": []})
    with pytest.raises(InputError, match="not a JSON list"):
        dc.read(path, context)


def test_duplicate_candidate(tmp_path: Path, context: Context) -> None:
    data = result_sets()
    results = data[4]["candidate_results"]
    results.append(results[0])  # type: ignore[attr-defined]
    path = write(tmp_path, data)
    with pytest.raises(InputError, match="appears twice") as error:
        dc.read(path, context)
    last = len(results) - 1  # type: ignore[arg-type]
    assert_error(error, path, 5, f"candidate_results[{last}].membership.person")


def test_duplicate_result_set(tmp_path: Path, context: Context) -> None:
    """The same ballot given twice: its candidates stand twice in one poll."""
    data = result_sets()
    data.append(data[0])
    path = write(tmp_path, data)
    with pytest.raises(InputError, match="stands twice") as error:
        dc.read(path, context)
    assert str(path) in str(error.value)
    assert error.value.row == 96
