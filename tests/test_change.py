"""Ward gains and holds by multiset comparison, and the council net change (domain §7.2)."""

from __future__ import annotations

from tallyroom.reference import Reference
from tallyroom.rules.change import net_change, ward_change


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
