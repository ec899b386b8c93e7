"""One plain headline per council, in the house style of contract §5: short, present tense, the party
as a plural or collective noun, the council by its everyday name."""

from __future__ import annotations

from collections.abc import Callable

from tallyroom.rules.control import Outcome
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.rules.parties import NOC, Party

PartyLookup = Callable[[str], Party]


def headline(outcome: CouncilOutcome, party: PartyLookup) -> str:
    council = outcome.council.name
    after = outcome.control_after
    if after is None:
        return f"Counting continues in {council}"
    winner = _subject(party(after).plural) if after != NOC else ""
    match outcome.outcome:
        case Outcome.HOLD if not outcome.complete:
            return f"{winner} keep control of {council}"
        case Outcome.HOLD:
            return f"{winner} hold {council}"
        case Outcome.GAIN if outcome.control_before == NOC:
            return f"{winner} gain {council} from no overall control"
        case Outcome.GAIN:
            return f"{winner} gain {council}"
        case Outcome.LOSS_TO_NOC:
            loser = _subject(party(outcome.control_before or "").plural)
            return f"{loser} lose {council} to no overall control"
        case Outcome.NOC_HOLD:
            return f"{council} remains under no overall control"
        case Outcome.NEW if after == NOC:
            return f"New {council} council under no overall control"
        case Outcome.NEW:
            return f"{winner} win control of new {council} council"
    if after == NOC:
        return f"No overall control in {council}"
    return f"{winner} win control of {council}"


def _subject(plural: str) -> str:
    return plural[:1].upper() + plural[1:]


_RANK = {
    Outcome.GAIN: 0,
    Outcome.LOSS_TO_NOC: 0,
    Outcome.NEW: 1,
    None: 2,
    Outcome.HOLD: 3,
    Outcome.NOC_HOLD: 3,
}


def newsworthiness(outcome: CouncilOutcome) -> tuple[int, int, str]:
    """Sort key, most newsworthy first: changes of control, then by how many seats changed hands."""
    moved = sum(abs(n) for n in outcome.change.seats.values()) if outcome.change else 0
    return (_RANK[outcome.outcome], -moved, outcome.council.name)
