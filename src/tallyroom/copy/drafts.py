"""Copy drafted from facts with the templates in `templates/`, one file per kind of copy.

The templates write plain text; pages escape it when they show it. Undefined names are errors, so a
template that asks for a fact that is not there fails loudly rather than printing nothing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from tallyroom.copy.facts import CouncilFacts, RegionFacts
from tallyroom.copy.style import FILTERS, Naming
from tallyroom.rules.counting import PollResult
from tallyroom.rules.outcome import WardOutcome
from tallyroom.template_cache import keeping


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tallyroom.copy", "templates"),
        auto_reload=False,  # the installed package's templates: no file checked at each render
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    return keeping(env)


def render(template: str, **facts: Any) -> str:
    """A template's copy, tidied: paragraphs where the template ends them, single spaces within."""
    text = environment().get_template(template).render(naming=Naming(), **facts)
    paragraphs = [" ".join(p.split()).replace(" .", ".").replace(" ,", ",") for p in text.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def story(facts: CouncilFacts) -> str:
    """A story for one council, 150-300 words where the results give that much to say."""
    return render("story.txt.j2", facts=facts)


def ward_line(ward: WardOutcome) -> str:
    return render("ward.txt.j2", ward=ward)


def bullet(facts: CouncilFacts, headline: str) -> str:
    """A live summary bullet: the headline with the make-up and the biggest changes."""
    return render("bullet.txt.j2", facts=facts, headline=headline)


def roundup(region: RegionFacts) -> str:
    return render("roundup.txt.j2", region=region)


def executive(result: PollResult, office: str, area: str) -> str:
    """A mayor's or commissioner's election, with its rounds under the supplementary vote."""
    return render("executive.txt.j2", result=result, office=office, area=area)


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
