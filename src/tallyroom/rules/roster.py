"""Who holds each seat, rolled forward from one election to the next (§1.3, §1.4, §7.1).

Start from the council's last all-out election: every ward's winners, in finishing order. At each later
election, the seats a poll fills are the ones whose terms end first: the earliest elected, and among
those elected together the lowest placed (an all-out election that restarts a thirds cycle gives the
shortest term to the last winner, §1.3). The councillors a poll replaces are, by construction, what
those seats were won by the last time they were fought; what the poll leaves in place is carried over.
By-elections are left out, as the last-fought baseline leaves them out (§7.1); who holds a seat on the
eve of poll, by-elections and defections included, comes from a councillor roll.

Without an all-out election in the store the roster is partial: it holds the winners of the last few
years only, and a seat falls due only when its holder has served a full four-year term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from tallyroom.rules.counting import PollResult
from tallyroom.rules.model import Poll, PollKind, WardRef
from tallyroom.rules.parties import Party, slug


@dataclass(frozen=True, slots=True)
class Holder:
    """A councillor on the roster, and the poll that elected them (the baseline of their seat).
    `term_from` is when their term counts from: the election, or the year it was due if it was held
    late (see `rules.history`)."""

    party: Party
    name: str
    elected: date
    rank: int
    poll: Poll | None = None
    term_from: date | None = None

    @property
    def term_start(self) -> date:
        return self.term_from or self.elected


@dataclass(frozen=True, slots=True)
class Round:
    """One election of one council: its counted polls, whether every seat was up, and when the terms of
    the seats it filled count from (its own date, unless it was held late)."""

    election_date: date
    results: tuple[PollResult, ...]
    all_out: bool
    term_from: date | None = None


def ward_keys(ward: WardRef) -> tuple[str, ...]:
    """The keys a ward is known by: its GSS code where it has one, and its name."""
    keys = [f"name:{slug(ward.name)}"]
    if ward.code:
        keys.insert(0, f"code:{ward.code}")
    return tuple(keys)


TERM = timedelta(days=4 * 365 - 30)
"""A councillor elected this long before a poll has served a four-year term (polling days drift)."""
PARTIAL_WINDOW = timedelta(days=5 * 365 + 30)
"""How far back a partial roster looks: five years covers seats whose 2020 poll was held in 2021."""


@dataclass
class Roster:
    """The sitting councillors of one council, ward by ward. `seeded` when it starts from an all-out
    election, so that every seat is on it."""

    wards: dict[str, list[Holder]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    seeded: bool = True

    def find(self, ward: WardRef) -> str | None:
        """The roster's key for a ward. A GSS code changes when boundaries do, so a ward with a code is
        found only by its code; names match only where neither side has a code (a ward that kept its
        name on new boundaries is a new ward)."""
        keys = ward_keys(ward)
        if ward.code:
            return keys[0] if keys[0] in self.wards else None
        found = self.aliases.get(keys[-1], keys[-1] if keys[-1] in self.wards else None)
        return None if found is None or found.startswith("code:") else found

    def holders(self) -> list[Holder]:
        return [h for holders in self.wards.values() for h in holders]

    def replaced_by(self, result: PollResult) -> list[Holder] | None:
        """The councillors whose seats this poll fills, or None when the ward is not on the roster."""
        key = self.find(result.poll.ward)
        return None if key is None else self.due(key, result.poll.seats, result.poll.election_date)

    def due(self, key: str, seats: int, on: date, vacancies: bool = False) -> list[Holder]:
        """The `seats` holders in a ward whose terms end first. On a partial roster only holders whose
        four-year terms are over are due; with `vacancies`, a poll with more seats than that also fills
        casual vacancies, taken to be the seats of the next holders in line (who left is not known)."""
        holders = sorted(self.wards[key], key=lambda h: (h.term_start, -h.rank))
        if not self.seeded:
            ended = [h for h in holders if h.term_start <= on - TERM]
            holders = ended + [h for h in holders if h not in ended] if vacancies else ended
        return holders[:seats]

    def vacancies_assumed(self, key: str, seats: int, on: date) -> int:
        """How many seats `due(..., vacancies=True)` takes from holders whose terms had not ended."""
        if self.seeded:
            return 0
        ended = sum(1 for h in self.wards[key] if h.term_start <= on - TERM)
        return max(0, min(seats, len(self.wards[key])) - ended)

    def copy(self) -> Roster:
        return Roster({k: list(v) for k, v in self.wards.items()}, dict(self.aliases), self.seeded)

    def apply(self, result: PollResult, term_from: date | None = None) -> None:
        poll = result.poll
        key = self.find(poll.ward)
        if key is None:
            key = ward_keys(poll.ward)[0]
            self.wards[key] = []
        for other in ward_keys(poll.ward):
            if other != key:
                self.aliases[other] = key
        for holder in self.due(key, poll.seats, poll.election_date):
            self.wards[key].remove(holder)
        self.wards[key].extend(
            Holder(c.party, c.name, poll.election_date, rank, poll, term_from)
            for rank, c in enumerate(result.elected, start=1)
        )


def roll_forward(rounds: Sequence[Round], before: date) -> Roster | None:
    """The roster on the eve of `before`: from the last all-out round before it, else a partial one
    from the rounds of the last five years; None when there are none."""
    earlier = sorted((r for r in rounds if r.election_date < before), key=lambda r: r.election_date)
    starts = [i for i, r in enumerate(earlier) if r.all_out]
    if starts:
        roster, begin = Roster(), starts[-1]
    else:
        recent = [i for i, r in enumerate(earlier) if r.election_date >= before - PARTIAL_WINDOW]
        if not recent:
            return None
        roster, begin = Roster(seeded=False), recent[0]
    for round_ in earlier[begin:]:
        for result in round_.results:
            if result.poll.kind is PollKind.ORDINARY:
                roster.apply(result, round_.term_from)
    return roster
