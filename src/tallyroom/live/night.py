"""A night's state: every council with its polls declared so far, recomputed after each declaration.

`declare` takes one declaration (a poll's newest revision, from the log) and returns the events it
causes, in order: the declaration itself; a call when the council's outcome has just become certain;
a withdrawn call when a correction unsettles one (a call never silently reverts); the council's
completion; a record of the night when one falls. Each council is recomputed whole: it has at most
about a hundred seats, and the parts that do not change during the night (its earlier results rolled
into a roster, its councillor roll) are prepared once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from tallyroom.live import events
from tallyroom.live.events import Event
from tallyroom.reference import Reference
from tallyroom.results import council_election
from tallyroom.rules.control import ControlSettings
from tallyroom.rules.counting import PollResult, count
from tallyroom.rules.model import CompositionSnapshot, CouncilRef, DeclarationStatus, Poll
from tallyroom.rules.outcome import CouncilElection, CouncilOutcome, compute
from tallyroom.rules.parties import Party
from tallyroom.rules.progress import of_night
from tallyroom.serialise import council_outcome
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
    councils: dict[str, CouncilNight] = field(default_factory=dict)
    seq: int = 0
    closest: int | None = None
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
    ) -> Night:
        """A night before any result: the polls to be declared (nominations) for each council."""
        night = cls(reference, on)
        by_council: dict[str, list[Poll]] = {}
        refs: dict[str, CouncilRef] = {}
        for poll in polls:
            by_council.setdefault(poll.council.code, []).append(poll)
            refs[poll.council.code] = poll.council
            for c in poll.candidacies:
                night.parties.setdefault(c.party.id, c.party)
        for code, council_polls in sorted(by_council.items(), key=lambda kv: refs[kv[0]].name):
            template = council_election(
                reference,
                refs[code],
                on,
                [],
                earlier.get(code, []),
                snapshot=(snapshots or {}).get(code),
                control_before=(control or {}).get(code),
                settings=settings,
            )
            night.councils[code] = CouncilNight(template, {ballot_id(p): p for p in council_polls})
        for council in night.councils.values():
            council.recompute()
        return night

    def declare(self, poll: Poll) -> list[Event]:
        """Take one declaration, a first result or a correction, and return the events it causes.
        Provisional figures and a recount are announced, and leave the poll pending."""
        council = self.councils.get(poll.council.code)
        if council is None:
            raise KeyError(f"{poll.council.name} has no election on {self.election_date}")
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
        found += self._records(poll.council, ward.result)
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

    def _records(self, council: CouncilRef, result: PollResult) -> list[Event]:
        if result.majority is None or not result.contested:
            return []
        if self.closest is not None and result.majority >= self.closest:
            return []
        self.closest = result.majority
        body = {
            "record": "closest-result",
            "ward": {"name": result.poll.ward.name, "code": result.poll.ward.code},
            "majority": result.majority,
        }
        return [self._event("record", council, body)]

    def _detail(self, outcome: CouncilOutcome) -> dict[str, object]:
        return council_outcome(outcome, self.reference.parties.get)

    def _event(self, kind: str, council: CouncilRef, body: dict[str, object]) -> Event:
        self.seq += 1
        return Event(self.seq, kind, council, body)

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
