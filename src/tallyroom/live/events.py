"""The events a night produces, in order, and their JSON form (contract §2.1).

Every event has `seq`, `type` and `council`. Consumers ignore types they do not know, so new kinds of
event can be added without breaking anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from tallyroom.rules.counting import PollResult
from tallyroom.rules.model import CouncilRef, Poll, PollKind
from tallyroom.rules.outcome import CouncilOutcome, WardOutcome
from tallyroom.rules.parties import NOC, Party


class EventType(StrEnum):
    DECLARATION = "declaration"
    """A poll's result, or a correction of it (contract §2.1)."""
    CALL = "call"
    """A council's outcome became certain."""
    CALL_WITHDRAWN = "call_withdrawn"
    """A correction, a provisional figure or a recount unsettled a call."""
    COMPLETE = "complete"
    """The council's last seat to be declared tonight was declared."""
    COUNCIL_RESULT = "council_result"
    """A council's result in seats per party (a news agency's)."""
    PROVISIONAL = "provisional"
    """Figures shown to the candidates before a declaration: the poll stays open."""
    RECOUNT = "recount"
    """A recount was called: the poll stays open."""
    POSTPONED = "postponed"
    """A poll countermanded or cancelled: its seats are not declared tonight."""
    RECORD = "record"
    """A record of the night so far: the closest result, the biggest swing."""
    EXECUTIVE = "executive"
    """A mayor or police and crime commissioner elected."""
    REHEARSAL = "rehearsal"
    """A council at zero, before any result (a replay's rehearsal)."""
    STAGE = "stage"
    """A stage of an STV ward's count, announced before its declaration (contract §6)."""


@dataclass(frozen=True)
class Event:
    """One event of a night. `at` is when the log took what caused it (None for a replay's events,
    which the replay times itself)."""

    seq: int
    type: EventType
    council: CouncilRef
    body: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None

    def json(self) -> dict[str, Any]:
        return {"seq": self.seq, "type": self.type, "council": _council(self.council), **self.body}


def _council(council: CouncilRef) -> dict[str, str]:
    return {"name": council.name, "code": council.code}


def _party_name(control: str | None, parties: dict[str, Party]) -> str | None:
    if control is None or control == NOC:
        return control
    party = parties.get(control)
    return party.name if party else control


def ward(poll: Poll) -> dict[str, str]:
    """A poll's ward, and its kind when it is a by-election (a poll of its own beside any other there)."""
    named = {"name": poll.ward.name, "code": poll.ward.code}
    return named | {"kind": poll.kind.value} if poll.kind is PollKind.BY_ELECTION else named


def progress(outcome: CouncilOutcome) -> dict[str, int]:
    return {"seats_declared": outcome.seats_declared, "seats_up": outcome.seats_up}


def declaration(found: WardOutcome, outcome: CouncilOutcome, revision: int, replaces: bool) -> dict[str, Any]:
    """A ward's result: `revision` is its declaration's in the log (a card's row counts as one), and
    `replaces` says whether it corrects a result declared before."""
    result: PollResult = found.result
    body: dict[str, Any] = {
        "ward": ward(result.poll),
        "elected": [{"candidate": c.name, "party": c.party.name} for c in result.elected],
        "progress": progress(outcome),
        "revision": revision,
        "replaces": replaces,
        "majority": result.majority,
    }
    if found.swing is not None:
        body["swing"] = {
            "to": found.swing.to.name,
            "from": found.swing.away.name,
            "points": round(found.swing.points, 1),
        }
    if found.change is not None:
        body["holds"] = [p.name for p in found.change.holds]
        body["gains"] = [
            {"party": g.party.name, "from": g.from_party.name if g.from_party else None}
            for g in found.change.gains
        ]
    return body


def counting(poll: Poll, outcome: CouncilOutcome) -> dict[str, Any]:
    """Provisional figures or a recount: the ward, its figures as shown, and the council's progress."""
    return {
        "ward": ward(poll),
        "candidates": [
            {"candidate": c.name, "party": c.party.name, "votes": c.votes} for c in poll.candidacies
        ],
        "progress": progress(outcome),
    }


def call(outcome: CouncilOutcome, parties: dict[str, Party]) -> dict[str, Any]:
    control = outcome.control_after
    held = 0
    if control is not None and control != NOC and outcome.composition is not None:
        held = sum(n for p, n in outcome.composition.items() if p.id == control)
    return {
        "control": _party_name(control, parties),
        "outcome": outcome.outcome.value if outcome.outcome else None,
        "seats": held,
        "cannot_change_hands": outcome.settled_by_seats_not_up,
    }


def withdrawn(previous: str, outcome: CouncilOutcome, parties: dict[str, Party]) -> dict[str, Any]:
    return {
        "control": _party_name(previous, parties),
        "reason": "a corrected result changed the call",
        "progress": progress(outcome),
    }
