"""Copy kept in step with the results: each council's story redrafted whenever its outcome changes, into
the review store, where a journalist's words survive and published copy is flagged when the data moves.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine

from tallyroom.copy.drafts import story_json
from tallyroom.copy.facts import council_facts
from tallyroom.copy.headlines import headline
from tallyroom.copy.review import CopyKey, Version, regenerate
from tallyroom.reference import Reference
from tallyroom.rules.outcome import CouncilOutcome


def story_key(outcome: CouncilOutcome) -> CopyKey:
    return CopyKey("story", outcome.council.code, outcome.election_date)


def redraft(engine: Engine, reference: Reference, outcomes: Iterable[CouncilOutcome]) -> list[Version]:
    """Redraft each council's story (headline and body) from its outcome; unchanged copy writes nothing."""
    found = []
    for outcome in outcomes:
        drafted = story_json(
            council_facts(outcome, reference.parties.get), headline(outcome, reference.parties.get)
        )
        text = f"{drafted['headline']}\n\n{drafted['body']}"
        found.append(regenerate(engine, story_key(outcome), text, drafted["facts"]))
    return found
