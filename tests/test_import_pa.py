"""The PA XML importer on the three real PA test-run messages (synthetic numbers, real format) and broken
copies of them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from tallyroom.errors import InputError
from tallyroom.importers import pa
from tallyroom.importers.base import Context
from tallyroom.rules.parties import Party
from tests.conftest import SHARED

SAMPLES = SHARED / "pa-xml-feed-sample"
LINCOLN = SAMPLES / "Local_Test_result_Lincoln_1.xml"
BARNSLEY = SAMPLES / "Local_Test_nominations_Barnsley.xml"
STATE = SAMPLES / "Local_Test_SOP_England_98.xml"


def copy(tmp_path: Path, source: Path, *changes: tuple[str, str]) -> Path:
    """A copy of a sample (CRLF line ends kept) with each `(old, new)` replaced; `old` must be there."""
    text = source.read_bytes().decode("utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "message.xml"
    path.write_bytes(text.encode("utf-8"))
    return path


def line_of(path: Path, text: str) -> int:
    """The line a piece of text is on, counted from 1."""
    content = path.read_bytes().decode("utf-8", errors="replace")
    return content[: content.index(text)].count("\n") + 1


def rejected(path: Path, context: Context) -> InputError:
    with pytest.raises(InputError) as caught:
        pa.read(path, context)
    assert str(path) in str(caught.value)
    return caught.value


def by_party(seats: dict[Party, int] | None) -> dict[str, int]:
    assert seats is not None
    return {party.id: n for party, n in seats.items()}


def test_lincoln_result(context: Context) -> None:
    batch = pa.read(LINCOLN, context)
    (result,) = batch.council_results
    assert result.council.code == "E07000138"
    assert result.council.name == "Lincoln"
    assert result.election_date == date(2026, 5, 7)
    assert by_party(result.seats_won) == {
        "labour": 5,
        "liberal-democrats": 3,
        "conservative": 2,
        "independent": 1,
    }
    assert by_party(result.seats_after) == {
        "labour": 18,
        "liberal-democrats": 8,
        "conservative": 4,
        "independent": 3,
    }
    assert result.total_seats == 33
    assert batch.source_revision == 1
    assert (batch.polls, batch.skipped) == ([], [])


def test_barnsley_nominations_hold_counts_not_candidates(context: Context) -> None:
    """PA nominations give counts per party: the file has no ward or candidate elements to load."""
    root = ET.parse(BARNSLEY).getroot()
    councils = root.findall("Election/Council")
    candidates = len(root.findall(".//Candidate"))
    wards = len(root.findall(".//Ward")) + len(root.findall(".//Constituency"))
    batch = pa.read(BARNSLEY, context)
    assert len(batch.polls) == wards == 0
    assert sum(len(p.candidacies) for p in batch.polls) == candidates == 0
    assert len(batch.skipped) == len(councils) == 1
    (skip,) = batch.skipped
    assert "Barnsley (E08000016)" in skip.reason
    assert f"{len(councils[0].findall('Party'))} parties" in skip.reason
    declared = sum(int(p.get("candidates", "0")) for p in councils[0].findall("Party"))
    assert f"{declared} candidates" in skip.reason
    assert skip.row == line_of(BARNSLEY, "<Council ")
    assert batch.council_results == [] and batch.polls == []


def test_state_of_parties_is_a_skip(context: Context) -> None:
    batch = pa.read(STATE, context)
    assert (batch.polls, batch.council_results, batch.snapshots) == ([], [], [])
    (skip,) = batch.skipped
    assert skip.row == 2
    assert "running total" in skip.reason and "98 of 136" in skip.reason


def test_truncated(tmp_path: Path, context: Context) -> None:
    data = LINCOLN.read_bytes()
    path = tmp_path / "cut.xml"
    path.write_bytes(data[: len(data) // 2])
    error = rejected(path, context)
    assert error.row == data[: len(data) // 2].count(b"\n") + 1
    assert "not well-formed XML" in str(error) and "cut short" in str(error)


def test_not_xml(tmp_path: Path, context: Context) -> None:
    path = tmp_path / "result.xml"
    path.write_text("election_date,council\n2026-05-07,Lincoln\n", encoding="utf-8")
    error = rejected(path, context)
    assert error.row == 1 and "not well-formed XML" in str(error)


def test_wrong_root(tmp_path: Path, context: Context) -> None:
    path = copy(tmp_path, LINCOLN, ("LocalElectionResult", "LocalElectionResults"))
    error = rejected(path, context)
    assert error.row == 2 and error.field == "LocalElectionResults"
    assert "<LocalElectionResult>" in str(error)


def test_constituency_result_is_not_a_council_result(tmp_path: Path, context: Context) -> None:
    path = tmp_path / "ge.xml"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<FirstPastThePostResult declarationTime='2024-07-05T01:00:00'>"
        "<Election date='2024-07-04' type='G'/></FirstPastThePostResult>",
        encoding="utf-8",
    )
    assert "constituency" in str(rejected(path, context))


def test_seats_not_a_number(tmp_path: Path, context: Context) -> None:
    path = copy(tmp_path, LINCOLN, ("name='LD' paId='667' seats='8'", "name='LD' paId='667' seats='x'"))
    error = rejected(path, context)
    assert error.row == line_of(path, "seats='x'")
    assert error.field == "LocalElectionResult/Election/Council/NewCouncil/Party[2]/@seats"
    assert "not a whole number: 'x'" in str(error)


def test_unknown_council(tmp_path: Path, context: Context) -> None:
    path = copy(tmp_path, LINCOLN, ("name='Lincoln'", "name='Atlantis'"))
    error = rejected(path, context)
    assert error.row == line_of(path, "<Council ")
    assert error.field == "LocalElectionResult/Election/Council/@name"
    assert "'Atlantis' is not in the council register" in str(error)


def test_latin_1(tmp_path: Path, context: Context) -> None:
    text = LINCOLN.read_bytes().decode("utf-8").replace("name='Lincoln'", "name='Lincoln Cité'")
    path = tmp_path / "latin.xml"
    path.write_bytes(text.encode("latin-1"))
    error = rejected(path, context)
    assert error.row == line_of(path, "<Council ")
    assert "not UTF-8" in str(error)


def test_missing_required_attribute(tmp_path: Path, context: Context) -> None:
    path = copy(tmp_path, LINCOLN, ("<Party name='C' paId='659' seats='4'/>", "<Party name='C' paId='659'/>"))
    error = rejected(path, context)
    assert error.row == line_of(path, "<Party name='C' paId='659'/>")
    assert error.field == "LocalElectionResult/Election/Council/NewCouncil/Party[3]/@seats"
    assert "is missing" in str(error)


def test_missing_new_council(tmp_path: Path, context: Context) -> None:
    text = LINCOLN.read_bytes().decode("utf-8")
    start, end = text.index("<NewCouncil>"), text.index("</NewCouncil>") + len("</NewCouncil>")
    path = tmp_path / "no-new-council.xml"
    path.write_bytes((text[:start] + text[end:]).encode("utf-8"))
    error = rejected(path, context)
    assert error.row == line_of(path, "<Council ")
    assert error.field == "LocalElectionResult/Election/Council/NewCouncil"


def test_a_party_cannot_win_more_seats_than_it_holds(tmp_path: Path, context: Context) -> None:
    path = copy(
        tmp_path,
        LINCOLN,
        ("<Party name='Lab' paId='662' seats='18'/>", "<Party name='Lab' paId='662' seats='4'/>"),
    )
    error = rejected(path, context)
    assert error.row == line_of(path, "<Party name='Lab' paId='662' seats='5'/>")
    assert error.field == "LocalElectionResult/Election/Council/ElectedCouncillors/Party[1]/@seats"
    assert "won 5 seats but holds 4" in str(error)


def test_a_party_listed_twice(tmp_path: Path, context: Context) -> None:
    path = copy(
        tmp_path,
        LINCOLN,
        ("<Party name='C' paId='659' seats='4'/>", "<Party name='Lab' paId='659' seats='4'/>"),
    )
    error = rejected(path, context)
    assert error.field == "LocalElectionResult/Election/Council/NewCouncil/Party[3]/@name"
    assert "listed twice" in str(error)


def test_revision_must_be_whole(tmp_path: Path, context: Context) -> None:
    error = rejected(copy(tmp_path, LINCOLN, ("revision='1'", "revision='one'")), context)
    assert error.row == 2 and error.field == "LocalElectionResult/@revision"


def test_no_revision_and_no_date(tmp_path: Path, context: Context) -> None:
    """Both are optional in the schema: no revision is None, and the date can come with the file."""
    path = copy(tmp_path, LINCOLN, (" revision='1'", ""), ("date='2026-05-07' ", ""))
    error = rejected(path, context)
    assert error.field == "LocalElectionResult/Election/@date"
    batch = pa.read(path, Context(context.reference, date(2026, 5, 7)))
    assert batch.source_revision is None
    assert batch.council_results[0].election_date == date(2026, 5, 7)


def test_several_councils_in_one_message(tmp_path: Path, context: Context) -> None:
    text = LINCOLN.read_bytes().decode("utf-8")
    council = re.search(r"<Council .*?</Council>", text, re.S)
    assert council is not None
    barnsley = council.group(0).replace("name='Lincoln'", "name='Barnsley'")
    path = tmp_path / "two.xml"
    path.write_bytes(text.replace("</Council>", "</Council>\r\n    " + barnsley, 1).encode("utf-8"))
    batch = pa.read(path, context)
    assert [r.council.code for r in batch.council_results] == ["E07000138", "E08000016"]
    twice = path.read_text(encoding="utf-8").replace("name='Barnsley'", "name='Lincoln'")
    path.write_text(twice, encoding="utf-8")
    error = rejected(path, context)
    assert error.field == "LocalElectionResult/Election/Council[2]" and "appears twice" in str(error)


def test_state_of_parties_numbers_must_be_whole(tmp_path: Path, context: Context) -> None:
    path = copy(tmp_path, STATE, ("seatsWon='1210'", "seatsWon='1,210'"))
    error = rejected(path, context)
    assert error.row == line_of(path, "seatsWon='1,210'")
    assert error.field == "LocalStateOfParties/Parties/Party[2]/@seatsWon"


def test_nominations_numbers_must_be_whole(tmp_path: Path, context: Context) -> None:
    path = copy(tmp_path, BARNSLEY, ("seatsHeld='46'", "seatsHeld='forty-six'"))
    error = rejected(path, context)
    assert error.row == line_of(path, "forty-six")
    assert error.field == "LocalElectionNominations/Election/Council/Party[2]/@seatsHeld"


def test_nominations_council_must_be_known(tmp_path: Path, context: Context) -> None:
    error = rejected(copy(tmp_path, BARNSLEY, ("name='Barnsley'", "name='Barnsley Town'")), context)
    assert error.field == "LocalElectionNominations/Election/Council/@name"
