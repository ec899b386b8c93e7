"""Early calls on real results (domain §6.5): declared one ward at a time, each council is called at
exactly the declaration that makes its outcome certain, never before and never later."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine

from tallyroom.importers.base import Context
from tallyroom.loading import demo_format, load_file
from tallyroom.reference import Reference
from tallyroom.results import council_election
from tallyroom.rules.model import Poll
from tallyroom.rules.outcome import CouncilOutcome, compute
from tallyroom.rules.parties import NOC
from tallyroom.store import queries
from tallyroom.store.database import connect
from tests.conftest import DEMO, store_url


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[Engine]:
    engine = connect(store_url(tmp_path_factory.mktemp("calls") / "calls.db"))
    for path in sorted(DEMO.glob("*.csv")):
        load_file(engine, demo_format(path.name), path, Context(ref))
    yield engine
    engine.dispose()


def night(engine: Engine, ref: Reference, name: str, on: date) -> list[CouncilOutcome]:
    """The council's outcome after each declaration, wards declared in alphabetical order."""
    polls = sorted(
        (p for p in queries.load_polls(engine, ref.parties, on=on) if p.council.name == name),
        key=lambda p: p.ward.name,
    )
    earlier = queries.load_polls(engine, ref.parties, before=on, councils={polls[0].council.code})
    return [
        compute(council_election(ref, polls[0].council, on, polls[:k], earlier, pending=tuple(polls[k:])))
        for k in range(len(polls) + 1)
    ]


def seats_of(outcome: CouncilOutcome, party_id: str) -> int:
    return sum(n for p, n in (outcome.composition or {}).items() if p.id == party_id)


def test_nottinghamshire_is_called_at_the_34th_conservative_seat(store: Engine, ref: Reference) -> None:
    states = night(store, ref, "Nottinghamshire", date(2021, 5, 6))
    reaches = next(k for k, s in enumerate(states) if seats_of(s, "conservative") >= 34)
    assert 0 < reaches < len(states) - 1  # decided before the last seat is in
    assert [s.decided for s in states] == [k >= reaches for k in range(len(states))]
    called = states[reaches]
    assert (called.control_after, called.outcome) == ("conservative", "GAIN")
    assert all(s.control_after == "conservative" for s in states[reaches:])


def winnable(poll: Poll) -> Counter[str]:
    """The most seats each side could take in a poll still to declare: each independent is a side."""
    sides = Counter(c.party.id if not c.party.independent else f"ind:{c.name}" for c in poll.candidacies)
    return Counter({side: min(n, poll.seats) for side, n in sides.items()})


@pytest.mark.parametrize(
    ("council", "threshold", "early"),
    [("Bolsover", 19, False), ("Mansfield", 19, True), ("Broxtowe", 23, True)],
)
def test_no_overall_control_is_called_once_nobody_can_reach_the_threshold(
    store: Engine, ref: Reference, council: str, threshold: int, early: bool
) -> None:
    on = date(2019, 5, 2)
    polls = sorted(
        (p for p in queries.load_polls(store, ref.parties, on=on) if p.council.name == council),
        key=lambda p: p.ward.name,
    )
    states = night(store, ref, council, on)
    assert states[-1].control_after == NOC and states[-1].majority_threshold == threshold

    def certain(k: int) -> bool:
        declared = Counter(
            c.party.id if not c.party.independent else f"ind:{c.name}"
            for s in states[k].wards
            for c in s.result.elected
        )
        still = sum((winnable(p) for p in polls[k:]), Counter())
        return all(declared[side] + still[side] < threshold for side in set(declared) | set(still))

    first = next(k for k in range(len(states)) if certain(k))
    assert (first < len(states) - 1) == early  # called before the last ward is in, where it could be
    assert [s.decided for s in states] == [k >= first for k in range(len(states))]
    assert all(s.control_after == NOC for s in states[first:])
