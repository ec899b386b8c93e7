"""Live input: a file (a feed message, a desk's CSV) goes to the log first, then only what the log took
as new or corrected goes to the night, and the copy of every council it touched is redrafted for review.
A file delivered twice changes nothing and causes no event."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tallyroom.copy.newsroom import redraft
from tallyroom.importers.base import Context
from tallyroom.live.events import Event
from tallyroom.live.night import Night
from tallyroom.loading import load_file
from tallyroom.rules.model import ElectionType
from tallyroom.store.log import AppendReport


def ingest(
    engine: Engine,
    night: Night,
    format_name: str,
    path: Path,
    context: Context,
    entered_by: str | None = None,
) -> list[Event]:
    """Load one file into the log and recompute the councils it touched; an InputError changes nothing.
    `entered_by` names who entered it (a desk user), as `load_file` records it."""
    found, _ = ingest_with_report(engine, night, format_name, path, context, entered_by)
    return found


def ingest_with_report(
    engine: Engine,
    night: Night,
    format_name: str,
    path: Path,
    context: Context,
    entered_by: str | None = None,
) -> tuple[list[Event], AppendReport]:
    """As `ingest`, with what the log took (new, revised, unchanged) beside the events."""
    _, report = load_file(engine, format_name, path, context, entered_by)
    found: list[Event] = []
    for poll in report.declared:
        if poll.election_date != night.election_date:
            continue
        if poll.election_type is ElectionType.LOCAL:
            found += night.declare(poll)
        else:
            found += night.declare_executive(poll)
    for result in report.council_results:
        if result.election_date == night.election_date:
            found += night.declare_council(result)
    touched = {e.council.code for e in found if e.type != "executive"}
    redraft(
        engine,
        night.reference,
        [c.outcome for code, c in night.councils.items() if code in touched and c.outcome],
    )
    return found, report
