"""The JSON shapes of the outside contract (contract §2): council outcomes keyed by display names."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tallyroom.copy.headlines import headline, newsworthiness
from tallyroom.rules.change import Change
from tallyroom.rules.counting import PollResult
from tallyroom.rules.outcome import CouncilOutcome, WardOutcome
from tallyroom.rules.parties import NOC, Party
from tallyroom.rules.prospects import Prospect, Watch
from tallyroom.rules.stv import Stage, StageAction, StvCount

PartyLookup = Callable[[str], Party]


def seats(by_party: Mapping[Party, int] | None) -> dict[str, int] | None:
    if by_party is None:
        return None
    merged: dict[str, int] = {}
    for party, n in sorted(by_party.items(), key=lambda kv: (-kv[1], kv[0].name)):
        merged[party.name] = merged.get(party.name, 0) + n
    return merged


def control_name(control: str | None, party: PartyLookup) -> str | None:
    if control is None or control == NOC:
        return control
    return party(control).name


def change(found: Change | None) -> dict[str, Any]:
    if found is None:
        return {"baseline": None, "baseline_date": None, "seats": {}}
    return {
        "baseline": found.baseline.value,
        "baseline_date": found.baseline_date.isoformat() if found.baseline_date else None,
        "seats": seats(found.seats),
        "seats_compared": found.seats_compared,
        "seats_not_compared": found.seats_not_compared,
    }


def council_outcome(
    outcome: CouncilOutcome,
    party: PartyLookup,
    wards: bool = False,
    stv: Mapping[tuple[str, str], StvCount] | None = None,
) -> dict[str, Any]:
    """A council outcome as contract §2 gives it, plus fields of our own after the contract's; with
    `stv` (`store.queries.stv_counts`), each STV ward's count stage by stage (contract §6)."""
    body: dict[str, Any] = {
        "council": {"name": outcome.council.name, "code": outcome.council.code},
        "election_date": outcome.election_date.isoformat(),
        "total_seats": outcome.total_seats,
        "seats_up": outcome.seats_up,
        "seats_declared": outcome.seats_declared,
        "majority_threshold": outcome.majority_threshold,
        "won": seats(outcome.won),
        "composition": seats(outcome.composition),
        "control": {
            "before": control_name(outcome.control_before, party),
            "after": control_name(outcome.control_after, party),
            "decided": outcome.decided,
            "before_source": outcome.control_before_source,
        },
        "outcome": outcome.outcome.value if outcome.outcome else None,
        "change": change(outcome.change),
        "headline": headline(outcome, party),
        "changes": [change(c) for c in outcome.changes],
        "cannot_change_hands": outcome.settled_by_seats_not_up,
        "control_before_source": outcome.control_before_source,
        "carry_over_source": outcome.carry_over_source,
        "flags": list(outcome.flags),
        "seats_up_known": outcome.seats_up_known,
        "still_to_declare": [
            {
                "ward": {"name": p.ward.name, "code": p.ward.code},
                "kind": p.kind.value,
                "seats": p.seats,
                "status": p.status.value,
            }
            for p in outcome.pending
        ],
    }
    if wards:
        body["wards"] = [ward(w) for w in outcome.wards]
        for found, entry in zip(outcome.wards, body["wards"], strict=True):
            poll = found.result.poll
            count = (stv or {}).get((poll.ward.code or poll.ward.name, poll.kind.value))
            if count is not None:
                entry["stv"] = stv_count(count)
    return body


def stv_count(count: StvCount) -> dict[str, Any]:
    """An STV count as contract §6 gives it; votes and transfer values as exact decimal strings
    (`"716.63300"`), `lost` the fractions of a vote dropped by truncation so far."""
    return {
        "quota": count.quota,
        "valid": count.valid,
        "rules": count.rules.value,
        "stages": [stv_stage(s) for s in count.stages],
    }


def stv_stage(stage: Stage) -> dict[str, Any]:
    """One stage of an STV count (contract §6)."""
    return {
        "stage": stage.number,
        "action": stage.action.value,
        "subject": stage.subjects[0] if len(stage.subjects) == 1 else list(stage.subjects) or None,
        "transfer_value": None if stage.transfer_value is None else str(stage.transfer_value),
        "totals": {name: str(votes) for name, votes in stage.totals.items()},
        "non_transferable": str(stage.non_transferable),
        "lost": str(stage.lost),
        "elected": list(stage.elected),
        "excluded": list(stage.subjects) if stage.action is StageAction.EXCLUSION else [],
        "tie": None
        if stage.tie is None
        else {"method": stage.tie.method, "between": list(stage.tie.between)},
    }


def ward(found: WardOutcome) -> dict[str, Any]:
    result = found.result
    body: dict[str, Any] = {
        "ward": {"name": result.poll.ward.name, "code": result.poll.ward.code},
        "kind": result.poll.kind.value,
        "seats": result.poll.seats,
        "contested": result.contested,
        "majority": result.majority,
        "candidates": [
            {"name": c.name, "party": c.party.name, "votes": c.votes, "elected": c in result.elected}
            for c in result.ranked
        ],
        "tie_break": None
        if result.tie_break is None
        else {"method": result.tie_break.method, "between": list(result.tie_break.between)},
    }
    if found.change is not None:
        body["gains"] = [
            {"party": g.party.name, "from": g.from_party.name if g.from_party else None}
            for g in found.change.gains
        ]
        body["holds"] = [p.name for p in found.change.holds]
        body["indicative"] = found.change.indicative
    if found.swing is not None:
        swing = found.swing
        body["swing"] = {"to": swing.to.name, "from": swing.away.name, "points": round(swing.points, 1)}
    return body


def headlines(found: Iterable[CouncilOutcome], party: PartyLookup) -> list[dict[str, Any]]:
    """One headline per council, most newsworthy first (`headlines --json`)."""
    return [
        {"council": {"name": o.council.name, "code": o.council.code}, "headline": headline(o, party)}
        for o in sorted(found, key=newsworthiness)
    ]


def executive(result: PollResult) -> dict[str, Any]:
    """A mayor's or commissioner's election: candidates with each round's votes (§4.1)."""
    poll, sv = result.poll, result.sv
    return {
        "council": {"name": poll.council.name, "code": poll.council.code},
        "election_type": poll.election_type.value,
        "election_date": poll.election_date.isoformat(),
        "area": poll.ward.name,
        "candidates": [
            {
                "name": c.name,
                "party": c.party.name,
                "votes": c.votes,
                "final": sv.final.get(c.name) if sv and sv.final else None,
                "elected": c in result.elected,
            }
            for c in result.ranked
        ],
        "second_round": bool(sv and sv.final),
    }


def watch_list(found: Iterable[Watch], party: PartyLookup) -> list[dict[str, Any]]:
    """Councils to watch: those where control can change first, then the rest, by name."""
    order = list(Prospect)
    return [
        {
            "council": {"name": w.outcome.council.name, "code": w.outcome.council.code},
            "prospect": w.prospect.value,
            "control_before": control_name(w.outcome.control_before, party),
            "majority_threshold": w.outcome.majority_threshold,
            "seats_up": w.outcome.seats_up,
            "seats_to_declare": w.remaining,
            "needs": {p.name: n for p, n in w.needs},
            "majority_at_risk": w.at_risk,
        }
        for w in sorted(found, key=lambda w: (order.index(w.prospect), w.outcome.council.name))
    ]
