"""Appending to the results log.

A batch is written in one transaction: all of it or none. A poll whose newest declaration already says
the same thing is left alone, so loading the same file twice changes nothing; a poll whose figures
differ gets a new revision, and the old one stays readable.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select
from sqlalchemy.exc import DataError, InternalError, OperationalError

from tallyroom.importers.base import Batch, InputError
from tallyroom.rules.ballots import ballot_id as ballot_id
from tallyroom.rules.model import (
    CompositionSnapshot,
    CouncilRef,
    CouncilResult,
    DeclarationStatus,
    Poll,
)
from tallyroom.rules.parties import Party
from tallyroom.store.database import StoreError, writing
from tallyroom.store.queries import newest_revisions
from tallyroom.store.schema import attempts, council_records, declarations, polls, sources


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

        _append_polls(conn, batch.polls, batch.source_revision, source_row, now, source.loaded_by, report)
        for kind, key_date, council, content, record in _council_records(batch):
            taken = _append_record(
                conn, kind, council, key_date, content, batch.source_revision, source_row, now, report
            )
            if taken and isinstance(record, CouncilResult):
                report.council_results.append(record)
        report.source_id = source_id[0] if source_id else None
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
    who: str,
    report: AppendReport,
) -> None:
    if not batch_polls:
        return
    ids = {ballot_id(p): p for p in batch_polls}
    days = {p.election_date for p in batch_polls}
    known = _latest_declarations(conn, days)
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
        conn.execute(insert(polls), new_polls)
        known = _latest_declarations(conn, days)
    rows = []
    for bid, poll in ids.items():
        poll_id, revision, previous, newest_feed_revision = known[bid]
        candidates = candidacies_json(poll)
        content = declaration_fingerprint(poll, candidates)
        if content == previous:
            report.unchanged += 1
            continue
        status = poll.status.value
        if stale(source_revision, newest_feed_revision):
            status = DeclarationStatus.SUPERSEDED.value
            report.superseded += 1
        elif revision:
            report.revised += 1
        else:
            report.new += 1
        if status != DeclarationStatus.SUPERSEDED:
            report.declared.append(poll)
        figures = poll.figures
        rows.append(
            {
                "poll_id": poll_id,
                "revision": revision + 1,
                "status": status,
                "source_id": source_row(),
                "recorded_at": now,
                "entered_by": who,
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


def stale(source_revision: int | None, newest: int | None) -> bool:
    """A feed message numbered below one already taken arrived out of order: it is kept, never current."""
    return source_revision is not None and newest is not None and source_revision < newest


def _latest_declarations(
    conn: Connection, days: Iterable[date]
) -> dict[str, tuple[int, int, str, int | None]]:
    """ballot id -> (poll id, newest revision, its fingerprint, the highest feed revision taken)."""
    newest = newest_revisions()
    query = (
        select(
            polls.c.ballot_id,
            polls.c.id,
            newest.c.revision,
            declarations.c.fingerprint,
            newest.c.source_revision,
        )
        .select_from(polls)
        .outerjoin(newest, newest.c.poll_id == polls.c.id)
        .outerjoin(
            declarations,
            (declarations.c.poll_id == polls.c.id) & (declarations.c.revision == newest.c.revision),
        )
        .where(polls.c.election_date.in_(sorted(set(days))))
    )
    return {bid: (pid, rev or 0, fp or "", feed) for bid, pid, rev, fp, feed in conn.execute(query)}


def _council_records(batch: Batch) -> Iterable[tuple[str, date, CouncilRef, Any, object]]:
    for result in batch.council_results:
        yield "council-result", result.election_date, result.council, council_result_content(result), result
    for record in batch.control_records:
        content = {"control_before": record.control_before}
        yield "control", record.election_date, record.council, content, record
    for snapshot in batch.snapshots:
        yield "snapshot", snapshot.taken, snapshot.council, snapshot_content(snapshot), snapshot


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
    kind: str,
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
