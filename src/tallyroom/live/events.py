"""The events a night produces, in order, and their JSON form (contract §2.1).

Every event has `seq`, `type` and `council`. Consumers ignore types they do not know, so new kinds of
event can be added without breaking anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tallyroom.rules.counting import PollResult
from tallyroom.rules.model import CouncilRef
from tallyroom.rules.outcome import CouncilOutcome, WardOutcome
from tallyroom.rules.parties import NOC, Party


@dataclass(frozen=True)
class Event:
    """One event of a night. `at` is when the log took what caused it (None for a replay's events,
    which the replay times itself)."""

    seq: int
    type: str
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


def declaration(ward: WardOutcome, outcome: CouncilOutcome, revision: int) -> dict[str, Any]:
    result: PollResult = ward.result
    body: dict[str, Any] = {
        "ward": {"name": result.poll.ward.name, "code": result.poll.ward.code},
        "elected": [{"candidate": c.name, "party": c.party.name} for c in result.elected],
        "progress": {"seats_declared": outcome.seats_declared, "seats_up": outcome.seats_up},
        "revision": revision,
        "majority": result.majority,
    }
    if ward.swing is not None:
        body["swing"] = {
            "to": ward.swing.to.name,
            "from": ward.swing.away.name,
            "points": round(ward.swing.points, 1),
        }
    if ward.change is not None:
        body["holds"] = [p.name for p in ward.change.holds]
        body["gains"] = [
            {"party": g.party.name, "from": g.from_party.name if g.from_party else None}
            for g in ward.change.gains
        ]
    return body


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
        "progress": {"seats_declared": outcome.seats_declared, "seats_up": outcome.seats_up},
    }
