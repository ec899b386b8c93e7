"""Seat changes against a baseline, always labelled with it (§7).

Ward by ward, the parties that win now are compared as a multiset with the parties that won the same
seats in the baseline: holds are the overlap, the rest are gains and losses (§7.2). A council's net
change is the sum over the wards that can be compared, which equals seats won minus baseline seats
over those wards. Wards with no baseline are left out and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tallyroom.rules.parties import Party


class Baseline(StrEnum):
    LAST_FOUGHT = "last-fought"
    EVE_OF_POLL = "eve-of-poll"
    NOTIONAL = "notional"


@dataclass(frozen=True, slots=True)
class Gain:
    party: Party
    from_party: Party | None


@dataclass(frozen=True, slots=True)
class WardChange:
    """Holds, gains and losses in one ward. `indicative` is set when gains could pair with losses in
    more than one way and the order chosen (largest loser first) is only one of them."""

    holds: tuple[Party, ...]
    gains: tuple[Gain, ...]
    losses: tuple[Party, ...]
    indicative: bool


@dataclass(frozen=True, slots=True)
class Change:
    baseline: Baseline
    baseline_date: date | None
    seats: dict[Party, int]
    seats_compared: int
    seats_not_compared: int


def ward_change(now: Sequence[Party], before: Sequence[Party]) -> WardChange:
    by_id = {p.id: p for p in (*now, *before)}
    won, held = Counter(p.id for p in now), Counter(p.id for p in before)
    holds = won & held
    gains, losses = won - holds, held - holds
    losers = [pid for pid, n in sorted(losses.items(), key=lambda kv: (-kv[1], kv[0])) for _ in range(n)]
    paired: list[Gain] = []
    for pid in sorted(gains.elements()):
        paired.append(Gain(by_id[pid], by_id[losers.pop(0)] if losers else None))
    indicative = len(gains) > 1 and len(losses) > 1
    return WardChange(
        holds=tuple(by_id[pid] for pid in sorted(holds.elements())),
        gains=tuple(paired),
        losses=tuple(by_id[pid] for pid in sorted(losses.elements())),
        indicative=indicative,
    )


def net_change(pairs: Iterable[tuple[Sequence[Party], Sequence[Party]]]) -> dict[Party, int]:
    """Seats won minus baseline seats, summed over the compared (now, before) pairs; parties in order of
    seats won now, then of seats held before."""
    by_id: dict[str, Party] = {}
    won: Counter[str] = Counter()
    held: Counter[str] = Counter()
    for now, before in pairs:
        for party in now:
            by_id[party.id] = party
            won[party.id] += 1
        for party in before:
            by_id[party.id] = party
            held[party.id] += 1
    order = sorted(by_id, key=lambda pid: (-won[pid], -held[pid], by_id[pid].name))
    return {by_id[pid]: won[pid] - held[pid] for pid in order}


def most_common_date(dates: Iterable[date]) -> date | None:
    counted = Counter(dates).most_common()
    if not counted:
        return None
    top = counted[0][1]
    return min(d for d, n in counted if n == top)
