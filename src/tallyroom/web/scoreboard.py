"""The scoreboard of a night or a region, as newsrooms show it: councils and councillors by party,
with the councils gained and lost and the change in councillors, no overall control as a row of its
own, and every local party and independent together as "Others", listed one by one beneath.

A party is shown on its own line when it is one of the national parties of `NATIONAL`, or controls
or controlled a council on the page; every other party is one of the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tallyroom.rules.change import Baseline
from tallyroom.rules.control import Outcome
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.rules.parties import NOC, Party

NATIONAL = (
    "conservative",
    "labour",
    "liberal-democrats",
    "green",
    "reform-uk",
    "ukip",
    "plaid-cymru",
    "snp",
)
"""Parties always on a line of their own."""
BASELINE_WORDS = {
    Baseline.LAST_FOUGHT: "since the seats were last fought",
    Baseline.EVE_OF_POLL: "since the eve of poll",
    Baseline.NOTIONAL: "against notional results",
}


@dataclass(frozen=True)
class NightRow:
    """A party across the councils of a night or region: councils it controls, gained and lost, and
    seats won with their change."""

    party: Party
    councils: int
    gained: int
    lost: int
    won: int
    change: int | None


@dataclass(frozen=True)
class Line:
    """One line of the scoreboard: `party` is None for no overall control and for the others."""

    name: str
    party: Party | None
    councils: int
    gained: int
    lost: int
    councillors: int | None
    change: int | None

    @property
    def net(self) -> int:
        return self.gained - self.lost


@dataclass(frozen=True)
class Scoreboard:
    lines: tuple[Line, ...]
    others: tuple[Line, ...]
    """The parties counted in the "Others" line, one by one."""
    baseline: str
    """What the change in councillors is measured against, in words."""


def scoreboard(rows: Sequence[NightRow], outcomes: Sequence[CouncilOutcome]) -> Scoreboard:
    controlling = {c for o in outcomes for c in (o.control_before, o.control_after) if c and c != NOC}
    mains: list[Line] = []
    others: list[Line] = []
    for row in rows:
        line = Line(row.party.name, row.party, row.councils, row.gained, row.lost, row.won, row.change)
        (mains if row.party.id in NATIONAL or row.party.id in controlling else others).append(line)
    lines = [*mains]
    noc = _no_overall_control(outcomes)
    if noc.councils or noc.gained or noc.lost:
        lines.append(noc)
    if others:
        lines.append(_together(others))
    return Scoreboard(tuple(lines), tuple(others), _baseline(outcomes))


def _no_overall_control(outcomes: Iterable[CouncilOutcome]) -> Line:
    decided = [o for o in outcomes if o.decided]
    return Line(
        "No overall control",
        None,
        sum(1 for o in decided if o.control_after == NOC),
        sum(1 for o in decided if o.outcome is Outcome.LOSS_TO_NOC),
        sum(1 for o in decided if o.outcome is Outcome.GAIN and o.control_before == NOC),
        None,
        None,
    )


def _together(others: Sequence[Line]) -> Line:
    changes = [o.change for o in others if o.change is not None]
    return Line(
        "Others",
        None,
        sum(o.councils for o in others),
        sum(o.gained for o in others),
        sum(o.lost for o in others),
        sum(o.councillors or 0 for o in others),
        sum(changes) if changes else None,
    )


def _baseline(outcomes: Iterable[CouncilOutcome]) -> str:
    """What the change in councillors is measured against, and in how many councils."""
    years: dict[Baseline, set[int]] = {}
    compared = 0
    for o in outcomes:
        if (change := o.change) is not None:
            years.setdefault(change.baseline, set()).update(
                [change.baseline_date.year] if change.baseline_date else []
            )
            compared += 1
    if not compared:
        return "no council here has an earlier election to compare with"
    against = "; ".join(
        BASELINE_WORDS[kind] + (f" ({' and '.join(map(str, sorted(found)))})" if found else "")
        for kind, found in sorted(years.items())
    )
    councils = f"{compared} council{'' if compared == 1 else 's'}"
    return f"change in councillors {against}, in the {councils} with a comparison"
