"""A council's earlier elections, as the store holds them and as the register knows them (§1.3, §1.4).

The rounds are the council's earlier elections in the store, each marked all-out when every seat was up.
A round held a year late (the elections due in May 2020, postponed to May 2021) filled seats whose terms
count from the year it was due, so they are next up a year early. `missing` names the years the register
says the council held an election that the store lacks, where the seats not up tonight depend on them:
with any, rolling earlier results forward would invent those seats, so they are unknown instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tallyroom.rules.control import ControlSettings, Seat, control_of, majority_threshold
from tallyroom.rules.councils import CouncilRegister, Cycle
from tallyroom.rules.counting import count
from tallyroom.rules.model import Poll, PollKind
from tallyroom.rules.roster import Round

POSTPONED = {2021: 2020}
"""Elections due in one year and held in the next: those due on 7 May 2020, held on 6 May 2021 under
the Coronavirus Act 2020 (s. 60). A council electing by thirds or halves in 2021 was filling its 2020
seats, whose terms end in 2024 as if elected in 2020."""

TERM_YEARS = 4
"""A councillor's term (§1.3): seats elected within this many years of a poll are still held."""


@dataclass(frozen=True)
class History:
    rounds: tuple[Round, ...]
    missing: tuple[int, ...]

    def control_after(self, settings: ControlSettings) -> tuple[tuple[date, str], ...]:
        """Who controlled the council after each all-out round, its make-up against its own size then."""
        found = []
        for r in self.rounds:
            if r.all_out:
                seats = [Seat(c.party, c.name, x.poll.ward.name) for x in r.results for c in x.elected]
                size = sum(x.poll.seats for x in r.results)
                found.append((r.election_date, control_of(seats, majority_threshold(size), settings)))
        return tuple(found)


def history(code: str, on: date, polls: Iterable[Poll], register: CouncilRegister) -> History:
    """The council's elections before `on` in the store, read against the register."""
    by_day: dict[date, list[Poll]] = {}
    for poll in polls:
        if poll.election_date < on:
            by_day.setdefault(poll.election_date, []).append(poll)
    rounds = []
    for day, day_polls in sorted(by_day.items()):
        total = register.total_seats(code, day)
        all_out = total is not None and sum(p.seats for p in day_polls) >= total
        due = POSTPONED.get(day.year)
        late = due is not None and not all_out and register.cycle(code, day) in (Cycle.THIRDS, Cycle.HALVES)
        term_from = day.replace(year=due) if late and due is not None else None
        rounds.append(Round(day, tuple(count(p) for p in day_polls), all_out, term_from))
    held = {r.election_date.year for r in rounds if any(x.poll.kind is PollKind.ORDINARY for x in r.results)}
    seeded = max((r.election_date.year for r in rounds if r.all_out), default=None)
    since = max(seeded or 0, on.year - TERM_YEARS)
    missing = tuple(y for y in register.election_years(code) if since < y < on.year and y not in held)
    return History(tuple(rounds), missing)
