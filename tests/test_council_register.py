"""The shipped council register (councils.csv, council_seats.csv) against the real published data.

The register is built by scripts/build_councils.py; these tests read the shipped CSVs with the csv module
and check them against the raw sources in ../shared/data/raw (and against facts in domain.md §1.4).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import LEH, SHARED, leap

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

DATA = Path(__file__).resolve().parents[1] / "src" / "tallyroom" / "data"
LEH_CSV = LEH / "converted-csv"
TYPES = {"county", "district", "unitary", "metropolitan", "london", "other"}
CYCLES = {"all-out", "thirds", "halves", "", "partial"}
NATIONS = {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland"}

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
def councils() -> dict[str, dict[str, str]]:
    return {row["code"]: row for row in read(DATA / "councils.csv")}


@cache
def seats() -> dict[tuple[str, int], dict[str, str]]:
    return {(row["code"], int(row["year"])): row for row in read(DATA / "council_seats.csv")}


def size(code: str, year: int) -> tuple[int, str]:
    row = seats()[(code, year)]
    return int(row["total_seats"]), row["cycle"]


def test_headers_and_one_row_per_code_and_year() -> None:
    with (DATA / "councils.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == "code,name,type,region,nation,aliases"
    with (DATA / "council_seats.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == "code,year,total_seats,seats_up,cycle,source,seats_up_source"
    rows = read(DATA / "council_seats.csv")
    assert len(rows) == len(seats())
    assert len(read(DATA / "councils.csv")) == len(councils())


def test_fields_hold_allowed_values() -> None:
    for code, council in councils().items():
        assert council["type"] in TYPES, code
        assert council["nation"] == NATIONS[code[0]], code
        assert council["name"], code
        assert council["name"] not in council["aliases"].split("|"), code
    for (code, _year), row in seats().items():
        assert code in councils()
        assert int(row["total_seats"]) > 0
        assert row["cycle"] in CYCLES
        assert row["source"]


@pytest.mark.parametrize(
    ("code", "name", "total"),
    [
        ("E10000007", "Derbyshire", 64),
        ("E10000024", "Nottinghamshire", 66),
        ("E10000018", "Leicestershire", 55),
        ("E10000019", "Lincolnshire", 70),
    ],
)
def test_east_midlands_counties_2021(code: str, name: str, total: int) -> None:
    council = councils()[code]
    assert (council["name"], council["type"], council["region"]) == (name, "county", "East Midlands")
    assert size(code, 2021) == (total, "all-out")


@needs_raw
def test_county_sizes_2021_equal_the_seats_filled_in_leh_2021() -> None:
    """LEH 2021 files county divisions (type SC) under the district; the council is the County code."""
    filled: dict[str, int] = {}
    for row in read_sheet(LEH_CSV / "local_elections_2021_results-2__Wards-results.csv", "Ward/ED code"):
        if row["Type"] == "SC":
            filled[row["County code"]] = filled.get(row["County code"], 0) + int(row["Vacancies"])
    assert filled["E10000007"] == 64
    for county, total in filled.items():
        assert size(county, 2021) == (total, "all-out"), county


def test_derby_is_a_unitary_electing_by_thirds_in_2019() -> None:
    assert councils()["E06000015"]["type"] == "unitary"
    assert councils()["E06000015"]["name"] == "Derby"
    assert size("E06000015", 2019) == (51, "thirds")


def test_city_of_lincoln_has_33_seats_elected_by_thirds() -> None:
    assert councils()["E07000138"]["name"] == "Lincoln"
    assert {size("E07000138", year)[0] for year in range(2016, 2026)} == {33}
    for year in (2018, 2019, 2021, 2022, 2023, 2024):  # domain §1.4: 11 of 33 seats in 2023
        assert size("E07000138", year) == (33, "thirds"), year


def test_amber_valley_2021_is_45_seats_by_thirds() -> None:
    assert size("E07000032", 2021) == (45, "thirds")  # domain §1.4: 16 of 45 seats filled
    assert size("E07000032", 2023) == (42, "all-out")  # new wards, every seat elected


@needs_raw
def test_every_leap_2019_council_is_registered() -> None:
    with leap(2019).open(encoding="utf-8", newline="") as handle:
        codes = {row[1] for row in csv.reader(handle) if row[1] != "NULL"}
    assert len(codes) > 250
    assert codes <= set(councils())


@needs_raw
def test_every_data_tables_council_is_registered_with_its_region() -> None:
    rows = read_sheet(LEH_CSV / "data_tables__Results.csv", "ONS code")
    assert len(rows) == 230
    for row in rows:
        council = councils()[row["ONS code"]]
        assert council["region"] == row["Region"], row["ONS code"]


@needs_raw
def test_name_only_sources_find_their_codes() -> None:
    """Every name the 2025 handbook and Open Council Data's 2025 history use is a name or an alias."""
    known: dict[str, set[str]] = {}
    for code, council in councils().items():
        for name in [council["name"], *council["aliases"].split("|")]:
            known.setdefault(name, set()).add(code)
    leh_2025 = read_sheet(LEH_CSV / "LEH-2025-results-HoC__Ward_results.csv", "Upper tier authority")
    for row in leh_2025:
        assert row["Upper tier authority"] in known
        assert row["Lower tier authority"] in known
    assert known["Durham"] == {"E06000047"}  # LEH 2025 and LEAP; LEH 2021 says "County Durham"
    assert "E06000023" in known["Bristol, City Of"]
    ocd = read(SHARED / "opencouncildata" / "history2016-2025.csv")
    missing = {row["authority"] for row in ocd if row["year"] == "2025"} - set(known)
    assert missing == {"City of London"}  # no source gives the City a GSS code


@needs_raw
def test_open_council_data_sizes_are_used_where_no_election_says_otherwise() -> None:
    ocd = {
        (row["authority"], int(row["year"])): int(row["total"])
        for row in read(SHARED / "opencouncildata" / "history2016-2025.csv")
    }
    assert size("E10000019", 2016) == (ocd[("Lincolnshire", 2016)], "")  # 77, before the 2017 boundaries
    assert size("E10000019", 2017) == (70, "all-out")
