"""Live input: a file (a feed message, a desk's CSV) goes to the log first; then the night takes in what
the log gained, in the log's order (`night.follow`), so the events are the log's own. A file delivered
twice changes nothing and causes no event."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path

from sqlalchemy import Engine

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers.base import Context
from tallyroom.live.events import Event
from tallyroom.live.night import Night, follow
from tallyroom.loading import load_file
from tallyroom.store.log import AppendReport


def ingest(
    engine: Engine,
    night: Night,
    format_name: str,
    path: Path,
    context: Context,
    entered_by: str | None = None,
) -> list[Event]:
    """Load one file into the log and take what the log gained into the night; an InputError changes
    nothing. `entered_by` names who entered it (a desk user), as `load_file` records it."""
    found, _ = ingest_with_report(engine, night, format_name, path, context, entered_by)
    return found


def ingest_with_report(
    engine: Engine,
    night: Night,
    format_name: str,
    path: Path,
    context: Context,
    entered_by: str | None = None,
    tonight_only: bool = False,
) -> tuple[list[Event], AppendReport]:
    """As `ingest`, with what the log took (new, revised, unchanged) beside the events. With
    `tonight_only`, a file holding a result of another day is refused whole."""
    accept = partial(_tonight, night.election_date) if tonight_only else None
    _, report = load_file(engine, format_name, path, context, entered_by, accept)
    return follow(engine, night), report


def _tonight(day: date, path: Path, batch: Batch) -> None:
    dates = {p.election_date for p in batch.polls} | {r.election_date for r in batch.council_results}
    other = sorted(dates - {day})
    if other:
        raise InputError(path, f"a result for {other[0]}: this night is {day}", None, "election_date")
