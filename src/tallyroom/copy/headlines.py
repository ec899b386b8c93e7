"""One plain headline per council, in the house style of contract §5 (the wording is the template
`templates/headline.txt.j2`), and the order of newsworthiness headlines go in."""

from __future__ import annotations

from collections.abc import Callable

from tallyroom.copy.drafts import render
from tallyroom.copy.nations import in_house_style
from tallyroom.rules.control import Outcome
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.rules.parties import NOC, Party

PartyLookup = Callable[[str], Party]


def headline(outcome: CouncilOutcome, party: PartyLookup) -> str:
    """The council's headline, from `templates/headline.txt.j2`. `largest` is the party that won the
    most seats tonight, when one did, for a council whose control cannot be known; `change` and
    `elected` are a lone by-election's change and first winner's party. Every party is named as copy
    names it in the council's nation (`copy.nations`)."""
    winner = party(outcome.control_after) if outcome.control_after not in (None, NOC) else None
    before = party(outcome.control_before) if outcome.control_before not in (None, NOC) else None
    ranked = sorted(outcome.won.items(), key=lambda kv: -kv[1])
    largest = ranked[0] if ranked and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]) else None
    ward = outcome.wards[0] if outcome.by_elections_only and len(outcome.wards) == 1 else None
    change = ward.change if ward else None
    elected = ward.result.elected[0].party if ward and ward.result.elected else None
    winner, before, largest, change, elected = in_house_style(
        (winner, before, largest, change, elected), outcome.council.code
    )
    return render(
        "headline.txt.j2",
        outcome=outcome,
        winner=winner,
        before=before,
        largest=largest,
        change=change,
        elected=elected,
    )


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
