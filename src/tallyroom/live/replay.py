"""Replaying a real night from the log, declaration by declaration, with a count-night timing.

The log holds results, not the times they were declared, so the timing is a model (domain §11.2),
deterministic for a given seed: about a third of councils count overnight, starting between 23:30 and
02:30, the rest the next day from 10:00 to 14:00; within a council, wards declare one after another a
few minutes apart. Every declaration goes through the same recompute as a live one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import sleep
from typing import Any, TypeVar

from sqlalchemy import Engine

from tallyroom.live.events import Event
from tallyroom.live.night import Night
from tallyroom.reference import Reference
from tallyroom.results import Day, load_day
from tallyroom.rules.control import ControlSettings
from tallyroom.rules.model import Poll
from tallyroom.rules.stv import StvCount
from tallyroom.store import queries

OVERNIGHT_SHARE = 0.35
EXECUTIVE_COUNTS = time(14, 30)
"""When mayors' and police and crime commissioners' counts begin, the day after the poll (domain §11.2:
Derbyshire's PCC count in 2024); each declares one to four hours later."""
T = TypeVar("T")


@dataclass(frozen=True)
class Timed:
    at: datetime
    event: Event

    def json(self) -> dict[str, Any]:
        return {**self.event.json(), "at": self.at.isoformat()}


def schedule(
    polls: dict[str, list[Poll]], on: date, seed: int, executive: Iterable[Poll] = ()
) -> list[tuple[datetime, Poll]]:
    """When each poll declares, councils taken in name order so the seed alone decides; then the
    mayors and commissioners, each declared on the afternoon after the poll."""
    rng = random.Random(seed)
    timeline = []
    for code in sorted(polls, key=lambda c: (polls[c][0].council.name, c)):
        if rng.random() < OVERNIGHT_SHARE:
            start = datetime.combine(on, time(23, 30)) + timedelta(minutes=rng.randint(0, 180))
        else:
            start = datetime.combine(on + timedelta(days=1), time(10, 0)) + timedelta(
                minutes=rng.randint(0, 240)
            )
        at = start + timedelta(minutes=rng.randint(30, 90))  # verification before the first result
        for poll in sorted(polls[code], key=lambda p: (rng.random(), p.ward.name)):
            timeline.append((at, poll))
            at += timedelta(seconds=rng.randint(30, 300))
    for poll in sorted(executive, key=lambda p: (p.council.name, p.ward.name, p.election_type.value)):
        at = datetime.combine(on + timedelta(days=1), EXECUTIVE_COUNTS)
        timeline.append((at + timedelta(minutes=rng.randint(60, 240)), poll))
    timeline.sort(key=lambda item: (item[0], item[1].council.name, item[1].ward.name))
    return timeline


def paced(timeline: Iterable[tuple[datetime, T]], speed: float) -> Iterator[tuple[datetime, T]]:
    """Each item of a timeline when its time comes, `speed` times faster than real time (0: at once)."""
    clock: datetime | None = None
    for at, item in timeline:
        if speed and clock is not None:
            sleep(max(0.0, (at - clock).total_seconds() / speed))
        clock = at
        yield at, item


def opening(
    engine: Engine, reference: Reference, on: date, settings: ControlSettings | None = None
) -> tuple[Night, Day]:
    """A night to replay a day on: every poll the log holds for it known and none declared. Whatever
    the log gains after this (a desk's entry during a replay) comes to the night by `night.follow`."""
    position = queries.log_position(engine)
    day = load_day(engine, reference, on)
    polls = [p for council in (*day.council_polls.values(), *day.open_polls.values()) for p in council]
    night = Night.open(reference, on, polls, day.earlier, day.snapshots, day.control, settings, day.eves)
    night.position = position
    return night, day


def replay(
    engine: Engine,
    reference: Reference,
    on: date,
    seed: int = 0,
    rehearsal: bool = False,
    settings: ControlSettings | None = None,
) -> Iterator[Timed]:
    """The night's events in order, each stamped with its time on the modelled night."""
    night, day = opening(engine, reference, on, settings)
    timeline = schedule(day.council_polls, on, seed, day.executive)
    doors = timeline[0][0] - timedelta(minutes=30) if timeline else datetime.combine(on, time(22))
    for event in [*(night.rehearse() if rehearsal else []), *night.settled_before_results()]:
        yield Timed(doors, event)
    counted = stv_counts(engine, on)
    for at, poll in timeline:
        for event in night.declare_counted(poll, counted(poll)):
            yield Timed(at, event)


def stv_counts(engine: Engine, on: date) -> Callable[[Poll], StvCount | None]:
    """Each poll's STV count from the papers the log holds (None: not counted by STV), a council's
    wards counted together when the first of them is asked for."""
    counts: dict[str, dict[tuple[str, str], StvCount]] = {}

    def counted(poll: Poll) -> StvCount | None:
        if poll.council.code not in counts:
            counts[poll.council.code] = queries.stv_counts(engine, poll.council.code, on)
        return counts[poll.council.code].get((poll.ward.code or poll.ward.name, poll.kind.value))

    return counted
