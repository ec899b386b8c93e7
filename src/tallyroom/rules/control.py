"""Threshold, control, outcome and the early call (domain §6).

Seats are counted per control group: a party, or one independent councillor on their own (§6.3).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from tallyroom.rules.parties import NOC, Party


class Outcome(StrEnum):
    HOLD = "HOLD"
    GAIN = "GAIN"
    LOSS_TO_NOC = "LOSS_TO_NOC"
    NOC_HOLD = "NOC_HOLD"
    NEW = "NEW"


class Seat(NamedTuple):
    """A seat on the council and who holds it. `holder` tells independents apart; it may be blank
    where a source gives only totals, and then `ward` carries a number that keeps seats distinct.
    (Seats and control groups are named tuples, as candidacies are: a night recomputing a council
    after each declaration makes and counts some hundred thousand of them.)"""

    party: Party
    holder: str
    ward: str


class ThresholdBasis(StrEnum):
    """What a majority is of (§6.2): the council's full size, the usual published figure, or the seats
    filled, vacancies left out (a "working majority")."""

    TOTAL_SEATS = "total_seats"
    FILLED_SEATS = "filled_seats"


@dataclass(frozen=True, slots=True)
class ControlSettings:
    """Conventions a newsroom may choose (§6.2, §6.3): whether independents together can control a
    council, and what a majority is of."""

    independents_can_control: bool = False
    threshold_basis: ThresholdBasis = ThresholdBasis.TOTAL_SEATS


def majority_threshold(total_seats: int) -> int:
    """Seats needed for a majority: more than half the council (§6.1)."""
    return total_seats // 2 + 1


class ControlGroup(NamedTuple):
    """Who counts together for control (§6.3): a party (`holder` and `ward` blank), or one independent
    councillor on their own, unless the settings let independents count together."""

    party: str
    holder: str = ""
    ward: str = ""


def alone(party: Party, settings: ControlSettings) -> bool:
    """Whether each of a party's councillors counts on their own for control: an independent does,
    unless the settings let independents count together."""
    return party.independent and not settings.independents_can_control


def group_of(seat: Seat, settings: ControlSettings) -> ControlGroup:
    if alone(seat.party, settings):
        return ControlGroup(seat.party.id, seat.holder, seat.ward)
    return ControlGroup(seat.party.id)


def groups(seats: Iterable[Seat], settings: ControlSettings) -> Counter[ControlGroup]:
    """Seats counted by control group. Most seats count with their party, and are counted by its id;
    a group is made for each party once."""
    found: Counter[ControlGroup] = Counter()
    by_party: Counter[str] = Counter()
    for seat in seats:
        if alone(seat.party, settings):
            found[group_of(seat, settings)] += 1
        else:
            by_party[seat.party.id] += 1
    found.update({ControlGroup(party): held for party, held in by_party.items()})
    return found


def control_of(seats: Iterable[Seat], threshold: int, settings: ControlSettings) -> str:
    """The party id that holds at least `threshold` seats, or NOC."""
    for group, held in groups(seats, settings).most_common(1):
        if held >= threshold:
            return group.party
    return NOC


def outcome(before: str | None, after: str | None, new_council: bool = False) -> Outcome | None:
    """Control before against control after (§6.4); None while either is unknown."""
    if after is None:
        return None
    if new_council:
        return Outcome.NEW
    if before is None:
        return None
    if before == after:
        return Outcome.NOC_HOLD if after == NOC else Outcome.HOLD
    return Outcome.LOSS_TO_NOC if after == NOC else Outcome.GAIN


def call(
    declared: Counter[ControlGroup],
    possible: Mapping[ControlGroup, int] | None,
    remaining: int,
    threshold: int,
) -> str | None:
    """Control as soon as it is certain (§6.5), or None while undecided.

    `declared` holds each group's seats so far (carry-over included); `possible` the most seats each
    group can still win among the `remaining` undeclared seats (its candidates standing, capped by the
    seats in each ward). Without `possible` every group, seen or not, is taken to be able to win them all.
    """
    for group, held in declared.items():
        if held >= threshold:
            return group.party
    if possible is None:
        best = max(declared.values(), default=0) + remaining
    else:
        best = max(
            (declared.get(g, 0) + min(remaining, possible.get(g, 0)) for g in set(declared) | set(possible)),
            default=0,
        )
    return NOC if best < threshold else None
