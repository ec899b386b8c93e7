"""Input to the log: read a file with its format's importer, then append it in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine

from tallyroom.cycles import cycles_left_alone
from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers import reader
from tallyroom.importers.base import Context, checked_text
from tallyroom.store.log import AppendReport, SourceInfo, append

MAX_ENTERED_BY = 100
"""The longest `entered_by` the log stores (a desk user, or two: who entered and who confirmed)."""


def load_file(
    engine: Engine,
    format_name: str,
    path: Path,
    context: Context,
    entered_by: str | None = None,
    accept: Callable[[Path, Batch], None] | None = None,
) -> tuple[Batch, AppendReport]:
    """Read and append one file; an `InputError` leaves the log as it was. `entered_by` names who entered
    it (a desk user); by default, the user running the process. `accept`, when given, may refuse what
    was read (with an InputError) before anything is appended."""
    if not path.is_file():
        raise InputError(path, "a folder, not a file" if path.is_dir() else "no such file")
    if entered_by is not None:
        checked_text(path, None, "entered_by", entered_by)
        if len(entered_by) > MAX_ENTERED_BY:
            message = f"{len(entered_by)} characters: the log keeps at most {MAX_ENTERED_BY}"
            raise InputError(path, message, None, "entered_by")
    with cycles_left_alone():
        batch = reader(format_name)(path, context)
        if accept is not None:
            accept(path, batch)
        source = SourceInfo(format_name, path.name, hashlib.sha256(path.read_bytes()).hexdigest())
        if entered_by is not None:
            source = replace(source, loaded_by=entered_by)
        return batch, append(engine, batch, source)


def demo_format(name: str) -> str:
    """The format of a file of the bundled demo data: `NAME.FORMAT.csv`, else the native ward CSV."""
    stem = name.removesuffix(".csv")
    return stem.rpartition(".")[2] if "." in stem else "ward"
