"""Vote share, share change and Butler swing (domain §3.4, §8.1, §8.2), checked on the 2023 ward-level
table against LEAP 2019 with figures worked out here from the raw files alone."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from tallyroom.importers import leap as leap_format
from tallyroom.importers import leh_wards, ward
from tallyroom.importers.base import Context
from tallyroom.reference import Reference
from tallyroom.rules.change import ward_swing
from tallyroom.rules.model import Candidacy, CouncilRef, Poll, WardRef
from tallyroom.rules.shares import (
    Earlier,
    ShareMethod,
    Standing,
    share_sums,
    share_table,
    swing,
    table_of,
    ward_votes,
)

from .conftest import DEMO, LEH, leap

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

WARD_TABLE = LEH / "Ward_Level-Table 1.csv"
Votes = dict[str, dict[str, int]]


@pytest.fixture(scope="module")
def pairs(context: Context) -> list[tuple[Poll, Poll | None]]:
    now = leh_wards.read(WARD_TABLE, context).polls
    earlier = Earlier(leap_format.read(leap(2019), context).polls)
    return [(p, earlier.last_fought(p)) for p in now]


def _name(ward: str) -> str:
    """A ward's name as both files may spell it: "St. John's & Hill" is "st john s and hill"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ward.casefold().replace("&", " and ")).split())


def _raw_2019(ref: Reference, keep: set[str]) -> Votes:
    """Top votes by ward and party label, from the LEAP file itself; each independent on their own."""
    wards: Votes = defaultdict(dict)
    with leap(2019).open(encoding="utf-8", newline="") as handle:
        for council, _, ward, _, name, label, votes, _ in csv.reader(handle):
            found = ref.councils.find(council)
            if found is None or found.code not in keep or not votes.isdigit():
                continue
            key = f"Ind {name}" if label == "Ind" else label
            place = wards[f"{found.code}/{_name(ward)}"]
            place[key] = max(place.get(key, 0), int(votes))
    return {w: v for w, v in wards.items() if sum(v.values())}


def _raw_2023(ref: Reference, keep: set[str]) -> Votes:
    wards: Votes = {}
    with Path(WARD_TABLE).open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            found = ref.councils.find(row["DISTRICTNAME"])
            if found is None or found.code not in keep:
                continue
            parties = list(row)[7:-1]
            wards[f"{found.code}/{_name(row['WARDNAME'])}"] = {p: int(row[p]) for p in parties if row[p]}
    return wards


def _hand(ref: Reference, keep: set[str]) -> dict[str, float]:
    """Con and Lab top-vote shares over the comparable wards, both years, and the swing Con to Lab."""
    now, before = _raw_2023(ref, keep), _raw_2019(ref, keep)
    both = sorted(set(now) & set(before))
    assert both

    def share(wards: Votes, label: str) -> float:
        return 100 * sum(wards[w].get(label, 0) for w in both) / sum(sum(wards[w].values()) for w in both)

    found = {
        "con": share(now, "CON"),
        "lab": share(now, "LAB"),
        "con_before": share(before, "C"),
        "lab_before": share(before, "Lab"),
        "wards": len(both),
    }
    found["swing"] = ((found["lab"] - found["lab_before"]) + (found["con_before"] - found["con"])) / 2
    return found


@pytest.mark.parametrize("area", ["Gedling", "East Midlands"])
def test_share_change_and_swing_by_hand(
    ref: Reference, pairs: list[tuple[Poll, Poll | None]], area: str
) -> None:
    council = ref.councils.find(area)
    keep = {council.code} if council else {c.code for c in ref.councils if c.region == area}
    table = share_table([(p, last) for p, last in pairs if p.council.code in keep], ShareMethod.TOP_VOTE)
    hand = _hand(ref, keep)
    con, lab = table.party("conservative"), table.party("labour")
    assert con is not None and lab is not None
    assert table.wards_compared == hand["wards"] and table.baseline_years == (2019,)
    for found, expected in [
        (con.now, hand["con"]),
        (con.before, hand["con_before"]),
        (lab.now, hand["lab"]),
        (lab.before, hand["lab_before"]),
    ]:
        assert found == pytest.approx(expected, abs=1e-9)
    assert con.change == pytest.approx(hand["con"] - hand["con_before"])
    found_swing = swing(table, lab.party, con.party)
    assert found_swing.points == pytest.approx(hand["swing"])
    assert swing(table, con.party, lab.party).points == pytest.approx(-hand["swing"])


@pytest.mark.parametrize("method", list(ShareMethod))
def test_councils_sums_add_up_to_the_table_of_all_their_wards(
    pairs: list[tuple[Poll, Poll | None]], method: ShareMethod
) -> None:
    """The night's table made from each council's sums, as pages make it, is the table of every ward at
    once, to the party order and the last decimal."""
    by_council: dict[str, list[tuple[Poll, Poll | None]]] = defaultdict(list)
    for now, last in pairs:
        by_council[now.council.code].append((now, last))
    assert len(by_council) > 200
    whole = share_table(pairs, method)
    assert table_of(method, [share_sums(found, method) for found in by_council.values()]) == whole
    assert whole.wards > 3000 and whole.wards_compared > 2000 and len(whole.parties) > 20
    assert table_of(method, []) == share_table([], method)


def test_total_and_top_vote_shares_worked_example(ref: Reference) -> None:
    # domain §3.4, worked example 3
    people = [
        ("A", "Lab", 1250),
        ("B", "Lab", 1180),
        ("D", "Con", 1100),
        ("C", "Lab", 1050),
        ("E", "Con", 980),
        ("F", "Con", 900),
        ("G", "LD", 600),
        ("H", "Green", 400),
    ]
    poll = Poll(
        date(2023, 5, 4),
        CouncilRef("E07000001", "Example"),
        WardRef("Example"),
        3,
        tuple(Candidacy(n, ref.parties.resolve(p), p, v) for n, p, v in people),
    )
    for method, expected in [
        (ShareMethod.TOTAL_VOTES, {"labour": 46.65, "conservative": 39.95, "liberal-democrats": 8.04}),
        (ShareMethod.TOP_VOTE, {"labour": 37.31, "conservative": 32.84, "liberal-democrats": 17.91}),
    ]:
        table = share_table([(poll, None)], method)
        assert {p: round(table.party(p).share, 2) for p in expected} == expected  # type: ignore[union-attr]
        assert table.wards == 1 and table.wards_compared == 0
    assert sum(ward_votes(poll, ShareMethod.TOTAL_VOTES).values()) == 7460


def test_a_party_new_since_last_time_has_no_swing(context: Context) -> None:
    # Spalding West, Lincolnshire, 2021: South Holland Independents came first and did not stand in 2017.
    # The swing between the ward's first two parties would be their whole share: there is none, and the
    # night's biggest swing is between parties that stood both times.
    earlier = Earlier(p for year in (2016, 2017, 2018, 2019) for p in ward.read(_demo(year), context).polls)
    pairs = [(p, earlier.last_fought(p)) for p in ward.read(_demo(2021), context).polls]
    now, last = next((p, last) for p, last in pairs if p.ward.name == "Spalding West")
    assert last is not None and last.election_date.year == 2017
    first = max(now.candidacies, key=lambda c: c.votes or 0).party
    assert first.name == "South Holland Independents"
    assert first.id not in {c.party.id for c in last.candidacies}
    assert ward_swing(now, last) is None
    table = share_table([(now, last)], ShareMethod.TOP_VOTE)
    mine, con = table.party(first.id), table.party("conservative")
    assert mine is not None and con is not None
    assert mine.standing is Standing.NEW and mine.change == mine.now
    found = swing(table, first, con.party)
    assert found.points is None and found.reason == "South Holland Independents did not stand in 2017"
    swings = [(p, s) for p, last in pairs if last is not None and (s := ward_swing(p, last)) is not None]
    biggest, record = max(swings, key=lambda item: item[1].points)
    stood = {c.party.id for c in earlier.last_fought(biggest).candidacies}  # type: ignore[union-attr]
    assert biggest.ward.name != "Spalding West" and {record.to.id, record.away.id} <= stood


def _demo(year: int) -> Path:
    return next(DEMO.glob(f"{year}-*-east-midlands.csv"))
