"""Seats up at each council's ordinary election (council_seats.csv `seats_up`, domain §1.4), against the
real published data read here independently of scripts/build_councils.py."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from tallyroom.reference import Reference
from tests.conftest import LEH, SHARED, leap

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

DATA = Path(__file__).resolve().parents[1] / "src" / "tallyroom" / "data"
LEH_CSV = LEH / "converted-csv"
OCD = SHARED / "opencouncildata"
PARTIAL = {"thirds", "halves", "partial"}

needs_raw = pytest.mark.skipif(not SHARED.is_dir(), reason="the real data (../shared/data/raw) is not here")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_sheet(path: Path, header_has: str) -> list[dict[str, str]]:
    """A converted Library sheet: rows as dicts after the first row with a cell `header_has`."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [[cell.strip() for cell in row] for row in csv.reader(handle)]
    start = next(i for i, row in enumerate(rows) if header_has in row)
    return [dict(zip(rows[start], row, strict=False)) for row in rows[start + 1 :] if any(row)]


@cache
def seats() -> dict[tuple[str, int], dict[str, str]]:
    return {(row["code"], int(row["year"])): row for row in read(DATA / "council_seats.csv")}


def up(code: str, year: int) -> tuple[int | None, int]:
    """(seats up, total seats) in the shipped register."""
    row = seats()[(code, year)]
    return (int(row["seats_up"]) if row["seats_up"] else None), int(row["total_seats"])


@cache
def leap_winners(year: int) -> dict[str, Counter[str]]:
    """LEAP: council code -> ward name -> candidates elected."""
    won: dict[str, Counter[str]] = {}
    with leap(year).open(encoding="utf-8", newline="") as handle:
        for _council, code, ward, ward_code, *_, elected in csv.reader(handle):
            if ward_code != "NULL":
                won.setdefault(code, Counter())[ward] += elected == "1"
    return won


@cache
def leh_vacancies(year: int) -> dict[str, Counter[str]]:
    """LEH 2021, 2022, 2024 ward sheets: council code -> ward name -> Vacancies (district wards only:
    LEH 2021 files county divisions, type SC, under the district). LEH 2021 has "NA" for some wards of
    other councils than those tested here: those wards are left out."""
    files = {
        2021: ("local_elections_2021_results-2__Wards-results.csv", "Ward/ED code", "Ward/ED name"),
        2022: ("local-elections-2022__Wards-results.csv", "Ward code", "Ward name"),
        2024: ("LEH-2024-results-HoC-version__Wards_results.csv", "Ward code", "Ward name"),
    }
    name, header, ward_column = files[year]
    vacancies: dict[str, Counter[str]] = {}
    for row in read_sheet(LEH_CSV / name, header):
        if row.get("Type") != "SC" and row["Vacancies"].isdigit():
            wards = vacancies.setdefault(row["Local authority code"], Counter())
            wards[row[ward_column]] += int(row["Vacancies"])
    return vacancies


def roll(year: int, council: str, ward: str) -> list[str]:
    """Open Council Data's roll for `year`: the next-election dates of a ward's councillors."""
    rows = read(OCD / f"opencouncildata_councillors_{year}.csv")
    return sorted(r["Next Election"] for r in rows if r["Council"] == council and r["Ward Name"] == ward)


def test_every_row_has_seats_up_exactly_when_the_council_held_an_ordinary_election() -> None:
    for (code, year), row in seats().items():
        seats_up, total = up(code, year)
        if not row["cycle"]:
            assert (seats_up, row["seats_up_source"]) == (None, ""), (code, year)
        elif row["cycle"] == "all-out":
            assert (seats_up, row["seats_up_source"]) == (total, "total"), (code, year)
        else:
            assert seats_up is not None, (code, year)
            assert 0 < seats_up < total, (code, year)
            assert row["seats_up_source"] in {"leap", "leh", "leh|ocd"}, (code, year)


@needs_raw
def test_derby_2019_is_17_of_51_the_winners_in_leap() -> None:
    assert sum(leap_winners(2019)["E06000015"].values()) == 17
    assert up("E06000015", 2019) == (17, 51)


@needs_raw
def test_lincoln_2023_is_11_of_33_one_per_ward() -> None:
    """domain §1.4, worked example 1; the LEH 2023 ward sheet has the district's name, not its code."""
    wards = [r for r in read(LEH / "Ward_Level-Table 1.csv") if r["DISTRICTNAME"] == "Lincoln"]
    assert len(wards) == 11
    assert sum(int(r["VACS"]) for r in wards) == 11
    assert up("E07000138", 2023) == (11, 33)


@needs_raw
def test_amber_valley_2021_is_16_of_45_in_15_wards() -> None:
    """domain §1.4, worked example 2: one ward returned two councillors."""
    wards = leh_vacancies(2021)["E07000032"]
    assert (len(wards), sum(wards.values())) == (15, 16)
    assert up("E07000032", 2021) == (16, 45)
    assert up("E07000032", 2022) == (15, 45)  # its last thirds election; all-out from 2023
    assert up("E07000032", 2023) == (42, 42)


@needs_raw
@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [
        ("E07000199", "Tamworth", (10, 30)),
        ("E06000001", "Hartlepool", (12, 36)),
        ("E06000012", "North East Lincolnshire", (12, 42)),
    ],
)
def test_2024_thirds_councils_take_the_handbooks_vacancies(
    code: str, name: str, expected: tuple[int, int]
) -> None:
    rows = read_sheet(LEH_CSV / "LEH-2024-results-HoC-version__Wards_results.csv", "Ward code")
    mine = [r for r in rows if r["Local authority code"] == code]
    assert {r["Local authority name"] for r in mine} == {name}
    assert sum(int(r["Vacancies"]) for r in mine) == expected[0]
    assert up(code, 2024) == expected
    assert seats()[(code, 2024)]["seats_up_source"] == "leh"


@needs_raw
def test_every_partial_election_in_leap_2019_has_its_winners_as_seats_up() -> None:
    """Less the same-day by-elections in wards with no ordinary poll (Open Council Data's rolls: the
    ward's councillors were due in 2020 or 2022 before the poll, and still are after it)."""
    by_elections = {("E06000034", "Corringham and Fobbing"), ("E07000163", "Upper Wharfedale")}
    assert roll(2018, "Thurrock", "Corringham and Fobbing") == ["2020-05-07", "2022-05-05"]
    assert roll(2019, "Thurrock", "Corringham and Fobbing") == ["2020-05-07", "2022-05-05"]
    assert roll(2018, "Craven", "Upper Wharfedale") == ["2020-05-07"]
    assert roll(2019, "Craven", "Upper Wharfedale") == ["2020-05-07"]
    partial = 0
    for code, wards in leap_winners(2019).items():
        row = seats().get((code, 2019))
        if row is None or row["cycle"] not in PARTIAL:
            continue
        partial += 1
        winners = sum(n for ward, n in wards.items() if (code, ward) not in by_elections)
        assert up(code, 2019)[0] == winners, code
    assert partial == 97
    assert up("E06000034", 2019) == (16, 49)


@needs_raw
def test_every_partial_election_in_leh_2024_has_its_vacancies_as_seats_up() -> None:
    partial = 0
    for code, wards in leh_vacancies(2024).items():
        if seats()[(code, 2024)]["cycle"] in PARTIAL:
            partial += 1
            assert up(code, 2024)[0] == sum(wards.values()), code
    assert partial == 80


@needs_raw
def test_a_ward_the_handbook_leaves_out_is_added_when_the_rolls_show_it_filled() -> None:
    """Sefton 2022: no St Oswald in LEH 2022, but a councillor due in 2022 before, one due in 2026 after."""
    assert sum(leh_vacancies(2022)["E08000014"].values()) == 21
    assert not any("Oswald" in ward for ward in leh_vacancies(2022)["E08000014"])
    assert "2022-05-05" in roll(2021, "Sefton", "St. Oswald")
    assert "2026-05-07" in roll(2022, "Sefton", "St. Oswald")
    assert up("E08000014", 2022) == (22, 66)
    assert seats()[("E08000014", 2022)]["seats_up_source"] == "leh|ocd"


def test_all_out_years_have_every_seat_up_even_where_a_source_counted_fewer() -> None:
    assert up("E06000051", 2021) == (74, 74)  # Shropshire: LEH 2021 has 73 (a postponed poll)
    assert up("W06000002", 2022) == (69, 69)  # Gwynedd: LEH 2022 leaves out uncontested seats
    assert up("E10000007", 2021) == (64, 64)  # Derbyshire County Council


def test_the_register_gives_seats_up_for_the_year_asked_only(ref: Reference) -> None:
    councils = ref.councils
    assert councils.seats_up("E06000015", date(2019, 5, 2)) == 17
    assert councils.seats_up("E07000138", date(2023, 5, 4)) == 11
    assert councils.seats_up("E07000032", date(2021, 5, 6)) == 16
    assert councils.seats_up("E07000032", date(2023, 5, 4)) == 42
    # Derby held no election in 2020 (postponed) or 2024: no figure, though its size is known
    assert councils.total_seats("E06000015", date(2020, 5, 7)) == 51
    assert councils.seats_up("E06000015", date(2020, 5, 7)) is None
    assert councils.seats_up("E06000015", date(2024, 5, 2)) is None
    # no year after the register's last, and no council it does not know
    assert councils.seats_up("E06000015", date(2026, 5, 7)) is None
    assert councils.seats_up("E99999999", date(2019, 5, 2)) is None
    size = councils.size("E06000015", date(2019, 5, 2))
    assert size is not None and (size.total_seats, size.seats_up) == (51, 17)
