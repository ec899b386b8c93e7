"""Every Scottish ward of 2017 and 2022 counted from its ballots alone, under the Scottish rules.

2017 is checked against LEAP: the count elects exactly the candidates LEAP marks elected, and every
candidate's first preferences are LEAP's votes. The ballot files hold 351 of LEAP's 354 wards (the
other three were returned unopposed, so had no ballots) and two by-elections later in 2017, which
LEAP does not cover. Three of LEAP's figures differ from the ballots by a slipped digit; the winners
of those wards are the same either way.

2022 has no published result per ward here: every ward must count to the end with its seats filled and
every paper accounted for at every stage, and the seats each party won in each council must be the
House of Commons Library's (CBP 9545), less the seats of the wards with no ballot file.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path

import pytest

from tallyroom.importers.blt import COUNCIL_SLUGS, BltFile, folded, match_ward, parse, ward_key
from tallyroom.reference import Reference
from tallyroom.rules.model import WardRef
from tallyroom.rules.stv import StvCount, count_stv
from tests.conftest import LEH, SHARED, leap

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

BALLOTS = SHARED / "scot-elex-ballots" / "blt_files"

UNOPPOSED_2017 = {"S13002516", "S13002734", "S13002776"}
"""South Kintyre, Stromness and South Isles, Shetland South: as many candidates as seats."""

LEAP_SLIPS = {
    ("S13002859", "glen reid"): (668, 688),
    ("S13002835", "dorothy pearce"): (403, 430),
    ("S13003108", "gavin douglas"): (660, 668),
}
"""LEAP's first preferences that differ from the ballots, (LEAP, ballots): a digit slipped or swapped."""

BY_ELECTIONS_2017 = {
    "aberdeenshire_2017_by_election_inverurie.blt": ("Lesley BERRY",),
    "perth_kinross_2017_by_election_ward_10.blt": ("Audrey COATES",),
}


def person(name: str) -> str:
    """First and last name, folded: the ballots write `Graeme Stephen LAWRENCE`, LEAP `Graeme Lawrence`."""
    words = folded(name).split()
    return f"{words[0]} {words[-1]}"


def paired(leap_names: list[str], ballot_names: list[str]) -> dict[str, str]:
    """LEAP's candidates and the ballot file's, nearest names first (`Ross Vetraino`, `Ross VETTRAINO`;
    `Graeme Lawrence`, `Graeme Stephen LAWRENCE`)."""
    nearest = sorted(
        (
            (SequenceMatcher(None, folded(a), folded(b)).ratio(), a, b)
            for a in leap_names
            for b in ballot_names
        ),
        reverse=True,
    )
    pairs: dict[str, str] = {}
    for _ratio, a, b in nearest:
        if a not in pairs and b not in pairs.values():
            pairs[a] = b
    assert len(pairs) == len(leap_names) == len(ballot_names)
    return pairs


def likeness(a: str, b: str) -> float:
    return SequenceMatcher(None, folded(a), folded(b)).ratio()


def council_key(name: str) -> str:
    return folded(name).replace(" and ", " ").replace(" ", "")


@cache
def counted(year: int) -> list[tuple[Path, BltFile, StvCount]]:
    files = sorted(BALLOTS.glob(f"*/*_{year}_*.blt"))
    if not files:
        pytest.skip("the Scottish ballot files are not beside the project")
    results = []
    for path in files:
        blt = parse(path, path.read_text(encoding="utf-8"))
        results.append((path, blt, count_stv([c.name for c in blt.candidates], blt.seats, blt.papers)))
    return results


@pytest.fixture(scope="module")
def leap_2017() -> dict[str, dict[str, list[tuple[WardRef, str, int, bool]]]]:
    """LEAP's Scottish candidates of 2017, by council and ward code."""
    wards: dict[str, dict[str, list[tuple[WardRef, str, int, bool]]]] = defaultdict(lambda: defaultdict(list))
    with leap(2017).open(encoding="utf-8", newline="") as file:
        for council, council_code, ward, code, name, _party, votes, elected in csv.reader(file):
            if council_code.startswith("S12"):
                wards[council_key(council)][code].append(
                    (WardRef(ward, code), name, int(votes), elected == "1")
                )
    return wards


def test_2017_elects_leaps_winners_with_leaps_first_preferences(
    leap_2017: dict[str, dict[str, list[tuple[WardRef, str, int, bool]]]],
) -> None:
    matched, differences = set(), []
    for path, blt, result in counted(2017):
        if path.name in BY_ELECTIONS_2017:
            assert result.elected == BY_ELECTIONS_2017[path.name]
            continue
        slug = path.name.split("_2017_")[0]
        council = leap_2017[council_key(COUNCIL_SLUGS.get(slug, slug.replace("_", " ")))]
        ward = match_ward(blt.title, [rows[0][0] for rows in council.values()])
        assert ward is not None, f"{path.name}: no LEAP ward is called {blt.title!r}"
        matched.add(ward.code)
        rows = council[ward.code]
        names = paired([r[1] for r in rows], [c.name for c in blt.candidates])
        assert sorted(result.elected) == sorted(names[r[1]] for r in rows if r[3]), path
        for _ward, name, votes, _elected in rows:
            if votes != result.first_preferences[names[name]]:
                differences.append(
                    ((ward.code, person(name)), (votes, int(result.first_preferences[names[name]])))
                )
    assert dict(differences) == LEAP_SLIPS
    every = {code for council in leap_2017.values() for code in council}
    assert every - matched == UNOPPOSED_2017
    for council in leap_2017.values():
        for code in UNOPPOSED_2017 & set(council):
            assert all(r[3] and r[2] == 0 for r in council[code])
    assert len(matched) == 351


def test_2022_every_ward_counts_to_the_end() -> None:
    results = counted(2022)
    assert len(results) == 347
    for path, blt, result in results:
        assert len(result.elected) == blt.seats, path
        assert result.quota == result.valid // (blt.seats + 1) + 1
        for stage in result.stages:
            assert sum(stage.totals.values()) + stage.non_transferable + stage.lost == result.valid, path


def test_ward_names_match_whatever_their_spelling() -> None:
    wards = [WardRef("Eilean a' Cheò", "S13002999"), WardRef("Newton Means North and Neilston", "S13002915")]
    assert (
        ward_key('"""Ward 4 ‐ Clarkston Netherlee and Williamwood"""') == "clarkstonnetherleeandwilliamwood"
    )
    assert ward_key("Wa rd 1 - B an ff a nd District") == "banffanddistrict"
    assert ward_key("Ward 3 Uibhist a Tuath") == ward_key("Uibhist a Tuath Ward") == "uibhistatuath"
    assert match_ward("Ward 10 - Eilean a' Cheo", wards) == wards[0]
    assert match_ward("Newton Mearns North and Neilston", wards) == wards[1]
    assert match_ward("Newton Mearns South and Eaglesham", wards) is None


LIBRARY_2022 = LEH / "converted-csv" / "CBP9545-detailed-results-for-download__Scotland_and_Wales.csv"
GROUPS = ("CON", "LAB", "LD", "SNP", "Others")
WITHOUT_FILES_2022 = {
    "S12000013": 4,  # Eilean Siar: 27 elected, 23 in files
    "S12000017": 3,  # Highland
    "S12000018": 3,  # Inverclyde
    "S12000020": 3,  # Moray
    "S12000027": 5,  # Shetland: 22 elected, 17 in files
    "S12000038": 7,  # Renfrewshire
}
"""Seats elected in 2022 whose wards have no ballot file (returned unopposed, or not published)."""


def library_group(label: str | None) -> str:
    """The Library's party column for a 2022 ballot description."""
    label = (label or "").casefold()
    for group, words in (
        ("CON", ("conservative",)),
        ("LAB", ("labour",)),
        ("LD", ("liberal democrat",)),
        ("SNP", ("scottish national party", "(snp)")),
    ):
        if any(word in label for word in words) and "socialist labour" not in label:
            return group
    return "Others"


def test_2022_party_seats_are_the_librarys_in_every_council(ref: Reference) -> None:
    with LIBRARY_2022.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))[2:]
    library = {
        r[0]: dict(zip((*GROUPS, "Vacant", "Total"), r[13:20], strict=True))
        for r in rows
        if r[0][:3] == "S12"
    }
    won: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(GROUPS, 0))
    for path, blt, result in counted(2022):
        if "by_election" in path.name:
            continue
        slug = path.name.split("_2022_")[0]
        council = ref.councils.find(COUNCIL_SLUGS.get(slug, slug.replace("_", " ")), date(2022, 5, 5))
        assert council is not None, path
        party = {c.name: c.party for c in blt.candidates}
        for name in result.elected:
            won[council.code][library_group(party[name])] += 1
    assert len(won) == 32
    for code, ours in won.items():
        theirs = {g: int(library[code][g] or 0) for g in GROUPS}
        missing = {g: theirs[g] - ours[g] for g in GROUPS}
        assert all(n >= 0 for n in missing.values()), (code, theirs, ours)
        assert sum(missing.values()) == WITHOUT_FILES_2022.get(code, 0), (code, theirs, ours)
