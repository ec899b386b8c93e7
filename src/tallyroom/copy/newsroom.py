"""Copy kept in step with the results: each council's story redrafted whenever its outcome changes, into
the review store, where a journalist's words survive and published copy is flagged when the data moves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from sqlalchemy import Engine

from tallyroom import results
from tallyroom.copy import review
from tallyroom.copy.drafts import story_json
from tallyroom.copy.facts import council_facts
from tallyroom.copy.headlines import headline
from tallyroom.copy.review import CopyKey, Version, regenerate
from tallyroom.delivery import Batch
from tallyroom.reference import Reference
from tallyroom.rules.control import ControlSettings
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.store import queries

log = logging.getLogger(__name__)


def story_key(outcome: CouncilOutcome) -> CopyKey:
    return CopyKey("story", outcome.council.code, outcome.election_date)


def touched(batch: Batch) -> set[str]:
    """The councils whose results a delivery may change."""
    found = {p.council.code for p in batch.polls} | {r.council.code for r in batch.council_results}
    found |= {r.council.code for r in batch.control_records} | {s.council.code for s in batch.snapshots}
    return found | {e.council.code for e in batch.eves}


def redraft_drafted(
    engine: Engine, reference: Reference, councils: Iterable[str], settings: ControlSettings | None = None
) -> list[Version]:
    """Redraft every story already drafted for these councils, on any day: run as soon as an import is
    committed, so that copy the new results make wrong carries its flag at once."""
    keys = review.drafted(engine, "story", councils)
    found = []
    for day in sorted({key.election_date for key in keys}):
        codes = {key.council_code for key in keys if key.election_date == day}
        on_the_day = results.outcomes(engine, reference, day, settings).councils
        found += redraft(engine, reference, [o for o in on_the_day if o.council.code in codes])
    return found


def redraft(engine: Engine, reference: Reference, outcomes: Iterable[CouncilOutcome]) -> list[Version]:
    """Redraft each council's story (headline and body) from its outcome; unchanged copy writes nothing."""
    found = []
    for outcome in outcomes:
        stv = queries.stv_counts(engine, outcome.council.code, outcome.election_date)
        drafted = story_json(
            council_facts(outcome, reference.parties.get, stv), headline(outcome, reference.parties.get)
        )
        text = f"{drafted['headline']}\n\n{drafted['body']}"
        found.append(regenerate(engine, story_key(outcome), text, drafted["facts"]))
    return found


class Redrafter:
    """Keeps stories in step with the results, beside the write path rather than inside it: told which
    councils' results changed (`notice`, from events already committed to the log), it redrafts them in
    a thread of its own (`start`) or when asked (`drain`). A redraft that fails is logged and tried again
    later; it never holds up or loses a result."""

    def __init__(
        self,
        engine: Engine,
        reference: Reference,
        outcome_of: Callable[[str], CouncilOutcome | None],
        retry_seconds: float = 5.0,
    ) -> None:
        self.engine, self.reference, self.outcome_of = engine, reference, outcome_of
        self.retry_seconds = retry_seconds
        self._waiting: dict[str, None] = {}
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def notice(self, codes: Iterable[str]) -> None:
        """These councils' results changed: their stories are due a redraft."""
        with self._changed:
            self._waiting.update(dict.fromkeys(codes))
            self._changed.notify()

    def drain(self, only: str | None = None) -> list[str]:
        """Redraft every story that is due (or only this council's, if it is due), now, in this
        thread; the councils whose redraft failed (they stay due)."""
        with self._changed:
            if only is None:
                due, self._waiting = list(self._waiting), {}
            elif only in self._waiting:
                del self._waiting[only]
                due = [only]
            else:
                due = []
        failed = []
        for code in due:
            outcome = self.outcome_of(code)
            if outcome is None:
                continue
            try:
                redraft(self.engine, self.reference, [outcome])
            except Exception:
                log.exception("redrafting the story of %s failed; it will be tried again", code)
                failed.append(code)
        if failed:
            self.notice(failed)
        return failed

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="tallyroom-redraft", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._waiting or self._stopping)
                if self._stopping:
                    return
            if self.drain():
                with self._changed:
                    self._changed.wait_for(lambda: self._stopping, timeout=self.retry_seconds)
