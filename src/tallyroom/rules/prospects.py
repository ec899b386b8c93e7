"""Councils to watch: where control can still change hands, and what each party needs (§6.5).

Worked out from what is known now: before the first result, from the card (who stands where) and the
eve of poll (the seats not up tonight and who holds them); during the night, from the seats declared
too. A party can take a majority when the seats it holds plus the most it can still win reach the
threshold. Control cannot change once it is certain, by the same rule that calls a council (§6.5): a
party whose seats not up tonight are already a majority keeps it, and a council where no party can
reach one stays under no overall control.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.rules.parties import NOC, Party


class Prospect(StrEnum):
    """Whether control can change tonight."""

    CAN_CHANGE = "can-change"
    CANNOT_CHANGE = "cannot-change"
    NOT_KNOWN = "not-known"
    """Too little is known: the seats up, the seats not up or the council's size is missing."""


@dataclass(frozen=True, slots=True)
class Watch:
    """One council's prospects. `needs` holds, for each party that can still take a majority, the seats
    it must win among the `remaining` ones, fewest first. `at_risk` is set when the party in control
    must win seats tonight to keep its majority (its seats not up fall short of one). `settled` is who
    controls the council whatever happens, where control cannot change: a party id, or NOC."""

    outcome: CouncilOutcome
    prospect: Prospect
    remaining: int
    needs: tuple[tuple[Party, int], ...]
    at_risk: bool
    settled: str | None = None


def watch(outcome: CouncilOutcome) -> Watch:
    threshold, composition = outcome.majority_threshold, outcome.composition
    remaining = outcome.seats_up - outcome.seats_declared
    if not outcome.seats_up_known or threshold is None or composition is None:
        return Watch(outcome, Prospect.NOT_KNOWN, remaining, (), False)
    parties = {c.party.id: c.party for poll in outcome.pending for c in poll.candidacies}
    parties.update({p.id: p for p in composition})
    held = {p.id: n for p, n in composition.items()}
    needs = []
    for party in parties.values():
        if party.independent:
            continue  # independents stand and sit each on their own (§6.3)
        need = max(0, threshold - held.get(party.id, 0))
        most = remaining if outcome.reach is None else min(remaining, outcome.reach.get(party.id, 0))
        if need <= most:
            needs.append((party, need))
    needs.sort(key=lambda pn: (pn[1], pn[0].name))
    before = outcome.control_before
    at_risk = bool(before and before != NOC and held.get(before, 0) < threshold)
    if outcome.decided:
        return Watch(outcome, Prospect.CANNOT_CHANGE, remaining, tuple(needs), at_risk, outcome.control_after)
    return Watch(outcome, Prospect.CAN_CHANGE, remaining, tuple(needs), at_risk)
