"""The PA XML importer on the three real PA test-run messages (synthetic numbers, real format) and broken
copies of them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tallyroom.errors import InputError
from tallyroom.importers import pa
from tallyroom.importers.base import Context
from tallyroom.rules.parties import Party
from tests.conftest import SHARED, store_url

SAMPLES = SHARED / "pa-xml-feed-sample"
LINCOLN = SAMPLES / "Local_Test_result_Lincoln_1.xml"
BARNSLEY = SAMPLES / "Local_Test_nominations_Barnsley.xml"
STATE = SAMPLES / "Local_Test_SOP_England_98.xml"


def copy(tmp_path: Path, source: Path, *changes: tuple[str, str], name: str = "message.xml") -> Path:
    """A copy of a sample (CRLF line ends kept) with each `(old, new)` replaced; `old` must be there."""
    text = source.read_bytes().decode("utf-8")
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / name
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
    """PA nominations give counts per party: the file has no ward or candidate elements to load, only
    the council's eve of poll."""
    root = ET.parse(BARNSLEY).getroot()
    councils = root.findall("Election/Council")
    candidates = len(root.findall(".//Candidate"))
    wards = len(root.findall(".//Ward")) + len(root.findall(".//Constituency"))
    batch = pa.read(BARNSLEY, context)
    assert len(batch.polls) == wards == 0
    assert sum(len(p.candidacies) for p in batch.polls) == candidates == 0
    assert len(batch.eves) == len(councils) == 1
    assert batch.council_results == [] and batch.polls == []


def test_the_barnsley_sample_does_not_add_up(context: Context) -> None:
    """The test-run sample has Barnsley, which elects by thirds, defending all 63 of its 63 seats: the
    seats held are kept (they make the whole council), the seats defended and up are not."""
    (eve,) = pa.read(BARNSLEY, context).eves
    assert (eve.council.code, eve.council.name, eve.election_date) == (
        "E08000016",
        "Barnsley",
        date(2026, 5, 7),
    )
    assert by_party(eve.seats_held) == {
        "conservative": 1,
        "labour": 46,
        "liberal-democrats": 12,
        "independent": 4,
    }
    assert (eve.defending, eve.seats_up, eve.new_council, eve.boundary_change) == (None, None, False, False)
    (skip,) = pa.read(BARNSLEY, context).skipped
    assert skip.row == line_of(BARNSLEY, "<Council ")
    assert "Barnsley (E08000016)" in skip.reason and "seats defended and seats up not taken" in skip.reason
    assert "63 of the 63 seats defended at an election by thirds, where a third is 21" in skip.reason


A_THIRD = (
    ("seatsHeld='1' seatsOffered='1'", "seatsHeld='1' seatsOffered='0'"),
    ("seatsHeld='46' seatsOffered='46'", "seatsHeld='46' seatsOffered='15'"),
    ("seatsHeld='12' seatsOffered='12'", "seatsHeld='12' seatsOffered='4'"),
    ("seatsHeld='4' seatsOffered='4'", "seatsHeld='4' seatsOffered='2'"),
)
"""Barnsley as it might really stand: its 63 seats all held, 21 of them (a third) defended."""


def test_a_third_up(tmp_path: Path, context: Context) -> None:
    batch = pa.read(copy(tmp_path, BARNSLEY, *A_THIRD), context)
    assert batch.skipped == [] and batch.polls == []
    (eve,) = batch.eves
    assert eve.seats_up == 21
    assert by_party(eve.defending) == {
        "conservative": 0,
        "labour": 15,
        "liberal-democrats": 4,
        "independent": 2,
    }
    assert by_party(eve.seats_held) == {
        "conservative": 1,
        "labour": 46,
        "liberal-democrats": 12,
        "independent": 4,
    }


def test_vacant_seats_leave_the_seats_up_unknown(tmp_path: Path, context: Context) -> None:
    """Two seats vacant: PA does not say whether they are up, so the seats up are not invented."""
    changes = (
        *A_THIRD[:1],
        ("seatsHeld='46' seatsOffered='46'", "seatsHeld='44' seatsOffered='15'"),
        *A_THIRD[2:],
    )
    batch = pa.read(copy(tmp_path, BARNSLEY, *changes), context)
    (eve,) = batch.eves
    assert eve.seats_up is None
    assert by_party(eve.defending)["labour"] == 15 and by_party(eve.seats_held)["labour"] == 44
    (skip,) = batch.skipped
    assert "seats up not known" in skip.reason and "between 21 and 23" in skip.reason


def test_all_out(tmp_path: Path, context: Context) -> None:
    """At an all-out election every seat is up, and every seat held is defended."""
    path = copy(tmp_path, BARNSLEY, ("proportion='third'", "proportion='all'"))
    (eve,) = pa.read(path, context).eves
    assert eve.seats_up == 63 and by_party(eve.defending) == by_party(eve.seats_held)
    batch = pa.read(copy(tmp_path, BARNSLEY, ("proportion='third'", "proportion='all'"), *A_THIRD), context)
    (eve,) = batch.eves
    assert (eve.seats_up, eve.defending) == (None, None)
    assert "every seat held is defended, not Conservative 0 of 1, Labour 15 of 46" in batch.skipped[0].reason


def test_new_council_and_new_boundaries(tmp_path: Path, context: Context) -> None:
    """New boundaries: the register has no size for Barnsley in 2026, so the seats up are not known."""
    attributes = "proportion='all' newCouncil='true' boundaryChange='1'"
    batch = pa.read(copy(tmp_path, BARNSLEY, ("proportion='third'", attributes)), context)
    (eve,) = batch.eves
    assert (eve.new_council, eve.boundary_change, eve.seats_up) == (True, True, None)
    assert "the council register has no size for it this year" in batch.skipped[0].reason
    error = rejected(
        copy(tmp_path, BARNSLEY, ("proportion='third'", "proportion='third' newCouncil='yes'")), context
    )
    assert error.field == "LocalElectionNominations/Election/Council/@newCouncil"


def test_nominations_that_cannot_be(tmp_path: Path, context: Context) -> None:
    error = rejected(
        copy(tmp_path, BARNSLEY, ("seatsHeld='12' seatsOffered='12'", "seatsHeld='12' seatsOffered='13'")),
        context,
    )
    assert error.row == line_of(BARNSLEY, "seatsHeld='12'")
    assert error.field == "LocalElectionNominations/Election/Council/Party[3]/@seatsOffered"
    assert "Liberal Democrats defends 13 seats but holds 12" in str(error)
    error = rejected(
        copy(tmp_path, BARNSLEY, ("seatsHeld='12' seatsOffered='12'", "seatsHeld='19' seatsOffered='12'")),
        context,
    )
    assert error.field == "LocalElectionNominations/Election/Council"
    assert "the parties hold 70 seats; Barnsley has 63" in str(error)
    error = rejected(copy(tmp_path, BARNSLEY, ("proportion='third'", "proportion='quarter'")), context)
    assert error.field == "LocalElectionNominations/Election/Council/@proportion"
    error = rejected(copy(tmp_path, BARNSLEY, (" seatsOffered='46'", "")), context)
    assert error.field == "LocalElectionNominations/Election/Council/Party[2]/@seatsOffered"
    assert "is missing" in str(error)
    error = rejected(copy(tmp_path, BARNSLEY, ("abbreviation='Ind'", "abbreviation='Lab'")), context)
    assert error.field == "LocalElectionNominations/Election/Council/Party[4]/@abbreviation"
    assert "listed twice" in str(error)


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


def tallyroom(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", db, *args], capture_output=True, text=True, check=False
    )


def load(db: str, format_name: str, path: Path) -> None:
    done = tallyroom(db, "import", format_name, str(path))
    assert done.returncode == 0, done.stderr


def barnsley(db: str) -> dict[str, Any]:
    done = tallyroom(db, "council", "Barnsley", "--date", "2026-05-07", "--json")
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


FIRST_WARD = """election_date,council,council_code,ward,ward_code,seats,candidate,party,votes
2026-05-07,Barnsley,E08000016,Kingstone,E05000985,1,Ann Example,Labour,1200
2026-05-07,Barnsley,E08000016,Kingstone,E05000985,1,Bob Example,Reform UK,900
"""


def test_the_eve_of_poll_gives_the_seats_up_control_before_and_the_seats_not_up(tmp_path: Path) -> None:
    """PA's nominations, then Barnsley's first result (there is no card): the 21 seats up, Labour in
    control before (46 of 63), and the 42 seats not up (held less defended) come from the eve of poll."""
    db = store_url(tmp_path / "night.db")
    load(db, "pa", copy(tmp_path, BARNSLEY, *A_THIRD))
    ward = tmp_path / "kingstone.csv"
    ward.write_text(FIRST_WARD, encoding="utf-8")
    load(db, "ward", ward)
    found = barnsley(db)
    assert (found["total_seats"], found["seats_up"], found["seats_declared"]) == (63, 21, 1)
    assert found["seats_up_known"] is True
    assert found["control"]["before"] == "Labour" and found["control"]["before_source"] == "record"
    assert found["carry_over_source"] == "record"
    not_up = {"Conservative": 1, "Labour": 31, "Liberal Democrats": 8, "Independent": 2}
    assert found["composition"] == {**not_up, "Labour": 32}
    assert sum(not_up.values()) == 63 - 21


def test_the_eve_of_poll_before_any_result(tmp_path: Path) -> None:
    db = store_url(tmp_path / "night.db")
    load(db, "pa", copy(tmp_path, BARNSLEY, *A_THIRD))
    found = barnsley(db)
    assert (found["seats_up"], found["seats_declared"]) == (21, 0)
    assert found["control"]["before"] == "Labour" and found["control"]["before_source"] == "record"
    assert found["composition"] == {"Conservative": 1, "Labour": 31, "Liberal Democrats": 8, "Independent": 2}


RESULT = (
    ("name='Lincoln'", "name='Barnsley'"),
    ("<Party name='Lab' paId='662' seats='5'/>", "<Party name='Lab' paId='662' seats='40'/>"),
    ("<Party name='LD' paId='667' seats='3'/>", "<Party name='LD' paId='667' seats='15'/>"),
    ("<Party name='C' paId='659' seats='2'/>", "<Party name='C' paId='659' seats='5'/>"),
    ("<Party name='Ind' paId='661' seats='1'/>", "<Party name='Ind' paId='661' seats='3'/>"),
    ("<Party name='Lab' paId='662' seats='18'/>", "<Party name='Lab' paId='662' seats='40'/>"),
    ("<Party name='LD' paId='667' seats='8'/>", "<Party name='LD' paId='667' seats='15'/>"),
    ("<Party name='C' paId='659' seats='4'/>", "<Party name='C' paId='659' seats='5'/>"),
)
"""Barnsley's result, all out: Labour 40, Lib Dems 15, Conservatives 5, independents 3 (63)."""


def test_a_new_council_is_new_once_its_result_is_in(tmp_path: Path) -> None:
    result = copy(tmp_path, LINCOLN, *RESULT, name="result.xml")
    for new, outcome in ((" newCouncil='true'", "NEW"), ("", "HOLD")):
        db = store_url(tmp_path / f"night{new.strip()[:3]}.db")
        all_out = ("proportion='third'", f"proportion='all'{new}")
        load(db, "pa", copy(tmp_path, BARNSLEY, all_out, name="nominations.xml"))
        load(db, "pa", result)
        found = barnsley(db)
        assert (found["outcome"], found["control"]["after"]) == (outcome, "Labour")
        before = (None, "new-council") if new else ("Labour", "record")
        assert (found["control"]["before"], found["control"]["before_source"]) == before
