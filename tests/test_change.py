"""Ward gains and holds by multiset comparison, and the council net change (domain §7.2)."""

from __future__ import annotations

from datetime import date

import pytest

from tallyroom.reference import Reference
from tallyroom.rules.change import net_change, ward_change
from tallyroom.rules.model import Candidacy, CouncilRef, Poll, WardRef
from tallyroom.rules.shares import butler_swing, top_vote_shares

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file


def test_multi_seat_ward_compares_multisets(ref: Reference) -> None:
    con, lab, ld = (ref.parties.resolve(x) for x in ("Con", "Lab", "LD"))
    # domain §7.2's illustration: baseline {Con, Con, Lab}, now {Lab, Lab, LD}
    change = ward_change([lab, lab, ld], [con, con, lab])
    assert [p.name for p in change.holds] == ["Labour"]
    assert sorted((g.party.name, g.from_party.name if g.from_party else None) for g in change.gains) == [
        ("Labour", "Conservative"),
        ("Liberal Democrats", "Conservative"),
    ]
    assert [p.name for p in change.losses] == ["Conservative", "Conservative"]


def test_net_change_equals_won_minus_baseline(ref: Reference) -> None:
    con, lab, grn = (ref.parties.resolve(x) for x in ("Con", "Lab", "Grn"))
    pairs = [([con], [lab]), ([con, grn], [lab, lab]), ([lab], [lab])]
    change = {p.name: n for p, n in net_change(pairs).items()}
    assert change == {"Conservative": 2, "Labour": -3, "Green": 1}
    assert sum(change.values()) == 0


def test_butler_swing_textbook_example() -> None:
    # domain §8.2: Con 35 -> 45, Lab 45 -> 40, LD 20 -> 15 gives a Butler swing of 7.5 from Lab to Con.
    before = {"con": 0.35, "lab": 0.45, "ld": 0.20}
    now = {"con": 0.45, "lab": 0.40, "ld": 0.15}
    assert abs(butler_swing(now, before, "con", "lab") - 7.5) < 1e-9
    assert abs(butler_swing(now, before, "lab", "con") + 7.5) < 1e-9


def test_top_vote_shares_worked_example(ref: Reference) -> None:
    # domain §3.4 worked example 3: top-vote shares Lab 37.31, Con 32.84, LD 17.91, Grn 11.94.
    rows = [("A", "Lab", 1250), ("B", "Lab", 1180), ("D", "Con", 1100), ("C", "Lab", 1050)]
    rows += [("E", "Con", 980), ("F", "Con", 900), ("G", "LD", 600), ("H", "Grn", 400)]
    poll = Poll(
        date(2021, 5, 6),
        CouncilRef("E06000015", "Derby"),
        WardRef("Ward"),
        3,
        tuple(Candidacy(n, ref.parties.resolve(p), p, v) for n, p, v in rows),
    )
    shares = {k: round(v * 100, 2) for k, v in top_vote_shares(poll).items()}
    assert shares == {"labour": 37.31, "conservative": 32.84, "liberal-democrats": 17.91, "green": 11.94}
