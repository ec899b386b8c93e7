"""The STV count: the domain's worked example stage by stage, ties under both rule sets, and properties
that hold for any papers."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tallyroom.rules.counting import UnresolvedTie
from tallyroom.rules.stv import (
    NON_TRANSFERABLE,
    Paper,
    StageAction,
    StvCount,
    StvRules,
    count_stv,
    differences,
    quota,
)

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

A, B, C, D, E = range(5)
EXAMPLE = [
    Paper(1200, (A, D)),
    Paper(100, (A, E, D)),
    Paper(50, (A, E)),
    Paper(50, (A, C)),
    Paper(100, (A,)),
    Paper(300, (B, E, D)),
    Paper(100, (B, E, C)),
    Paper(200, (B, E)),
    Paper(200, (B, D)),
    Paper(100, (B, C)),
    Paper(200, (B,)),
    Paper(700, (C,)),
    Paper(400, (D,)),
    Paper(200, (E, D)),
    Paper(20, (E, C)),
    Paper(80, (E,)),
]
"""Domain §5.2, worked example 5: 4,000 papers for 3 seats, so a quota of 1,001."""


def figures(result: StvCount, stage: int) -> list[str]:
    found = result.stages[stage - 1]
    return [f"{v.normalize():f}" for v in (*found.totals.values(), found.non_transferable, found.lost)]


def test_the_worked_example_under_the_scottish_rules() -> None:
    """Stage 2: A's surplus of 499 goes on at 499 / 1,500 = 0.33266 a paper (0.332666... truncated):
    D 1,200 × 0.33266 = 399.192, E 150 × 0.33266 = 49.899, C 50 × 0.33266 = 16.633, and 100 papers with
    no next preference, 33.266, are non-transferable; 1,500 × 0.33266 = 498.99, so 0.01 is lost to the
    truncation. Stage 3: B's surplus of 99 at 0.09: E 600 × 0.09 = 54, D 18, C 9, none 18. Stage 4, E is
    excluded with 403.899: its own 300 papers at 1 (D 200, C 20, none 80), A's 150 at 0.33266 (D 100 =
    33.266, none 50 = 16.633) and B's 600 at 0.09 (D 300 = 27, C 100 = 9, none 200 = 18): D reaches
    1,077.458 and is elected."""
    result = count_stv("ABCDE", 3, EXAMPLE)
    assert (result.valid, result.quota, result.elected) == (4000, 1001, ("A", "B", "D"))
    assert [s.action for s in result.stages] == [
        StageAction.FIRST,
        StageAction.SURPLUS,
        StageAction.SURPLUS,
        StageAction.EXCLUSION,
    ]
    assert [(s.subjects, s.transfer_value, s.elected) for s in result.stages] == [
        ((), None, ("A", "B")),
        (("A",), Decimal("0.33266"), ()),
        (("B",), Decimal("0.09000"), ()),
        (("E",), None, ("D",)),
    ]
    assert figures(result, 1) == ["1500", "1100", "700", "400", "300", "0", "0"]
    assert figures(result, 2) == ["1001", "1100", "716.633", "799.192", "349.899", "33.266", "0.01"]
    assert figures(result, 3) == ["1001", "1001", "725.633", "817.192", "403.899", "51.266", "0.01"]
    assert figures(result, 4) == ["1001", "1001", "754.633", "1077.458", "0", "165.899", "0.01"]


def test_the_worked_example_under_the_northern_irish_rules() -> None:
    """Domain §5.3: A's surplus of 499 over the 1,400 papers with a next preference goes on at 0.35
    (0.3564 truncated): D 420, E 52.5, C 17.5, and 499 - 490 = 9 is non-transferable. B's surplus of 99
    could not lift E (352.5) past C (717.5), so it is deferred and E is excluded: D reaches quota."""
    result = count_stv("ABCDE", 3, EXAMPLE, StvRules.NORTHERN_IRELAND)
    assert result.elected == ("A", "B", "D")
    assert result.stages[1].transfer_value == Decimal("0.35")
    assert figures(result, 2) == ["1001", "1100", "717.5", "820", "352.5", "9", "0"]
    assert (result.stages[2].action, result.stages[2].subjects) == (StageAction.EXCLUSION, ("E",))


TIED = [
    Paper(12, (0,)),
    Paper(10, (1,)),
    Paper(3, (2, 1)),
    Paper(2, (2,)),
    Paper(1, (3, 0)),
    Paper(5, (3,)),
    Paper(20, (4,)),
]
"""X 12, Y 10, P 5, Q 6, W 20. P goes (Y 13, X 12), then Q (X 13, Y 13): X and Y tie for exclusion."""


@pytest.mark.parametrize(
    ("rules", "excluded", "stage"),
    [(StvRules.SCOTLAND, "X", "stage 2"), (StvRules.NORTHERN_IRELAND, "Y", "stage 1")],
)
def test_a_tie_looks_back_to_the_most_recent_stage_in_scotland_and_the_earliest_in_ni(
    rules: StvRules, excluded: str, stage: str
) -> None:
    result = count_stv("XYPQW", 1, TIED, rules)
    fourth = result.stages[3]
    assert [s.subjects for s in result.stages[1:4]] == [("P",), ("Q",), (excluded,)]
    assert fourth.tie is not None and (fourth.tie.method, fourth.tie.winners) == (stage, (excluded,))


def test_a_tie_at_every_stage_needs_a_lot() -> None:
    papers = [Paper(10, (0,)), Paper(10, (1,)), Paper(20, (2,))]
    with pytest.raises(UnresolvedTie) as raised:
        count_stv("XYW", 1, papers)
    assert raised.value.between == ("X", "Y")
    result = count_stv("XYW", 1, papers, lot=["Y", "X"])
    assert result.stages[1].subjects == ("Y",)
    assert result.stages[1].tie is not None and result.stages[1].tie.method == "lot"


def test_the_quota() -> None:
    assert [quota(4000, 3), quota(4000, 4), quota(1000, 2), quota(5000, 4)] == [1001, 801, 334, 1001]


@st.composite
def elections(draw: st.DrawFn) -> tuple[str, int, list[Paper]]:
    names = "ABCDEFG"[: draw(st.integers(2, 7))]
    seats = draw(st.integers(1, len(names)))
    rankings = st.permutations(range(len(names))).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda n: tuple(order[:n]))
    )
    papers = draw(st.lists(st.builds(Paper, st.integers(1, 30), rankings), min_size=1, max_size=25))
    return names, seats, papers


@settings(max_examples=150, deadline=None)
@given(elections(), st.sampled_from(StvRules), st.randoms(use_true_random=False))
def test_properties_of_any_count(
    election: tuple[str, int, list[Paper]], rules: StvRules, shuffler: random.Random
) -> None:
    names, seats, papers = election
    result = count_stv(names, seats, papers, rules, lot=names)
    assert len(result.elected) == len(set(result.elected)) == seats
    for stage in result.stages:
        assert sum(stage.totals.values()) + stage.non_transferable + stage.lost == result.valid
        assert min(*stage.totals.values(), stage.non_transferable, stage.lost) >= 0
        assert all(n in result.elected for n, v in stage.totals.items() if v >= result.quota)
    assert result == count_stv(names, seats, papers, rules, lot=names)
    shuffled = list(papers)
    shuffler.shuffle(shuffled)
    assert result == count_stv(names, seats, shuffled, rules, lot=names)


def test_a_published_stage_sheet_is_checked_against_the_count() -> None:
    """Sheets print the figures to fewer places, cut or rounded: 716.633 is 716.63, 349.899 is 349.90."""
    result = count_stv("ABCDE", 3, EXAMPLE)
    sheet = {
        1: {"A": Decimal(1500), "b": Decimal(1100), NON_TRANSFERABLE: Decimal(0)},
        2: {"C": Decimal("716.63"), "E": Decimal("349.90"), "Non-Transferable": Decimal("33.27")},
    }
    assert differences(result, sheet) == []
    sheet[2]["D"] = Decimal("799.91")
    sheet[3] = {"Z": Decimal(1)}
    sheet[5] = {}
    assert differences(result, sheet) == [
        "the sheet has 5 stages, the count 4",
        "stage 2: D 799.91 published, 799.19200 counted",
        "stage 3: 'z' is not a candidate",
    ]


def test_a_council_counts_by_its_nations_rules() -> None:
    """Papers in the log are counted under the rules of the council's nation, told by its GSS code."""
    assert StvRules.of_council("S12000020") is StvRules.SCOTLAND  # Moray
    assert StvRules.of_council("N09000003") is StvRules.NORTHERN_IRELAND  # Belfast
    assert (StvRules.SCOTLAND.places, StvRules.NORTHERN_IRELAND.places) == (5, 2)
