"""Threshold, control, outcome and the early call (domain §6)."""

from __future__ import annotations

from collections import Counter

import pytest

from tallyroom.reference import Reference
from tallyroom.rules.control import (
    ControlSettings,
    Outcome,
    Seat,
    call,
    control_of,
    groups,
    majority_threshold,
    outcome,
)
from tallyroom.rules.parties import NOC

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file


@pytest.mark.parametrize(
    ("seats", "needed"),
    [(33, 17), (44, 23), (45, 23), (51, 26), (55, 28), (60, 31), (64, 33), (66, 34), (85, 43)],
)
def test_threshold_table(seats: int, needed: int) -> None:
    assert majority_threshold(seats) == needed


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("labour", "labour", Outcome.HOLD),
        ("labour", "conservative", Outcome.GAIN),
        (NOC, "conservative", Outcome.GAIN),
        ("labour", NOC, Outcome.LOSS_TO_NOC),
        (NOC, NOC, Outcome.NOC_HOLD),
        (None, "labour", None),
        ("labour", None, None),
    ],
)
def test_outcome_table(before: str | None, after: str | None, expected: Outcome | None) -> None:
    assert outcome(before, after) == expected


def test_new_council(ref: Reference) -> None:
    assert outcome(None, NOC, new_council=True) is Outcome.NEW


def seats(ref: Reference, **held: int) -> list[Seat]:
    return [
        Seat(ref.parties.resolve(label), f"{label} {i}", "w") for label, n in held.items() for i in range(n)
    ]


def test_independents_never_control_together_unless_set(ref: Reference) -> None:
    council = seats(ref, Ind=6, Lab=4)
    assert control_of(council, 6, ControlSettings()) == NOC
    assert control_of(council, 6, ControlSettings(independents_can_control=True)) == "independent"


def test_lincoln_2023_call_comes_at_labours_fifth_seat(ref: Reference) -> None:
    # domain §6.5 with Lincoln 2023's carry-over: T 17; Lab 12, Con 8, LD 2 not up; 11 seats up.
    carry = seats(ref, Lab=12, Con=8, LD=2)
    settings = ControlSettings()
    for declared_lab in range(5):
        tally = groups([*carry, *seats(ref, Lab=declared_lab)], settings)
        assert call(tally, None, 11 - declared_lab, 17) is None
    tally = groups([*carry, *seats(ref, Lab=5)], settings)
    assert call(tally, None, 6, 17) == "labour"


def test_noc_is_called_once_nobody_can_reach_the_threshold(ref: Reference) -> None:
    carry = seats(ref, Lab=12, Con=8, LD=2)
    settings = ControlSettings()
    # six seats to others: Labour could still take the last five.
    tally = groups([*carry, *seats(ref, Con=3, LD=3)], settings)
    assert call(tally, None, 5, 17) is None
    # seven to others: Labour 12 + 4 left < 17, Con 11 + 4 < 17.
    tally = groups([*carry, *seats(ref, Con=3, LD=4)], settings)
    assert call(tally, None, 4, 17) == NOC


def test_noc_call_uses_candidates_standing_when_known(ref: Reference) -> None:
    tally: Counter[str] = Counter({"labour": 14, "conservative": 10})
    # 4 seats left and Labour stands in only two of them: 14 + 2 < 17, so NOC is certain now.
    assert call(tally, {"labour": 2, "conservative": 4}, 4, 17) == NOC
    assert call(tally, None, 4, 17) is None
