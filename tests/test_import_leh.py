"""The House of Commons Library handbook importer on the four real workbooks and on broken copies.

Each workbook is read once (module-scoped `loaded`). The broken copies are made from the first rows of
the 2021 workbook, so they keep its sheets, title rows and columns and are quick to write and read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from zipfile import ZipFile

import openpyxl
import pytest

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers import leh
from tallyroom.importers.base import Context
from tallyroom.reference import Reference
from tallyroom.rules.model import Poll
from tests.conftest import LEH

pytestmark = pytest.mark.one_store  # reads the workbooks; the nights of conftest load them into both stores

needs_raw = pytest.mark.skipif(not LEH.is_dir(), reason="the real data (../shared/data/raw) is not here")

# Year -> workbook, candidate rows (SOURCE.md), wards (polls) and polling day.
WORKBOOKS = {
    2021: ("local_elections_2021_results-2.xlsx", 18_044, 3_864, date(2021, 5, 6)),
    2022: ("local-elections-2022.xlsx", 18_481, 3_610, date(2022, 5, 5)),
    2024: ("LEH-2024-results-HoC-version.xlsx", 10_029, 1_903, date(2024, 5, 2)),
    2025: ("LEH-2025-results-HoC.xlsx", 8_141, 1_401, date(2025, 5, 1)),
}

# Every row of every candidates sheet is a candidate: no candidate row is skipped. The one deliberate skip
# is on a ward sheet: row 2310 of the 2022 Wards-results is a stray line ("Tyne & Wear", every code "NA",
# a few large sums in the party columns) with no ward code, so it joins no ward and carries no figures.
SKIPPED = {2021: [], 2022: [(2310, "Wards-results")], 2024: [], 2025: []}
CANDIDATE_SKIPS = {2021: 0, 2022: 0, 2024: 0, 2025: 0}

# 2021: 3,863 wards on the ward sheet plus one uncontested Shropshire ward it leaves out. 2022: 3,607
# ward codes, three of which the sheet gives to two wards each (Richmond, Tower Hamlets, Powys).


@pytest.fixture(scope="module")
def loaded(ref: Reference) -> Callable[[int], Batch]:
    """Each workbook's batch, read the first time a test asks for it."""
    batches: dict[int, Batch] = {}

    def get(year: int) -> Batch:
        if year not in batches:
            batches[year] = leh.read(LEH / WORKBOOKS[year][0], Context(ref))
        return batches[year]

    return get


def poll(batch: Batch, council: str, ward: str) -> Poll:
    return next(p for p in batch.polls if p.council.code == council and p.ward.name == ward)


def of_council(batch: Batch, code: str) -> list[Poll]:
    return [p for p in batch.polls if p.council.code == code]


def winners(polls: list[Poll]) -> Counter[str]:
    return Counter(c.party.name for p in polls for c in p.candidacies if c.elected)


# --- the real workbooks ---------------------------------------------------------------------------


@needs_raw
@pytest.mark.parametrize("year", sorted(WORKBOOKS))
def test_each_workbook_loads_whole(year: int, loaded: Callable[[int], Batch]) -> None:
    _, rows, wards, polling_day = WORKBOOKS[year]
    batch = loaded(year)
    assert sum(len(p.candidacies) for p in batch.polls) == rows - CANDIDATE_SKIPS[year]
    assert len(batch.polls) == wards
    assert {p.election_date for p in batch.polls} == {polling_day}
    assert [(s.row, s.reason.split("'")[1]) for s in batch.skipped] == SKIPPED[year]


@needs_raw
@pytest.mark.parametrize("year", sorted(WORKBOOKS))
def test_every_council_is_in_the_register(year: int, loaded: Callable[[int], Batch], ref: Reference) -> None:
    for p in loaded(year).polls:
        council = ref.councils.get(p.council.code)
        assert council is not None, p.council
        assert p.council.name == council.name


@needs_raw
def test_derby_darley_2021_two_seats_won_by_one_vote(loaded: Callable[[int], Batch]) -> None:
    darley = poll(loaded(2021), "E06000015", "Darley")
    assert darley.council.name == "Derby"
    assert darley.ward.code == "E05001775"
    assert darley.seats == 2
    by_name = {c.name: c for c in darley.candidacies}
    elected = [c.name for c in darley.candidacies if c.elected]
    assert elected == ["Martin A.", "Grimadell A.L."]  # the 2021 sheet prints "Surname I."
    grimadell, swan = by_name["Grimadell A.L."].votes, by_name["Swan C.J."].votes
    assert (grimadell, swan) == (1_305, 1_304)  # Grimadell ahead by exactly one vote
    assert not by_name["Swan C.J."].elected
    assert (by_name["Martin A."].party.name, by_name["Grimadell A.L."].party.name) == (
        "Labour",
        "Conservative",
    )
    assert darley.figures.electorate == 10_767
    assert darley.figures.turnout_published == pytest.approx(37.6)


@needs_raw
def test_derbyshire_2021_is_the_county_not_its_districts(loaded: Callable[[int], Batch]) -> None:
    derbyshire = of_council(loaded(2021), "E10000007")
    assert derbyshire[0].council.name == "Derbyshire"
    assert all(p.ward.code.startswith("E58") for p in derbyshire)
    assert (len(derbyshire), sum(p.seats for p in derbyshire)) == (61, 64)
    assert winners(derbyshire) == {"Conservative": 45, "Labour": 14, "Liberal Democrats": 4, "Green": 1}


@needs_raw
@pytest.mark.parametrize(
    ("code", "divisions", "seats"),
    [("E10000024", 56, 66), ("E10000018", 53, 55), ("E10000019", 70, 70)],
    ids=["Nottinghamshire", "Leicestershire", "Lincolnshire"],
)
def test_east_midlands_counties_2021(
    code: str, divisions: int, seats: int, loaded: Callable[[int], Batch]
) -> None:
    polls = of_council(loaded(2021), code)
    assert (len(polls), sum(p.seats for p in polls)) == (divisions, seats)
    assert sum(winners(polls).values()) == seats


@needs_raw
def test_2025_councils_found_by_name(loaded: Callable[[int], Batch]) -> None:
    batch = loaded(2025)
    derbyshire = of_council(batch, "E10000007")  # "Upper tier authority" Derbyshire, type CC
    assert len(derbyshire) == 64
    buckinghamshire = poll(batch, "E06000060", "Abbey")  # the unitary, not the old county
    assert buckinghamshire.council.name == "Buckinghamshire"
    assert buckinghamshire.seats == 2
    assert buckinghamshire.candidacies[0].name == "Lesley Clarke"
    assert buckinghamshire.candidacies[0].party.name == "Conservative"  # "Conservative and Unionist Party"
    assert buckinghamshire.figures.electorate == 9_270
    assert (buckinghamshire.figures.ballots_counted, buckinghamshire.figures.rejected) == (2_371, 14)
    assert buckinghamshire.figures.turnout_published == pytest.approx(25.6)  # printed as 0.256


@needs_raw
def test_2024_turnout_printed_as_a_fraction_is_stored_as_a_percentage(loaded: Callable[[int], Batch]) -> None:
    marine = poll(loaded(2024), "E07000223", "Marine")
    assert marine.council.name == "Adur"
    assert marine.candidacies[0].name == "Loader, J."
    assert marine.figures.electorate == 3_544
    assert marine.figures.turnout_published == pytest.approx(38.883, abs=0.001)


@needs_raw
def test_uncontested_wards_have_no_votes(loaded: Callable[[int], Batch]) -> None:
    def uncontested(batch: Batch) -> list[Poll]:
        return [p for p in batch.polls if all(c.votes is None for c in p.candidacies)]

    only_2021 = uncontested(loaded(2021))
    assert [(p.council.name, p.ward.code) for p in only_2021] == [("Shropshire", "E05008137")]
    in_2022 = uncontested(loaded(2022))
    assert len(in_2022) == 75
    assert all(c.elected and len(p.candidacies) <= p.seats for p in in_2022 for c in p.candidacies)
    assert not any(c.votes is None for p in loaded(2022).polls if p not in in_2022 for c in p.candidacies)


@needs_raw
def test_tie_winners_are_the_elected_candidates_level_with_the_best_loser(
    loaded: Callable[[int], Batch],
) -> None:
    found = {
        year: [(p.ward.name, c.name) for p in loaded(year).polls for c in p.candidacies if c.tie_break_winner]
        for year in WORKBOOKS
    }
    assert found == {
        2021: [("Rossmere", "Clayton J.P.")],  # Hartlepool: Boddy M. also 558, not elected
        2022: [
            ("Radcliffe North & Ainsworth", "Lancaster J."),  # Bury: Cropper P. also 1,278
            ("North Middleton", "Wolf L."),  # Rochdale: O'Mara K. also 1,059
            ("Skipton West and West Craven", "Solloway A."),  # North Yorkshire: Madeley P. also 503
        ],
        2024: [("Woodfield", "Notley, M.")],  # Stevenage: Boyle, R. also 571
        2025: [],
    }


@needs_raw
def test_2025_elected_flags_that_contradict_the_count_are_dropped(loaded: Callable[[int], Batch]) -> None:
    batch = loaded(2025)
    dropped = [p for p in batch.polls if any(c.elected is None for c in p.candidacies)]
    assert len(dropped) == 17
    assert Counter(p.council.name for p in dropped) == {
        "Worcestershire": 15,
        "Northumberland": 1,
        "North Northamptonshire": 1,
    }
    assert all(c.elected is None for p in dropped for c in p.candidacies)
    # Cramlington Village: one seat, yet the sheet flags the 791-vote winner and a 91-vote Green.
    cramlington = poll(batch, "E06000057", "Cramlington Village")
    assert cramlington.seats == 1
    assert [c.votes for c in cramlington.candidacies] == [791, 324, 275, 91]
    kept = [p for p in batch.polls if p not in dropped]
    assert all(sum(1 for c in p.candidacies if c.elected) == p.seats for p in kept)


@needs_raw
def test_one_code_given_to_two_wards_keeps_them_apart(loaded: Callable[[int], Batch]) -> None:
    batch = loaded(2022)
    for council, ward, electorate in [
        ("E09000027", "Hampton", 7_353),
        ("E09000027", "Hampton Wick", 8_073),
        ("E09000030", "Bethnal Green East", 13_778),
        ("E09000030", "Bethnal Green West", 13_850),
    ]:
        found = poll(batch, council, ward)
        assert (found.ward.code, found.seats, found.figures.electorate) == ("", 3, electorate)
        assert sum(1 for c in found.candidacies if c.elected) == 3
    # Powys: the ward sheet gives W05001146 to Llanelwedd alone; uncontested Llanwddyn loses it.
    assert poll(batch, "W06000023", "Llanelwedd").ward.code == "W05001146"
    llanwddyn = poll(batch, "W06000023", "LLANWDDYN")
    assert llanwddyn.ward.code == ""
    assert llanwddyn.figures.electorate is None
    assert [c.votes for c in llanwddyn.candidacies] == [None]


@needs_raw
def test_two_people_printed_alike_get_their_candidate_numbers(loaded: Callable[[int], Batch]) -> None:
    queen_ediths = poll(loaded(2021), "E07000008", "Queen Ediths")  # Cambridge
    shahids = [(c.name, c.votes) for c in queen_ediths.candidacies if c.name.startswith("Shahid")]
    assert shahids == [("Shahid S. (candidate 13)", 279), ("Shahid S. (candidate 14)", 199)]
    renamed = sum(1 for p in loaded(2022).polls for c in p.candidacies if "(candidate " in c.name)
    assert renamed == 34


@needs_raw
def test_party_abbreviations_and_the_party_key(loaded: Callable[[int], Batch]) -> None:
    parties = {c.label: c.party for year in (2021, 2024) for p in loaded(year).polls for c in p.candidacies}
    assert parties["LAB"].id == "labour"
    assert parties["GREEN ACCIDENTAL CANDIDATE"].id == "green"  # the key: "Green"
    assert parties["HANTS IND"].name == "Hampshire Independents"  # not in the register: through the key
    assert parties["B and D IND"] == parties["B&D IND"]


# --- broken copies ----------------------------------------------------------------------------------


FIRST_ROWS = 40
BAD_ROW = 7  # a Bristol candidate in the 2021 candidates sheet


@pytest.fixture(scope="module")
def first_rows() -> dict[str, list[list[object]]]:
    """The first rows of every sheet of the 2021 workbook, title and header rows included."""
    if not LEH.is_dir():
        pytest.skip("the real data (../shared/data/raw) is not here")
    source = openpyxl.load_workbook(LEH / WORKBOOKS[2021][0], read_only=True, data_only=True)
    try:
        return {
            ws.title: [list(r) for r in ws.iter_rows(max_row=FIRST_ROWS, values_only=True)]
            for ws in source.worksheets
        }
    finally:
        source.close()


def write_copy(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def edited(first_rows: dict[str, list[list[object]]]) -> dict[str, list[list[object]]]:
    return {title: [list(row) for row in rows] for title, rows in first_rows.items()}


def test_a_copy_of_the_first_rows_loads(
    tmp_path: Path, first_rows: dict[str, list[list[object]]], ref: Reference
) -> None:
    sheets = edited(first_rows)
    sheets["Candidates-results"].append(["Source: Elections Centre"])
    batch = leh.read(write_copy(tmp_path / "first.xlsx", sheets), Context(ref))
    assert sum(len(p.candidacies) for p in batch.polls) == FIRST_ROWS - 2
    assert [(s.row, "Source: Elections Centre" in s.reason) for s in batch.skipped] == [
        (FIRST_ROWS + 1, True)
    ]


def test_a_votes_cell_that_is_not_a_number_names_the_row_and_field(
    tmp_path: Path, first_rows: dict[str, list[list[object]]], ref: Reference
) -> None:
    sheets = edited(first_rows)
    candidates = sheets["Candidates-results"]
    candidates[BAD_ROW - 1][candidates[1].index("Votes")] = "abc"
    path = write_copy(tmp_path / "abc.xlsx", sheets)
    with pytest.raises(InputError) as caught:
        leh.read(path, Context(ref))
    error = caught.value
    assert (error.row, error.field) == (BAD_ROW, "Votes")
    assert f"row {BAD_ROW}" in str(error)
    assert "'Votes'" in str(error)
    assert "'abc'" in str(error)


def test_a_candidate_row_given_twice_is_rejected(
    tmp_path: Path, first_rows: dict[str, list[list[object]]], ref: Reference
) -> None:
    sheets = edited(first_rows)
    sheets["Candidates-results"].append(list(sheets["Candidates-results"][2]))
    with pytest.raises(InputError, match="stands twice") as caught:
        leh.read(write_copy(tmp_path / "twice.xlsx", sheets), Context(ref))
    assert caught.value.row == FIRST_ROWS + 1


def test_a_date_from_another_year_is_refused(
    tmp_path: Path, first_rows: dict[str, list[list[object]]], ref: Reference
) -> None:
    path = write_copy(tmp_path / "first.xlsx", edited(first_rows))
    assert {p.election_date for p in leh.read(path, Context(ref, date(2021, 5, 6))).polls} == {
        date(2021, 5, 6)
    }
    with pytest.raises(InputError, match="of 2021"):
        leh.read(path, Context(ref, date(2022, 5, 5)))


def test_a_workbook_without_a_candidates_sheet(
    tmp_path: Path, first_rows: dict[str, list[list[object]]], ref: Reference
) -> None:
    sheets = {title: rows for title, rows in edited(first_rows).items() if title != "Candidates-results"}
    path = write_copy(tmp_path / "wards-only.xlsx", sheets)
    with pytest.raises(InputError, match="no candidates sheet") as caught:
        leh.read(path, Context(ref))
    assert caught.value.path == str(path)


@needs_raw
def test_a_truncated_workbook_names_the_file(tmp_path: Path, ref: Reference) -> None:
    data = (LEH / WORKBOOKS[2025][0]).read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as caught:
        leh.read(path, Context(ref))
    assert caught.value.path == str(path)
    assert caught.value.row is None
    assert str(caught.value).startswith(str(path))


def test_a_csv_is_not_a_workbook(tmp_path: Path, ref: Reference) -> None:
    path = tmp_path / "results.csv"
    path.write_text("ward,candidate,votes\nDarley,Martin A.,1833\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a readable Excel workbook") as caught:
        leh.read(path, Context(ref))
    assert caught.value.path == str(path)


def one_ward() -> openpyxl.Workbook:
    """A workbook of one ward and its one candidate, in the Library's columns."""
    book = openpyxl.Workbook()
    sheet = book.worksheets[0]
    header = ["Local authority code", "Local authority name", "Ward/ED code", "Ward/ED name", "Year"]
    sheet.append([*header, "Candidate name", "Votes", "Elected", "Party name"])
    sheet.append(["E06000023", "Bristol, City Of", "E05010885", "Ashley", 2021, "Wye T.", 3820, 1, "GREEN"])
    return book


@pytest.mark.parametrize("far", ["XFD1048576", "A1048576", "ZZ10000"])
def test_a_workbook_naming_a_far_cell_is_refused_before_it_is_read(
    tmp_path: Path, ref: Reference, far: str
) -> None:
    """A few kilobytes naming one far cell would have the reader hold the whole span in memory (half a
    terabyte for XFD1048576, and the process aborts): it is refused, saying why, and the same workbook
    without that cell reads."""
    book = one_ward()
    sheet = book.worksheets[0]
    path = tmp_path / "small.xlsx"
    book.save(path)
    assert [p.ward.name for p in leh.read(path, Context(ref)).polls] == ["Ashley"]
    sheet[far] = "x"
    book.save(path)
    with pytest.raises(InputError, match=r"xl/worksheets/sheet1\.xml spans .* at most 5,000,000 cells"):
        leh.read(path, Context(ref))


@pytest.mark.parametrize("space", ["\t", "\n", "\r\n  "])
def test_a_far_cell_is_found_whatever_white_space_comes_before_its_place(
    tmp_path: Path, ref: Reference, space: str
) -> None:
    """XML may put any white space between a cell's tag and its `r` attribute: a far cell so written is
    refused as one written with a space, and the same workbook without it reads."""
    book = one_ward()
    sheet = book.worksheets[0]

    def saved(name: str) -> Path:
        plain = tmp_path / "plain.xlsx"
        book.save(plain)
        path = tmp_path / name
        with ZipFile(plain) as source, ZipFile(path, "w") as copy:
            for item in source.infolist():
                data = source.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b' r="', f'{space}r="'.encode())
                copy.writestr(item, data)
        return path

    assert [p.ward.name for p in leh.read(saved("near.xlsx"), Context(ref)).polls] == ["Ashley"]
    sheet["XFD1048576"] = "x"
    with pytest.raises(InputError, match=r"xl/worksheets/sheet1\.xml spans 1,048,576 rows by 16,384 columns"):
        leh.read(saved("far.xlsx"), Context(ref))
