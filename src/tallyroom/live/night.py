"""A night's state: every council with its polls declared so far, recomputed after each declaration.

`declare` takes one declaration (a poll's newest revision, from the log) and returns the events it
causes, in order: the declaration itself; a call when the council's outcome has just become certain;
a withdrawn call when a correction unsettles one (a call never silently reverts); the council's
completion; a record of the night when one falls. Each council is recomputed whole: it has at most
about a hundred seats, and the parts that do not change during the night (its earlier results rolled
into a roster, its councillor roll) are prepared once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Engine

from tallyroom import serialise
from tallyroom.live import events
from tallyroom.live.events import Event
from tallyroom.reference import Reference
from tallyroom.results import council_election, load_day
from tallyroom.rules.control import ControlSettings
from tallyroom.rules.counting import PollResult, count
from tallyroom.rules.model import (
    CompositionSnapshot,
    CouncilRef,
    CouncilResult,
    DeclarationStatus,
    ElectionType,
    Poll,
)
from tallyroom.rules.outcome import CouncilElection, CouncilOutcome, WardOutcome, compute
from tallyroom.rules.parties import Party
from tallyroom.rules.progress import of_night
from tallyroom.serialise import council_outcome
from tallyroom.store import queries
from tallyroom.store.log import ballot_id


@dataclass
class CouncilNight:
    """One council through the night."""

    template: CouncilElection
    polls: dict[str, Poll]
    declared: dict[str, PollResult] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)
    called: str | None = None
    complete: bool = False
    outcome: CouncilOutcome | None = None

    def recompute(self) -> CouncilOutcome:
        pending = tuple(p for key, p in self.polls.items() if key not in self.declared)
        self.outcome = compute(replace(self.template, results=tuple(self.declared.values()), pending=pending))
        return self.outcome


@dataclass
class Night:
    """Every council polling on one day, and the events so far."""

    reference: Reference
    election_date: date
    template_for: Callable[[CouncilRef], CouncilElection]
    councils: dict[str, CouncilNight] = field(default_factory=dict)
    seq: int = 0
    closest: int | None = None
    biggest_swing: float | None = None
    parties: dict[str, Party] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        reference: Reference,
        on: date,
        polls: Iterable[Poll],
        earlier: dict[str, list[Poll]],
        snapshots: dict[str, CompositionSnapshot] | None = None,
        control: dict[str, str] | None = None,
        settings: ControlSettings | None = None,
        template_for: Callable[[CouncilRef], CouncilElection] | None = None,
    ) -> Night:
        """A night before any result: the polls to be declared (nominations) for each council. Each
        council's unchanging part (earlier results, roll, control before) comes from the dicts given,
        or from `template_for` when given."""

        def preloaded(council: CouncilRef) -> CouncilElection:
            return council_election(
                reference,
                council,
                on,
                [],
                earlier.get(council.code, []),
                snapshot=(snapshots or {}).get(council.code),
                control_before=(control or {}).get(council.code),
                settings=settings,
            )

        night = cls(reference, on, template_for or preloaded)
        by_council: dict[str, list[Poll]] = {}
        for poll in polls:
            by_council.setdefault(poll.council.code, []).append(poll)
        for _, council_polls in sorted(by_council.items(), key=lambda kv: kv[1][0].council.name):
            night._council(council_polls[0].council, council_polls)
        return night

    def _council(self, council: CouncilRef, polls: Iterable[Poll] = ()) -> CouncilNight:
        """A council joins the night with the polls known for it (none, when results come unannounced)."""
        joined = self.councils[council.code] = CouncilNight(self.template_for(council), {})
        for poll in polls:
            joined.polls[ballot_id(poll)] = poll
            for c in poll.candidacies:
                self.parties.setdefault(c.party.id, c.party)
        joined.recompute()
        return joined

    def declare(self, poll: Poll) -> list[Event]:
        """Take one declaration, a first result or a correction, and return the events it causes.
        Provisional figures and a recount are announced, and leave the poll pending."""
        council = self.councils.get(poll.council.code) or self._council(poll.council)
        if poll.status is not DeclarationStatus.DECLARED:
            named = {"name": poll.ward.name, "code": poll.ward.code}
            return [self._event(poll.status.value, poll.council, {"ward": named})]
        key = ballot_id(poll)
        council.polls[key] = poll
        council.declared[key] = count(poll)
        council.revisions[key] = council.revisions.get(key, 0) + 1
        for c in poll.candidacies:
            self.parties.setdefault(c.party.id, c.party)
        outcome = council.recompute()
        ward = next(w for w in outcome.wards if w.result is council.declared[key])
        found = [
            self._event(
                "declaration", poll.council, events.declaration(ward, outcome, council.revisions[key])
            )
        ]
        found += self._calls(council, outcome)
        if outcome.complete and not council.complete:
            council.complete = True
            found.append(self._event("complete", poll.council, {"outcome_detail": self._detail(outcome)}))
        found += self._records(poll.council, ward)
        return found

    def declare_executive(self, poll: Poll) -> list[Event]:
        """A mayor's or police and crime commissioner's result: counted and announced, apart from the
        councils (it fills no council seat)."""
        result = count(poll)
        body = {
            "ballot": ballot_id(poll),
            "election_type": poll.election_type.value,
            "area": poll.ward.name,
            "elected": [{"candidate": c.name, "party": c.party.name} for c in result.elected],
        }
        return [self._event("executive", poll.council, body)]

    def holds(self, poll: Poll) -> bool:
        """Whether this declaration is already the poll's current one tonight."""
        council = self.councils.get(poll.council.code)
        current = council.declared.get(ballot_id(poll)) if council else None
        return current is not None and current.poll == poll

    def declare_council(self, result: CouncilResult) -> list[Event]:
        """A council's result as a news agency sends it, seats per party: it settles the council whole."""
        council = self.councils.get(result.council.code) or self._council(result.council)
        council.template = replace(council.template, council_result=result, total_seats=result.total_seats)
        council.declared.clear()
        for party in result.seats_after:
            self.parties.setdefault(party.id, party)
        outcome = council.recompute()
        body = {"won": serialise.seats(outcome.won), "composition": serialise.seats(outcome.composition)}
        found = [self._event("council_result", result.council, body), *self._calls(council, outcome)]
        if not council.complete:
            council.complete = True
            found.append(self._event("complete", result.council, {"outcome_detail": self._detail(outcome)}))
        return found

    def _calls(self, council: CouncilNight, outcome: CouncilOutcome) -> list[Event]:
        now = outcome.control_after if outcome.decided else None
        found = []
        if council.called is not None and now != council.called:
            found.append(
                self._event(
                    "call_withdrawn", outcome.council, events.withdrawn(council.called, outcome, self.parties)
                )
            )
            council.called = None
        if now is not None and council.called is None:
            council.called = now
            found.append(self._event("call", outcome.council, events.call(outcome, self.parties)))
        return found

    def _records(self, council: CouncilRef, ward: WardOutcome) -> list[Event]:
        """Records of the night as they fall: the closest result, the biggest swing."""
        result, found = ward.result, []
        named = {"name": result.poll.ward.name, "code": result.poll.ward.code}
        if (
            result.contested
            and result.majority is not None
            and (self.closest is None or result.majority < self.closest)
        ):
            self.closest = result.majority
            body = {"record": "closest-result", "ward": named, "majority": result.majority}
            found.append(self._event("record", council, body))
        swing = ward.swing
        if swing is not None and (self.biggest_swing is None or abs(swing.points) > abs(self.biggest_swing)):
            self.biggest_swing = swing.points
            body = {
                "record": "biggest-swing",
                "ward": named,
                "swing": {"to": swing.to.name, "from": swing.away.name, "points": round(swing.points, 1)},
            }
            found.append(self._event("record", council, body))
        return found

    def _detail(self, outcome: CouncilOutcome) -> dict[str, object]:
        return council_outcome(outcome, self.reference.parties.get)

    def _event(self, kind: str, council: CouncilRef, body: dict[str, Any]) -> Event:
        self.seq += 1
        return Event(self.seq, kind, council, body)

    def settled_before_results(self) -> list[Event]:
        """Calls for councils whose seats not up already decide control: they cannot change hands
        tonight (§6.6), and are called before any result."""
        found = []
        for council in self.councils.values():
            if not council.declared and council.outcome is not None and council.outcome.decided:
                found += self._calls(council, council.outcome)
        return found

    def rehearse(self) -> list[Event]:
        """Every council at zero, before any result, as newsrooms rehearse their pages and feeds."""
        return [
            self._event(
                "rehearsal",
                council.template.council,
                {
                    "progress": {
                        "seats_declared": 0,
                        "seats_up": sum(p.seats for p in council.polls.values()),
                    },
                    "won": {},
                },
            )
            for council in self.councils.values()
        ]

    def progress(self) -> dict[str, Any]:
        """The night so far, for each region and in all (see `rules.progress`)."""
        councils = self.reference.councils
        return of_night(self.outcomes(), lambda code: c.region if (c := councils.get(code)) else "")

    def outcomes(self) -> list[CouncilOutcome]:
        return [c.outcome for c in self.councils.values() if c.outcome is not None]


def open_night(
    engine: Engine, reference: Reference, on: date, settings: ControlSettings | None = None
) -> Night:
    """A night for a day: the polls the log holds for it (nominations, or results already in) to be
    declared, and any other council joining as its first result arrives, with its earlier results,
    councillor roll and control record read from the log then."""
    day = load_day(engine, reference, on)

    def from_log(council: CouncilRef) -> CouncilElection:
        earlier = queries.load_polls(engine, reference.parties, before=on, councils={council.code})
        return council_election(
            reference,
            council,
            on,
            [],
            [p for p in earlier if p.election_type is ElectionType.LOCAL],
            snapshot=day.snapshots.get(council.code),
            control_before=day.control.get(council.code),
            settings=settings,
        )

    polls = [p for ps in day.council_polls.values() for p in ps]
    return Night.open(reference, on, polls, {}, template_for=from_log)
