"""A watched folder for feed files: each file that arrives is loaded once, through the log, and the
night recomputed. Files are taken in name order (feeds number their messages); a file whose bytes have
been seen is not taken again, and a rejected file is reported and left for someone to look at."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from watchfiles import watch

from tallyroom.errors import InputError
from tallyroom.importers.base import Context
from tallyroom.live.events import Event
from tallyroom.live.feed import ingest
from tallyroom.live.night import Night


@dataclass
class Folder:
    path: Path
    format_name: str
    pattern: str = "*"
    seen: set[str] = field(default_factory=set)

    def arrivals(self) -> list[Path]:
        """Files not taken yet, in name order; hidden and partial (`.part`, `.tmp`) files wait."""
        found = []
        for path in sorted(self.path.glob(self.pattern)):
            if not path.is_file() or path.name.startswith(".") or path.suffix in {".part", ".tmp"}:
                continue
            if hashlib.sha256(path.read_bytes()).hexdigest() not in self.seen:
                found.append(path)
        return found

    def take(
        self, engine: Engine, night: Night, context: Context, rejected: Callable[[InputError], None]
    ) -> list[Event]:
        """Load every file that has arrived; each one whole or not at all."""
        events: list[Event] = []
        for path in self.arrivals():
            self.seen.add(hashlib.sha256(path.read_bytes()).hexdigest())
            try:
                events += ingest(engine, night, self.format_name, path, context)
            except InputError as error:
                rejected(error)
        return events


def keep_taking(
    folder: Folder, engine: Engine, night: Night, context: Context, rejected: Callable[[InputError], None]
) -> Iterator[list[Event]]:
    """What is there now, then whatever arrives, until stopped."""
    yield folder.take(engine, night, context, rejected)
    for _ in watch(folder.path):
        yield folder.take(engine, night, context, rejected)
