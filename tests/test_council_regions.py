"""Every council has its region (issue 11): in the shipped register, for every council the real results
files name, and after the README's "Using it" sequence.

Regions come from the Open Innovations hex maps, the Library's tables, and, for councils abolished before
the maps' layouts, their successors (scripts/build_councils.py). The register is read as the program
reads it, through tallyroom.reference.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tallyroom.importers import leap as leap_importer
from tallyroom.importers import leh as leh_importer
from tallyroom.importers.base import Context
from tallyroom.reference import Reference
from tests.conftest import LEH, SHARED, leap, store_url

HEXMAPS = SHARED / "odileeds-hexmaps"
PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT / "src" / "tallyroom" / "data"
ENGLISH_REGIONS = {
    "North East",
    "North West",
    "Yorkshire and The Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
}
NATION_REGIONS = {"Wales", "Scotland"}  # a Welsh or Scottish council's region is its nation
REGION_CODES = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
    "W92000004": "Wales",
    "S92000003": "Scotland",
}
HANDBOOKS = {
    2021: "local_elections_2021_results-2.xlsx",
    2022: "local-elections-2022.xlsx",
    2024: "LEH-2024-results-HoC-version.xlsx",
    2025: "LEH-2025-results-HoC.xlsx",
}

needs_raw = pytest.mark.skipif(not SHARED.is_dir(), reason="the real data (../shared/data/raw) is not here")


def region_of(ref: Reference, code: str) -> str:
    council = ref.councils.get(code)
    assert council is not None, f"{code} is not in the register"
    return council.region


def allowed(code: str) -> set[str]:
    return ENGLISH_REGIONS if code.startswith("E") else {"Wales"} if code.startswith("W") else {"Scotland"}


def assert_regions(ref: Reference, codes: set[str]) -> None:
    """Every code is a registered council whose region is one of its nation's."""
    found = {code: region_of(ref, code) for code in sorted(codes)}
    wrong = {code: region for code, region in found.items() if region not in allowed(code)}
    assert not wrong, wrong


@pytest.mark.one_store  # reads the register and the files, not a store
@needs_raw
def test_the_shipped_register_is_what_the_build_script_makes(tmp_path: Path) -> None:
    """No hand edits: councils.csv, council_seats.csv and the Councils section of DATA.md are as built."""
    script = PROJECT / "scripts" / "build_councils.py"
    subprocess.run(
        [sys.executable, str(script), str(SHARED), "--out", str(tmp_path), "--quiet"],
        check=True,
        capture_output=True,
    )
    for name in ("councils.csv", "council_seats.csv"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
    built = (tmp_path / "DATA.md").read_text(encoding="utf-8")
    section = built[built.index("## Councils") :]
    assert section in (DATA / "DATA.md").read_text(encoding="utf-8")
    assert "Copyright (c) 2017- Open Innovations" in section


@pytest.mark.one_store  # reads the register and the files, not a store
def test_every_council_in_the_register_has_a_region_of_its_nation(ref: Reference) -> None:
    councils = list(ref.councils)
    assert len(councils) > 400
    english = [c for c in councils if c.nation == "England"]
    assert {c.region for c in english} == ENGLISH_REGIONS
    assert_regions(ref, {c.code for c in councils})
    for council in councils:
        if council.nation != "England":
            assert council.region == council.nation, council.code
    assert {c.region for c in councils if c.nation != "England"} == NATION_REGIONS


@pytest.mark.one_store  # reads the register and the files, not a store
@pytest.mark.parametrize(
    ("code", "name", "region"),
    [
        # issue 11: councils that had no region
        ("E06000061", "North Northamptonshire", "East Midlands"),
        ("E06000062", "West Northamptonshire", "East Midlands"),
        ("E06000047", "Durham", "North East"),
        ("E08000017", "Doncaster", "Yorkshire and The Humber"),
        ("E08000018", "Rotherham", "Yorkshire and The Humber"),
        ("E06000052", "Cornwall", "South West"),
        ("E06000053", "Isles of Scilly", "South West"),
        ("E06000054", "Wiltshire", "South West"),
        ("E06000023", "Bristol", "South West"),
        ("E06000007", "Warrington", "North West"),
        ("E06000046", "Isle of Wight", "South East"),
        ("E06000051", "Shropshire", "West Midlands"),
        # districts abolished in 2023: in the 2021 hex map only
        ("E07000028", "Carlisle", "North West"),
        ("E07000165", "Harrogate", "Yorkshire and The Humber"),
        ("E07000187", "Mendip", "South West"),
        # and the unitaries that replaced them: in the 2023 map
        ("E06000063", "Cumberland", "North West"),
        ("E06000065", "North Yorkshire", "Yorkshire and The Humber"),
        ("E06000066", "Somerset", "South West"),
        # in no hex map, or in the upper-tier map without a region: from their successors
        ("E10000021", "Northamptonshire", "East Midlands"),
        ("E07000151", "Daventry", "East Midlands"),
        ("E10000006", "Cumbria", "North West"),
        ("E10000023", "North Yorkshire", "Yorkshire and The Humber"),
        ("E10000027", "Somerset", "South West"),
        ("E10000002", "Buckinghamshire", "South East"),
        ("E10000009", "Dorset", "South West"),
        ("E07000050", "North Dorset", "South West"),
        ("E07000206", "Waveney", "East of England"),
        # a council whose code changed: the region of its other code
        ("E06000048", "Northumberland", "North East"),
    ],
)
def test_named_councils_have_their_region(ref: Reference, code: str, name: str, region: str) -> None:
    council = ref.councils.get(code)
    assert council is not None
    assert (council.name, council.region) == (name, region)


@pytest.mark.one_store  # reads the register and the files, not a store
@needs_raw
def test_regions_agree_with_the_hex_maps_wherever_they_place_a_council(ref: Reference) -> None:
    placed: dict[str, set[str]] = {}
    for name in ("uk-local-authority-districts-2021.hexjson", "uk-local-authority-districts-2023.hexjson"):
        for code, cell in json.loads((HEXMAPS / name).read_text(encoding="utf-8"))["hexes"].items():
            placed.setdefault(code, set()).add(cell["region"])
    for path in sorted((HEXMAPS / "uk-wards-2022").glob("*.hexjson")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["hexes"].values():
            placed.setdefault(cell["LAD22CD"], set()).add(cell["region"])
    checked = 0
    for council in ref.councils:
        if council.code in placed:
            assert {REGION_CODES[r] for r in placed[council.code]} == {council.region}, council.code
            checked += 1
    assert checked > 350  # 362: the rest are councils abolished or recoded before the maps' layouts


@pytest.mark.one_store  # reads the register and the files, not a store
@needs_raw
@pytest.mark.parametrize("year", [2016, 2017, 2018, 2019])
def test_every_leap_council_has_a_region(ref: Reference, year: int) -> None:
    batch = leap_importer.read(leap(year), Context(ref))
    codes = {poll.council.code for poll in batch.polls}
    assert len(codes) > 100
    assert_regions(ref, codes)


@pytest.mark.one_store  # reads the register and the files, not a store
@needs_raw
@pytest.mark.parametrize("year", [2022, 2024, 2025])  # 2021: the README sequence below reads it
def test_every_handbook_council_has_a_region(ref: Reference, year: int) -> None:
    batch = leh_importer.read(LEH / HANDBOOKS[year], Context(ref))
    codes = {poll.council.code for poll in batch.polls}
    assert len(codes) > 20
    assert_regions(ref, codes)


@pytest.mark.one_store  # reads the register and the files, not a store
@needs_raw
def test_every_2023_council_has_a_region(ref: Reference) -> None:
    """2023: the Library's data tables (GSS codes) and its ward sheet (district names only)."""
    with (LEH / "converted-csv" / "data_tables__Results.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    start = next(i for i, row in enumerate(rows) if "ONS code" in row)
    column = rows[start].index("ONS code")
    codes = {row[column] for row in rows[start + 1 :] if len(row) > column and row[column][:1] == "E"}
    assert len(codes) == 230
    with (LEH / "Ward_Level-Table 1.csv").open(encoding="utf-8-sig", newline="") as f:
        names = {row["DISTRICTNAME"] for row in csv.DictReader(f) if row["DISTRICTNAME"]}
    for name in sorted(names):
        council = ref.councils.find(name, date(2023, 5, 4))
        assert council is not None, name
        codes.add(council.code)
    assert_regions(ref, codes)


def tallyroom(db: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", db, *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@needs_raw
def test_the_readme_sequence_gives_every_council_a_region(ref: Reference, tmp_path: Path) -> None:
    """README "Using it": LEAP 2017 and the Library's 2021 handbook, then the councils of 6 May 2021."""
    db = store_url(tmp_path / "readme.db")
    tallyroom(db, "import", "leap", str(leap(2017)))
    tallyroom(db, "import", "leh", str(LEH / HANDBOOKS[2021]))
    found = json.loads(tallyroom(db, "councils", "--date", "2021-05-06", "--json"))
    codes = {body["council"]["code"] for body in found}
    assert len(codes) == len(found) == 143  # every council in the 2021 handbook
    assert_regions(ref, codes)
    for code in ("E06000047", "E06000052", "E06000054", "E06000023", "E06000061", "E06000062", "E08000017"):
        assert code in codes
    # so no council drops out of the regional progress
    progress = json.loads(tallyroom(db, "progress", "--date", "2021-05-06", "--json"))
    assert "" not in progress["regions"]
    assert sum(r["councils"] for r in progress["regions"].values()) == progress["night"]["councils"] == 143
