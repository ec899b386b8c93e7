"""Copy drafted from facts with the templates in `templates/`, one file per kind of copy.

The templates write plain text; pages escape it when they show it. Undefined names are errors, so a
template that asks for a fact that is not there fails loudly rather than printing nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from tallyroom.copy.facts import CouncilFacts
from tallyroom.copy.style import FILTERS


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tallyroom.copy", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return env


def story(facts: CouncilFacts) -> str:
    """A story for one council: paragraphs separated by blank lines."""
    text = environment().get_template("story.txt.j2").render(facts=facts)
    paragraphs = [" ".join(p.split()).replace(" .", ".").replace(" ,", ",") for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def story_json(facts: CouncilFacts, headline: str) -> dict[str, Any]:
    """The story as `story --json` gives it: headline, body and the facts used (contract §1)."""
    return {
        "council": {"name": facts.council, "code": facts.code},
        "election_date": facts.election_date.isoformat(),
        "headline": headline,
        "body": story(facts),
        "facts": {
            "outcome": facts.outcome,
            "winner": facts.winner.name if facts.winner else None,
            "before": facts.before.name if facts.before else None,
            "total_seats": facts.total_seats,
            "majority_threshold": facts.threshold,
            "composition": {s.party.name: s.seats for s in facts.composition},
            "won": {s.party.name: s.seats for s in facts.won},
            "change": {s.party.name: s.seats for s in facts.changes},
            "baseline_year": facts.baseline_year,
            "gains": [
                {"ward": g.ward, "party": g.party.name, "from": g.from_party.name if g.from_party else None}
                for g in facts.gains
            ],
            "closest": [
                {"ward": c.ward, "party": c.party.name, "majority": c.majority} for c in facts.closest
            ],
            "turnout": None if facts.turnout is None else round(facts.turnout, 1),
        },
    }
