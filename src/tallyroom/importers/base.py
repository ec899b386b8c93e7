"""What every importer shares: precise errors, strict reading, field parsing and grouping rows into polls.

An importer turns one file into a `Batch` of domain objects or raises `InputError` naming the file,
the row and the field. Nothing is written until the whole file has been read, so a bad file changes
nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tallyroom.reference import Reference
from tallyroom.rules.model import (
    NO_FIGURES,
    BallotFigures,
    Candidacy,
    CompositionSnapshot,
    ControlRecord,
    CouncilRef,
    CouncilResult,
    DeclarationStatus,
    ElectionType,
    Poll,
    PollKind,
    WardRef,
)


class InputError(ValueError):
    """A file that cannot be loaded, with where and why."""

    def __init__(self, path: Path | str, message: str, row: int | None = None, field: str | None = None):
        self.path, self.row, self.field, self.message = str(path), row, field, message
        where = self.path + (f", row {row}" if row is not None else "")
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{message}")


@dataclass(frozen=True, slots=True)
class Skip:
    """A row deliberately left out, and why (e.g. a mayoral placeholder with no votes)."""

    row: int
    reason: str


@dataclass
class Batch:
    """What one file holds. `nominations` are polls known before their results (candidates, no votes).
    `source_revision` is the revision number a feed gives its message, where it gives one."""

    polls: list[Poll] = field(default_factory=list)
    council_results: list[CouncilResult] = field(default_factory=list)
    control_records: list[ControlRecord] = field(default_factory=list)
    snapshots: list[CompositionSnapshot] = field(default_factory=list)
    nominations: list[Poll] = field(default_factory=list)
    source_revision: int | None = None
    skipped: list[Skip] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What an importer is given besides the file: reference data and a date for files without one."""

    reference: Reference
    election_date: date | None = None


def read_text(path: Path) -> str:
    """The file as UTF-8 text (a byte-order mark is allowed) with no NUL character (no database takes
    one in text); anything else names the row it fails on."""
    data = path.read_bytes()
    if (nul := data.find(b"\x00")) >= 0:
        raise InputError(
            path, f"a NUL character (byte {nul}): this is not a text file", data[:nul].count(b"\n") + 1
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        raise InputError(path, f"not UTF-8 text (byte {error.start}); save the file as UTF-8", row) from None


def csv_rows(
    path: Path, required: Sequence[str], text: str | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV with a header, numbered as a spreadsheet numbers them (the header is row 1).

    Every column in `required` must be in the header, and every row must have as many fields as the
    header: a short last row is how a truncated file shows itself.
    """
    reader = csv.reader(io.StringIO(text if text is not None else read_text(path), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(path, "the file is empty", 1) from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(path, f"missing column(s): {', '.join(missing)}", 1)
    yield from rows_of(path, reader, header)


def rows_of(
    path: Path, reader: Iterable[list[str]], header: list[str], first: int = 2
) -> Iterator[tuple[int, dict[str, str]]]:
    for number, values in records(path, reader, len(header), first):
        yield number, dict(zip(header, values, strict=True))


def records(
    path: Path, reader: Iterable[list[str]], width: int, first: int
) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows, stripped, each checked to have `width` fields: a short last row is how a
    truncated file shows itself."""
    for number, values in enumerate(reader, start=first):
        if len(values) != width:
            if not "".join(values).strip():
                continue
            raise InputError(
                path, f"{len(values)} fields where there should be {width} (is the file cut short?)", number
            )
        yield number, [v.strip() for v in values]


def parse_int(path: Path, row: int, name: str, value: str, blank: int | None = None) -> int | None:
    if value == "":
        return blank
    try:
        number = int(value.replace(",", ""))
    except ValueError:
        try:
            as_float = float(value)
        except ValueError:
            raise InputError(path, f"not a whole number: {value!r}", row, name) from None
        if not as_float.is_integer():
            raise InputError(path, f"not a whole number: {value!r}", row, name) from None
        number = int(as_float)
    if number < 0:
        raise InputError(path, f"cannot be negative: {value!r}", row, name)
    return number


def require_int(path: Path, row: int, name: str, value: str) -> int:
    number = parse_int(path, row, name, value)
    if number is None:
        raise InputError(path, "is blank", row, name)
    return number


def parse_date(path: Path, row: int, name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(path, f"not a date (YYYY-MM-DD): {value!r}", row, name) from None


def parse_flag(path: Path, row: int, name: str, value: str) -> bool | None:
    lowered = value.strip().lower()
    if lowered == "":
        return None
    if lowered in {"1", "true", "yes", "y", "elected", "*"}:
        return True
    if lowered in {"0", "false", "no", "n", "not elected"}:
        return False
    raise InputError(path, f"not 1 or 0: {value!r}", row, name)


@dataclass(slots=True)
class CandidateRow:
    """One candidacy as read, before the rows of a poll are put together."""

    row: int
    election_date: date
    council: CouncilRef
    ward: WardRef
    candidacy: Candidacy
    seats: int | None = None
    kind: PollKind = PollKind.ORDINARY
    election_type: ElectionType = ElectionType.LOCAL
    figures: BallotFigures = NO_FIGURES
    status: DeclarationStatus = DeclarationStatus.DECLARED


def assemble_polls(path: Path, rows: Iterable[CandidateRow]) -> list[Poll]:
    """Group candidacies into polls. Where a source gives no seat count, the winners count the seats.

    A candidate named twice in one poll for the same party, or rows of one poll that disagree on the
    seats, are errors. Two candidates may share a name (Bromley's Cray Valley West in 2018 had a
    Conservative and a Labour Gary Stevens); their parties tell them apart.
    """
    grouped: dict[tuple[object, ...], list[CandidateRow]] = {}
    for row in rows:
        key = (
            row.election_date,
            row.election_type,
            row.council.code,
            row.ward.code or row.ward.name,
            row.kind,
        )
        grouped.setdefault(key, []).append(row)
    polls = []
    for members in grouped.values():
        first = members[0]
        seen: dict[tuple[str, str], int] = {}
        for member in members:
            name = (" ".join(member.candidacy.name.casefold().split()), member.candidacy.party.id)
            if name in seen:
                raise InputError(
                    path,
                    f"{member.candidacy.name!r} stands twice in {first.ward.name} (also row {seen[name]})",
                    member.row,
                    "candidate",
                )
            seen[name] = member.row
            if member.seats is not None and first.seats is not None and member.seats != first.seats:
                raise InputError(
                    path,
                    f"{member.seats} seats where row {first.row} says {first.seats}",
                    member.row,
                    "seats",
                )
        seats = first.seats
        if seats is None:
            seats = sum(1 for m in members if m.candidacy.elected)
        if seats < 1:
            raise InputError(path, f"no seats to fill in {first.ward.name}", first.row, "seats")
        polls.append(
            Poll(
                election_date=first.election_date,
                council=first.council,
                ward=first.ward,
                seats=seats,
                candidacies=tuple(m.candidacy for m in members),
                kind=first.kind,
                election_type=first.election_type,
                figures=first.figures,
                status=first.status,
            )
        )
    return polls


def mark_by_elections(polls: Iterable[Poll], reference: Reference) -> list[Poll]:
    """For sources that do not mark by-elections: a local poll for a council that has no scheduled
    election that year, by the register, is a by-election (a county by-election on district polling
    day, say), not a council election."""
    marked = []
    for poll in polls:
        if (
            poll.election_type is ElectionType.LOCAL
            and poll.kind is PollKind.ORDINARY
            and reference.councils.holds_ordinary_election(poll.council.code, poll.election_date) is False
        ):
            poll = poll._replace(kind=PollKind.BY_ELECTION)
        marked.append(poll)
    return marked
