"""What one delivery holds: the domain objects an importer read from it, and the rows it left out.
Importers make a `Batch`; the log appends it whole."""

from __future__ import annotations

from dataclasses import dataclass, field

from tallyroom.rules.model import (
    CompositionSnapshot,
    ControlRecord,
    CouncilResult,
    EveOfPoll,
    Poll,
    ReadOut,
)
from tallyroom.rules.stv import Paper


@dataclass(frozen=True, slots=True)
class Skip:
    """A row deliberately left out, and why (e.g. a mayoral placeholder with no votes)."""

    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class Preferences:
    """The papers of an STV poll of the batch: every distinct sequence of preferences and its count."""

    poll: Poll
    papers: tuple[Paper, ...]


@dataclass
class Batch:
    """What one delivery (a file, a desk's entry, a feed message) holds, as an importer reads it and the
    log takes it. `source_revision` is the revision number a feed gives its message, where it gives one."""

    polls: list[Poll] = field(default_factory=list)
    council_results: list[CouncilResult] = field(default_factory=list)
    control_records: list[ControlRecord] = field(default_factory=list)
    snapshots: list[CompositionSnapshot] = field(default_factory=list)
    eves: list[EveOfPoll] = field(default_factory=list)
    source_revision: int | None = None
    skipped: list[Skip] = field(default_factory=list)
    preferences: list[Preferences] = field(default_factory=list)
    stages: list[ReadOut] = field(default_factory=list)
