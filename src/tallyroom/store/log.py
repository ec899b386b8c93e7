"""Appending to the results log.

A batch is written in one transaction: all of it or none. A poll whose newest declaration already says
the same thing is left alone, so loading the same file twice changes nothing; a poll whose figures
differ gets a new revision, and the old one stays readable.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, Select, bindparam, func, insert, select
from sqlalchemy.exc import DataError, InternalError, OperationalError

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.rules.ballots import ballot_id
from tallyroom.rules.model import (
    BallotFigures,
    CompositionSnapshot,
    CouncilRef,
    CouncilResult,
    DeclarationStatus,
    EveOfPoll,
    Poll,
)
from tallyroom.rules.parties import Party
from tallyroom.store.database import StoreError, refresh_statistics, writing
from tallyroom.store.queries import DECLARED, newest_revisions
from tallyroom.store.schema import (
    RecordKind,
    attempts,
    council_records,
    declarations,
    polls,
    read_out_stages,
    sources,
    stv_papers,
)


@dataclass(frozen=True)
class SourceInfo:
    format: str
    name: str
    sha256: str
    loaded_by: str = field(default_factory=getpass.getuser)


@dataclass
class AppendReport:
    """What an append changed. `declared` holds the polls that got a new revision, in file order, and
    `council_results` the council-level results taken as current: what a live night recomputes."""

    new: int = 0
    revised: int = 0
    unchanged: int = 0
    superseded: int = 0
    source_id: int | None = None
    declared: list[Poll] = field(default_factory=list)
    council_results: list[CouncilResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What was taken but may be a mistake, for whoever sent it to look at: a result filling more or
    fewer seats than its poll has on the card."""

    @property
    def changed(self) -> int:
        return self.new + self.revised


def fingerprint(content: Any) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def candidacies_json(poll: Poll) -> str:
    """A poll's candidacies as stored on its declaration: one JSON list, in ballot order."""
    return json.dumps(
        [
            [
                *(c.name, c.party.id, c.party.name, c.label, c.votes, c.elected, c.tie_break_winner),
                *(c.transfers, c.incumbent),
            ]
            for c in poll.candidacies
        ],
        ensure_ascii=False,
    )


def declaration_fingerprint(poll: Poll, candidacies: str) -> str:
    figures = poll.figures
    head = [
        poll.status.value,
        poll.seats,
        figures.electorate,
        figures.ballots_counted,
        figures.rejected,
        figures.turnout_published,
    ]
    return hashlib.sha256((json.dumps(head) + candidacies).encode()).hexdigest()


def append(engine: Engine, batch: Batch, source: SourceInfo) -> AppendReport:
    """Write a batch to the log in one transaction and say what changed; the delivery itself goes into
    the audit trail whatever it changed.

    A database that cannot write now (read-only, full, gone away) is a StoreError: try again later. A
    value it will never take (too long, out of range: the importers check for these, so this is the
    last line) is an InputError, since sending the same again cannot help."""
    try:
        return _append(engine, batch, source)
    except DataError as error:
        message = f"the database refused a value, and nothing was written: {str(error.orig).strip()}"
        raise InputError(source.name, message) from error
    except (OperationalError, InternalError) as error:
        raise StoreError(f"the database refused the write, and nothing was written: {error.orig}") from error


def _append(engine: Engine, batch: Batch, source: SourceInfo) -> AppendReport:
    report = AppendReport()
    now = datetime.now(UTC)
    with writing(engine) as conn:
        source_id: list[int] = []

        def source_row() -> int:
            if not source_id:
                row = {**asdict(source), "loaded_at": now}
                source_id.append(conn.execute(insert(sources).returning(sources.c.id), row).scalar_one())
            return source_id[0]

        _append_polls(conn, batch.polls, batch.source_revision, source_row, now, source, report)
        _append_papers(conn, batch, source_row)
        _append_stages(conn, batch, source_row, now, report)
        for kind, key_date, council, content, record in _council_records(batch):
            taken = _append_record(
                conn, kind, council, key_date, content, batch.source_revision, source_row, now, report
            )
            if taken and isinstance(record, CouncilResult):
                report.council_results.append(record)
        report.source_id = source_id[0] if source_id else None
        if report.changed > FEW:
            refresh_statistics(conn)
        conn.execute(
            insert(attempts),
            {
                "at": now,
                "format": source.format,
                "name": source.name,
                "sha256": source.sha256,
                "entered_by": source.loaded_by,
                "source_id": report.source_id,
                "new": report.new,
                "revised": report.revised,
                "unchanged": report.unchanged,
                "superseded": report.superseded,
            },
        )
    return report


def _append_polls(
    conn: Connection,
    batch_polls: list[Poll],
    source_revision: int | None,
    source_row: Any,
    now: datetime,
    source: SourceInfo,
    report: AppendReport,
) -> None:
    if not batch_polls:
        return
    known, by_ward = _known_polls(conn, batch_polls)
    ids = {_ballot_id(p, by_ward): p for p in batch_polls}
    new_polls = [
        {
            "ballot_id": bid,
            "election_date": p.election_date,
            "election_type": p.election_type.value,
            "council_code": p.council.code,
            "council_name": p.council.name,
            "ward_code": p.ward.code,
            "ward_name": p.ward.name,
            "kind": p.kind.value,
        }
        for bid, p in ids.items()
        if bid not in known
    ]
    if new_polls:
        made = conn.execute(insert(polls).returning(polls.c.ballot_id, polls.c.id), new_polls)
        known |= {ballot: _Held.new(poll_id) for ballot, poll_id in made}
    rows = []
    for bid, poll in ids.items():
        held = known[bid]
        if held.revision and source.format != held.format:
            poll = _with_figures_held(poll, held)
        candidates = candidacies_json(poll)
        content = declaration_fingerprint(poll, candidates)
        if content == held.fingerprint or (held.revision and _nothing_new(poll, held, source.format)):
            report.unchanged += 1
            continue
        status = poll.status.value
        if stale(source_revision, held.feed_revision):
            status = DeclarationStatus.SUPERSEDED.value
            report.superseded += 1
        elif held.revision:
            report.revised += 1
        else:
            report.new += 1
        if status != DeclarationStatus.SUPERSEDED:
            report.declared.append(poll)
        card = held.status == DeclarationStatus.NOMINATED
        if card and not poll.status.on_card and poll.seats != held.seats:
            report.warnings.append(
                f"{poll.council.name}, {poll.ward.name}: the card has {held.seats} seat(s) up, and this"
                f" result fills {poll.seats}; if the card is right, send the result again for {held.seats}"
            )
        figures = poll.figures
        rows.append(
            {
                "poll_id": held.poll_id,
                "revision": held.revision + 1,
                "status": status,
                "source_id": source_row(),
                "recorded_at": now,
                "entered_by": source.loaded_by,
                "seats": poll.seats,
                "electorate": figures.electorate,
                "ballots_counted": figures.ballots_counted,
                "rejected": figures.rejected,
                "turnout_published": None
                if figures.turnout_published is None
                else str(figures.turnout_published),
                "candidacies": candidates,
                "fingerprint": content,
                "source_revision": source_revision,
            }
        )
    if rows:
        conn.execute(insert(declarations), rows)


def _nothing_new(poll: Poll, held: _Held, format_name: str) -> bool:
    """Whether a delivery says nothing the log does not already hold of a poll: a card for a poll whose
    count has begun, or another source's copy of the same result. Sources print names and party labels
    their own way, and some leave figures out, so another source's copy is the same result when each
    candidate's party, votes and election agree and every ballot figure it gives is the one held; the
    same source's copy must match in full (a corrected name is a correction)."""
    if poll.status.on_card and not DeclarationStatus(held.status).on_card:
        return True
    if format_name == held.format or poll.status.value != held.status or poll.seats != held.seats:
        return False
    figures = poll.figures
    given = (
        (held.electorate, figures.electorate),
        (held.ballots_counted, figures.ballots_counted),
        (held.rejected, figures.rejected),
    )
    if any(new is not None and new != old for old, new in given):
        return False
    turnout = figures.turnout_published
    if turnout is not None and (
        held.turnout_published is None or abs(float(held.turnout_published) - turnout) >= TURNOUT_ROUNDING
    ):
        return False
    return _standing(json.loads(candidacies_json(poll))) == _standing(json.loads(held.candidacies))


TURNOUT_ROUNDING = 0.5
"""Published turnouts are rounded percentages, and sources round their own way (the Library's 32.2 is
Democracy Club's 32.0 for Beighton, Sheffield, 2021): two within this many points say the same."""


def _with_figures_held(poll: Poll, held: _Held) -> Poll:
    """Another source's copy of a poll, with the ballot figures it leaves out taken from the result the
    log holds, so a copy without an electorate does not take the electorate away."""
    figures = poll.figures
    return poll._replace(
        figures=BallotFigures(
            figures.electorate if figures.electorate is not None else held.electorate,
            figures.ballots_counted if figures.ballots_counted is not None else held.ballots_counted,
            figures.rejected if figures.rejected is not None else held.rejected,
            figures.turnout_published
            if figures.turnout_published is not None
            else None
            if held.turnout_published is None
            else float(held.turnout_published),
        )
    )


def _standing(candidacies: list[list[Any]]) -> list[tuple[str, int, int]]:
    """Each candidacy's party, votes and whether elected (unknown counted as not), in order."""
    return sorted((c[1], -1 if c[4] is None else c[4], int(bool(c[5]))) for c in candidacies)


def stale(source_revision: int | None, newest: int | None) -> bool:
    """A feed message numbered below one already taken arrived out of order: it is kept, never current."""
    return source_revision is not None and newest is not None and source_revision < newest


class _Held(NamedTuple):
    """What the log holds of a poll: its newest revision (0 for none yet), with the status, source
    format and figures of that revision, and the highest feed revision it has taken."""

    poll_id: int
    revision: int
    fingerprint: str
    status: str
    format: str
    seats: int | None
    electorate: int | None
    ballots_counted: int | None
    rejected: int | None
    turnout_published: str | None
    candidacies: str
    feed_revision: int | None

    @classmethod
    def new(cls, poll_id: int) -> _Held:
        """A poll just added, with no declaration yet."""
        return cls(poll_id, 0, "", "", "", None, None, None, None, None, "[]", None)


def _append_papers(conn: Connection, batch: Batch, source_row: Any) -> None:
    """Each STV poll's papers, unless the log holds the same set for the poll already."""
    if not batch.preferences:
        return
    known, by_ward = _known_polls(conn, [p.poll for p in batch.preferences])
    for preferences in batch.preferences:
        poll_id = known[_ballot_id(preferences.poll, by_ward)].poll_id
        poll = preferences.poll
        held_papers = {
            "seats": poll.seats,
            "candidates": [c.name for c in poll.candidacies],
            "papers": [[p.voters, list(p.ranking)] for p in preferences.papers],
        }
        papers = json.dumps(held_papers, ensure_ascii=False, separators=(",", ":"))
        fingerprint = hashlib.sha256(papers.encode()).hexdigest()
        held = select(stv_papers.c.id).where(
            (stv_papers.c.poll_id == poll_id) & (stv_papers.c.fingerprint == fingerprint)
        )
        if conn.execute(held).first() is None:
            row = {
                "poll_id": poll_id,
                "source_id": source_row(),
                "fingerprint": fingerprint,
                "papers": papers,
            }
            conn.execute(insert(stv_papers), row)


def _append_stages(
    conn: Connection, batch: Batch, source_row: Any, now: datetime, report: AppendReport
) -> None:
    """Each stage read out, unless its newest revision says the same; other figures are a revision."""
    for stage in batch.stages:
        totals = {name: str(votes) for name, votes in stage.totals.items()}
        content = fingerprint(totals)
        table = read_out_stages.c
        newest = conn.execute(
            select(table.revision, table.fingerprint)
            .where(
                table.election_date == stage.election_date,
                table.council_code == stage.council.code,
                table.ward_code == stage.ward.code,
                table.stage == stage.stage,
            )
            .order_by(table.revision.desc())
            .limit(1)
        ).first()
        if newest is not None and newest.fingerprint == content:
            report.unchanged += 1
            continue
        if newest is None:
            report.new += 1
        else:
            report.revised += 1
        row = {
            "election_date": stage.election_date,
            "council_code": stage.council.code,
            "council_name": stage.council.name,
            "ward_code": stage.ward.code,
            "ward_name": stage.ward.name,
            "stage": stage.stage,
            "revision": (newest.revision if newest else 0) + 1,
            "source_id": source_row(),
            "recorded_at": now,
            "fingerprint": content,
            "totals": json.dumps(totals, ensure_ascii=False),
        }
        conn.execute(insert(read_out_stages), row)


def _ballot_id(poll: Poll, by_ward: Mapping[tuple[date, str, str, str, str], str]) -> str:
    """The ballot id the log knows the poll by: its ward's, when the ward has a GSS code and a poll."""
    held = by_ward.get(_ward_key(poll)) if poll.ward.code else None
    return held if held is not None else ballot_id(poll)


def _ward_key(poll: Poll) -> tuple[date, str, str, str, str]:
    """A poll by its ward's GSS code: one ward, one poll, whatever a source calls the ward."""
    return (poll.election_date, poll.election_type.value, poll.council.code, poll.ward.code, poll.kind.value)


FEW = 32
"""A batch of at most this many polls (a desk's post) looks up only its own wards' polls; a bigger one
(a whole file) those of its councils, in one query without a long list of names."""


def _known_polls(
    conn: Connection, batch_polls: Sequence[Poll]
) -> tuple[dict[str, _Held], dict[tuple[date, str, str, str, str], str]]:
    """What the log holds of the polls of a batch, by ballot id, and the ballot id of each of their wards
    that has a GSS code (of more, for a batch of more than `FEW`: every poll of its councils that day)."""
    few = len(batch_polls) <= FEW
    bound: dict[str, list[Any]] = {
        "days": sorted({p.election_date for p in batch_polls}),
        "councils": sorted({p.council.code for p in batch_polls}),
    }
    if few:
        bound["codes"] = sorted({p.ward.code for p in batch_polls if p.ward.code})
        bound["ids"] = sorted(map(ballot_id, batch_polls))
    held: dict[str, _Held] = {}
    by_ward: dict[tuple[date, str, str, str, str], str] = {}
    for row in conn.execute(_held_polls(few), bound):
        held[row.ballot_id] = _Held(
            row.id,
            row.revision or 0,
            row.fingerprint or "",
            row.status or "",
            row.format or "",
            row.seats,
            row.electorate,
            row.ballots_counted,
            row.rejected,
            row.turnout_published,
            row.candidacies or "[]",
            row.source_revision,
        )
        if row.ward_code:
            key = (row.election_date, row.election_type, row.council_code, row.ward_code, row.kind)
            by_ward.setdefault(key, row.ballot_id)
    return held, by_ward


@cache
def _held_polls(few: bool) -> Select[Any]:
    """What `_known_polls` asks, made once for each of its two shapes: the polls of `councils` on
    `days`, and for a few polls only those with one of the ward `codes` or ballot `ids`."""
    these = polls.c.election_date.in_(bindparam("days", expanding=True)) & polls.c.council_code.in_(
        bindparam("councils", expanding=True)
    )
    if few:
        these &= polls.c.ward_code.in_(bindparam("codes", expanding=True)) | polls.c.ballot_id.in_(
            bindparam("ids", expanding=True)
        )
    newest = newest_revisions(of=select(polls.c.id).where(these))
    return (
        select(
            polls.c.ballot_id,
            polls.c.id,
            polls.c.election_date,
            polls.c.election_type,
            polls.c.council_code,
            polls.c.ward_code,
            polls.c.kind,
            newest.c.revision,
            declarations.c.fingerprint,
            declarations.c.status,
            sources.c.format,
            *DECLARED,
            newest.c.source_revision,
        )
        .select_from(polls)
        .outerjoin(newest, newest.c.poll_id == polls.c.id)
        .outerjoin(
            declarations,
            (declarations.c.poll_id == polls.c.id) & (declarations.c.revision == newest.c.revision),
        )
        .outerjoin(sources, sources.c.id == declarations.c.source_id)
        .where(these)
        .order_by(polls.c.id)
    )


def _council_records(batch: Batch) -> Iterable[tuple[RecordKind, date, CouncilRef, Any, object]]:
    for result in batch.council_results:
        content = council_result_content(result)
        yield RecordKind.COUNCIL_RESULT, result.election_date, result.council, content, result
    for record in batch.control_records:
        content = {"control_before": record.control_before}
        yield RecordKind.CONTROL, record.election_date, record.council, content, record
    for snapshot in batch.snapshots:
        yield RecordKind.SNAPSHOT, snapshot.taken, snapshot.council, snapshot_content(snapshot), snapshot
    for eve in batch.eves:
        yield RecordKind.EVE, eve.election_date, eve.council, eve_content(eve), eve


def _seats(seats: Mapping[Party, int] | None) -> dict[str, Any] | None:
    if seats is None:
        return None
    return {p.id: {"name": p.name, "seats": n} for p, n in seats.items()}


def council_result_content(result: CouncilResult) -> dict[str, Any]:
    return {
        "total_seats": result.total_seats,
        "seats_after": _seats(result.seats_after),
        "seats_won": _seats(result.seats_won),
    }


def eve_content(eve: EveOfPoll) -> dict[str, Any]:
    return {
        "seats_held": _seats(eve.seats_held),
        "seats_up": eve.seats_up,
        "defending": _seats(eve.defending),
        "new_council": eve.new_council,
        "boundary_change": eve.boundary_change,
    }


def snapshot_content(snapshot: CompositionSnapshot) -> dict[str, Any]:
    return {
        "councillors": [
            [
                c.ward,
                c.name,
                c.party.id,
                c.party.name,
                c.next_election.isoformat() if c.next_election else None,
            ]
            for c in snapshot.councillors
        ]
    }


def _append_record(
    conn: Connection,
    kind: RecordKind,
    council: CouncilRef,
    on: date,
    content: Any,
    source_revision: int | None,
    source_row: Any,
    now: datetime,
    report: AppendReport,
) -> bool:
    """Append one council record unless it says what the newest already does; True when it is current."""
    key = (
        council_records.c.kind == kind,
        council_records.c.council_code == council.code,
        council_records.c.on_date == on,
    )
    newest = conn.execute(
        select(council_records.c.revision, council_records.c.fingerprint)
        .where(*key)
        .order_by(council_records.c.revision.desc())
        .limit(1)
    ).first()
    content_print = fingerprint(content)
    if newest is not None and newest.fingerprint == content_print:
        report.unchanged += 1
        return False
    feed_revision = conn.execute(select(func.max(council_records.c.source_revision)).where(*key)).scalar()
    status = DeclarationStatus.DECLARED
    if stale(source_revision, feed_revision):
        status = DeclarationStatus.SUPERSEDED
        report.superseded += 1
    elif newest is None:
        report.new += 1
    else:
        report.revised += 1
    conn.execute(
        insert(council_records),
        {
            "kind": kind,
            "council_code": council.code,
            "council_name": council.name,
            "on_date": on,
            "revision": (newest.revision if newest else 0) + 1,
            "source_id": source_row(),
            "recorded_at": now,
            "fingerprint": content_print,
            "payload": json.dumps(content, sort_keys=True),
            "status": status.value,
            "source_revision": source_revision,
        },
    )
    return status is DeclarationStatus.DECLARED
