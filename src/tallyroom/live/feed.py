"""Live input: a file (a feed message, a desk's CSV) goes to the log first, then only what the log took
as new or corrected goes to the night. A file delivered twice changes nothing and causes no event."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tallyroom.importers.base import Context
from tallyroom.live.events import Event
from tallyroom.live.night import Night
from tallyroom.loading import load_file


def ingest(engine: Engine, night: Night, format_name: str, path: Path, context: Context) -> list[Event]:
    """Load one file into the log and recompute the councils it touched; an InputError changes nothing."""
    _, report = load_file(engine, format_name, path, context)
    found: list[Event] = []
    for poll in report.declared:
        if poll.election_date == night.election_date and poll.council.code in night.councils:
            found += night.declare(poll)
    return found
