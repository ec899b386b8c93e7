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

from tallyroom.rules.model import Poll
from tallyroom.rules.parties import Party
from tallyroom.rules.shares import butler_swing, top_vote_shares


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


@dataclass(frozen=True, slots=True)
class Swing:
    """The swing between the first two parties of a ward now, against the poll its seats were last
    fought in, by the top-vote method; always stated as a positive swing `away` -> `to`. There is none
    where either of them did not stand in that poll (§8.1): it would be a party's whole share."""

    to: Party
    away: Party
    points: float


def ward_swing(now: Poll, before: Poll) -> Swing | None:
    shares_now, shares_before = top_vote_shares(now), top_vote_shares(before)
    if not shares_now or not shares_before:
        return None
    parties = {c.party.id: c.party for c in (*now.candidacies, *before.candidacies)}
    ranked = [key for key in sorted(shares_now, key=lambda k: -shares_now[k]) if "#" not in key]
    if len(ranked) < 2:
        return None
    first, second = ranked[0], ranked[1]
    if first not in shares_before or second not in shares_before:
        return None
    points = butler_swing(shares_now, shares_before, first, second)
    if points < 0:  # said the way it went
        first, second, points = second, first, -points
    return Swing(parties[first], parties[second], points)
