"""What every importer shares: precise errors, strict reading, field parsing and grouping rows into polls.

An importer turns one file into a `Batch` of domain objects or raises `InputError` naming the file,
the row and the field. Nothing is written until the whole file has been read, so a bad file changes
nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from tallyroom.errors import InputError
from tallyroom.importers.limits import (
    COUNT,
    ballot_id_fault,
    code_fault,
    count_fault,
    first_text_fault,
    lines_within_limits,
    place_fault,
    text_fault,
)
from tallyroom.reference import Reference
from tallyroom.rules.ballots import ballot_id
from tallyroom.rules.counting import CountError, UnresolvedTie, count, unopposed
from tallyroom.rules.model import (
    NO_FIGURES,
    BallotFigures,
    Candidacy,
    CouncilRef,
    DeclarationStatus,
    ElectionType,
    Poll,
    PollKind,
    WardRef,
)


@dataclass(frozen=True)
class Context:
    """What an importer is given besides the file: reference data, and a date and a council for files
    that do not say."""

    reference: Reference
    election_date: date | None = None
    council: str | None = None


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


csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
"""The csv module's own limit on a field (131,072 characters) raises an error that names no field. The
file is in memory whole already, and every field is held to `limits.MAX_TEXT` with its row and column
named (`records`), so the module's limit is lifted out of the way."""


def checked_text(path: Path | str, row: int | None, name: str, value: str) -> str:
    """A field's text, unless it is too long or holds a control character (`limits`)."""
    fault = text_fault(value)
    if fault is not None:
        raise InputError(path, fault, row, name)
    return value


def csv_rows(
    path: Path, required: Sequence[str], text: str | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV with a header, numbered as a spreadsheet numbers them (the header is row 1).

    Every column in `required` must be in the header, and every row is checked as `records` says.
    """
    text = text if text is not None else read_text(path)
    head = next(csv.reader(io.StringIO(text, newline="")), None)
    if head is None:
        raise InputError(path, "the file is empty", 1)
    header = [h.strip() for h in head]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(path, f"missing column(s): {', '.join(missing)}", 1)
    for number, values in records(path, text, header, first=1):
        if number > 1:
            yield number, dict(zip(header, values, strict=True))


def records(path: Path, text: str, header: Sequence[str], first: int) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows of a CSV text, numbered from `first`, each stripped and with as many fields as the
    header names, each field held to the limits on text (named by its column).

    A file cut short shows itself three ways: a last row with fields missing, a quoted field never
    closed, and a file that ends with no line break right after a comma (its last field cut away).
    A last field cut in the middle of its unquoted value cannot be told from a whole one.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number, last = first - 1, None
    plain = lines_within_limits(text)
    while True:
        number += 1
        lines_read = reader.line_num
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            cut = " (is the file cut short?)" if "end of data" in str(error) else ""
            raise InputError(path, f"not valid CSV: {error}{cut}", number) from None
        if len(values) != len(header):
            if not "".join(values).strip():
                continue
            why = "is the file cut short?" if len(values) < len(header) else "is it of another format?"
            message = f"{len(values)} fields where there should be {len(header)} ({why})"
            raise InputError(path, message, number)
        last, stripped = number, [v.strip() for v in values]
        spans_lines = reader.line_num - lines_read > 1
        fault = first_text_fault(stripped) if spans_lines or not plain else None
        if fault is not None:
            raise InputError(path, fault[1], number, header[fault[0]])
        yield number, stripped
    if last is not None and text.endswith(","):
        raise InputError(
            path, "the file ends right after a comma, with no line break: is it cut short?", last, header[-1]
        )


def parse_int(path: Path, row: int, name: str, value: str, blank: int | None = None) -> int | None:
    """A count as `limits` allows it to be written; a blank is `blank`."""
    if value == "":
        return blank
    if value.isascii() and value.isdigit():  # plain digits, as nearly every count is written
        number = int(value)
    else:
        written = COUNT.fullmatch(value.removeprefix("-"))
        if written is None:
            raise InputError(path, f"not a whole number: {value!r}", row, name)
        if value.startswith("-"):
            raise InputError(path, f"cannot be negative: {value!r}", row, name)
        number = int(written["digits"].replace(",", ""))
    fault = count_fault(number)
    if fault is not None:
        raise InputError(path, fault, row, name)
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
    raise InputError(path, f"not 1 or 0 (nor yes or no, true or false): {value!r}", row, name)


class Fields(NamedTuple):
    """What a source calls the fields of a candidate row, for errors to name; the native ward CSV's names
    by default. `lot` is how the source marks a winner chosen by lot in the `tie_break` field."""

    council: str = "council"
    council_code: str = "council_code"
    ward: str = "ward"
    ward_code: str = "ward_code"
    votes: str = "votes"
    elected: str = "elected"
    electorate: str = "electorate"
    ballots: str = "ballots"
    rejected: str = "rejected"
    transfers: str = "transfers"
    tie_break: str = "tie_break"
    lot: str = "lot"


NATIVE = Fields()


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
    fields: Fields = NATIVE


def assemble_polls(path: Path, rows: Iterable[CandidateRow], register: Reference | None = None) -> list[Poll]:
    """Group candidacies into polls, each checked (`check_place`, `check_poll`) and counted before
    anything is appended. Where a source gives no seat count, the winners count the seats. With the
    reference data, polls are marked as by-elections as `mark_by_elections` says.

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
        check_place(path, first.row, first.fields, first.council, first.ward)
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
        poll = Poll(
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
        if register is not None:
            (poll,) = mark_by_elections([poll], register)
        check_poll(path, poll, members)
        if poll.status is DeclarationStatus.NOMINATED and unopposed(poll):
            poll = poll._replace(status=DeclarationStatus.DECLARED)  # returned unopposed: a result already
        polls.append(poll)
    return polls


def check_place(
    path: Path, row: int, fields: Fields, council: CouncilRef, ward: WardRef | None = None
) -> None:
    """A council's and a ward's codes and names, as `limits` allows them (a ward may have no code)."""
    faults = [
        (fields.council_code, code_fault(council.code)),
        (fields.council, place_fault(council.name)),
    ]
    if ward is not None:
        faults += [
            (fields.ward_code, code_fault(ward.code) if ward.code else None),
            (fields.ward, place_fault(ward.name)),
        ]
    for name, fault in faults:
        if fault is not None:
            raise InputError(path, fault, row, name)


def check_poll(path: Path, poll: Poll, members: Sequence[CandidateRow]) -> None:
    """Refuse what no real count gives; leave to the count's flags what figures may only seem to break.

    Refused, naming the row and field: figures for a poll on the card (nominated or postponed, with no
    result yet); more candidates marked elected than there are seats; a candidate
    with more votes than the ward has electors (no elector gives one candidate two votes); more rejected
    papers than papers counted; a ballot id that cannot be made or stored; and a poll the count itself
    cannot decide (`rules.counting.count`: a tie for a seat with no winner chosen by lot, a supplementary
    vote count without its second round), so that nothing declared in the log stops a night from being
    counted.

    Flagged, not refused, as domain §3.3 says: votes above the ballot papers (a candidate's, or all of
    them above papers times seats), and more papers than electors. The papers figure is the one sources
    most often get wrong or mean differently (the 2025 handbook gives 342 wards more votes than papers
    times seats; Democracy Club's turnout box is misused), and the result stands on the votes.
    """
    first, figures = members[0], poll.figures
    if poll.status.on_card:
        given = next((m for m in members if m.candidacy.votes is not None or m.candidacy.elected), None)
        if given is not None:
            field = given.fields.votes if given.candidacy.votes is not None else given.fields.elected
            message = f"a {poll.status} poll has no result yet: leave votes and elected blank"
            raise InputError(path, message, given.row, field)
    elected = [m for m in members if m.candidacy.elected]
    if first.seats is not None and len(elected) > poll.seats:
        extra = elected[poll.seats]
        message = f"{len(elected)} candidates elected in {poll.ward.name} for {poll.seats} seat(s)"
        raise InputError(path, message, extra.row, extra.fields.elected)
    for m in members:
        votes = m.candidacy.votes
        if votes is not None and figures.electorate is not None and votes > figures.electorate:
            message = f"{votes:,} votes, more than the {figures.electorate:,} electors of {poll.ward.name}"
            raise InputError(path, message, m.row, m.fields.votes)
    valid = figures.valid_ballots
    if valid is not None and valid < 0:
        message = f"{figures.rejected:,} rejected of {figures.ballots_counted:,} ballot papers counted"
        raise InputError(path, message, first.row, first.fields.rejected)
    try:
        fault = ballot_id_fault(ballot_id(poll))
    except ValueError:
        fault = "a council's and a ward's name each need a letter or digit, to make the poll's ballot id"
    if fault is not None:
        raise InputError(path, fault, first.row, first.fields.ward)
    if poll.status is not DeclarationStatus.DECLARED:
        return  # no result yet, or figures still open to a recount: nothing to count
    try:
        count(poll)
    except UnresolvedTie as error:
        tied = next((m for m in members if m.candidacy.name in error.between), first)
        message = f"{error}: {tied.fields.tie_break}={tied.fields.lot}"
        raise InputError(path, message, tied.row, tied.fields.tie_break) from None
    except CountError as error:
        raise InputError(path, str(error), first.row, first.fields.transfers) from None


def council_ref(path: Path, row: int, context: Context, name: str, code: str, on: date | None) -> CouncilRef:
    """The council a row names, with the register's everyday name when the register knows it."""
    council = context.reference.councils.find(code, on) if code else None
    council = council or context.reference.councils.find(name, on)
    if council is not None:
        return CouncilRef(council.code, council.name)
    if not code:
        raise InputError(path, f"unknown council {name!r}: give its GSS code", row, "council_code")
    return CouncilRef(code, name)


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
