"""Reading the log back as domain objects: the newest revision of every poll, and council records."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Engine, Subquery, func, select

from tallyroom.rules.model import (
    BallotFigures,
    Candidacy,
    CompositionSnapshot,
    Councillor,
    CouncilRef,
    CouncilResult,
    DeclarationStatus,
    ElectionType,
    Poll,
    PollKind,
    WardRef,
)
from tallyroom.rules.parties import Party, PartyRegister
from tallyroom.store.schema import council_records, declarations, polls, sources


def newest_revisions(declared_only: bool = False) -> Subquery:
    """Each poll's newest revision (of any status, or the newest declared one) and the highest feed
    revision number it has taken."""
    query = select(
        declarations.c.poll_id,
        func.max(declarations.c.revision).label("revision"),
        func.max(declarations.c.source_revision).label("source_revision"),
    )
    if declared_only:
        query = query.where(declarations.c.status == DeclarationStatus.DECLARED.value)
    return query.group_by(declarations.c.poll_id).subquery()


def load_polls(
    engine: Engine,
    parties: PartyRegister,
    *,
    on: date | None = None,
    before: date | None = None,
    councils: Collection[str] | None = None,
) -> list[Poll]:
    """The newest declaration of each poll matching the filters, with its candidacies in order."""
    conditions: list[ColumnElement[bool]] = []
    if on is not None:
        conditions.append(polls.c.election_date == on)
    if before is not None:
        conditions.append(polls.c.election_date < before)
    if councils is not None:
        conditions.append(polls.c.council_code.in_(sorted(councils)))
    newest = newest_revisions(declared_only=True)
    query = (
        select(
            polls.c.election_date,
            polls.c.election_type,
            polls.c.council_code,
            polls.c.council_name,
            polls.c.ward_code,
            polls.c.ward_name,
            polls.c.kind,
            declarations.c.seats,
            declarations.c.electorate,
            declarations.c.ballots_counted,
            declarations.c.rejected,
            declarations.c.turnout_published,
            declarations.c.candidacies,
        )
        .select_from(polls)
        .join(newest, newest.c.poll_id == polls.c.id)
        .join(
            declarations,
            (declarations.c.poll_id == polls.c.id) & (declarations.c.revision == newest.c.revision),
        )
        .where(*conditions)
        .order_by(polls.c.id)
    )
    with engine.connect() as conn:
        return list(_Polls(parties).build(conn.execute(query)))


class _Polls:
    """Builds polls from rows, sharing one object for each party, council and kind seen."""

    def __init__(self, parties: PartyRegister) -> None:
        self.parties = parties
        self.party: dict[tuple[str, str], Party] = {}
        self.council: dict[tuple[str, str], CouncilRef] = {}
        self.kinds = {k.value: k for k in PollKind}
        self.types = {t.value: t for t in ElectionType}

    def build(self, rows: Iterable[Any]) -> Iterator[Poll]:
        party, council = self.party, self.council
        for row in rows:
            members = []
            for name, pid, pname, label, votes, elected, tied, transfers, *later in json.loads(
                row.candidacies
            ):
                found = party.get((pid, pname))
                if found is None:
                    found = party[(pid, pname)] = self.parties.get(pid, pname)
                incumbent = later[0] if later else None  # recorded since the log's first version
                members.append(Candidacy(name, found, label, votes, elected, tied, transfers, incumbent))
            key = (row.council_code, row.council_name)
            if key not in council:
                council[key] = CouncilRef(*key)
            yield Poll(
                election_date=row.election_date,
                council=council[key],
                ward=WardRef(row.ward_name, row.ward_code),
                seats=row.seats,
                candidacies=tuple(members),
                kind=self.kinds[row.kind],
                election_type=self.types[row.election_type],
                figures=BallotFigures(
                    row.electorate,
                    row.ballots_counted,
                    row.rejected,
                    None if row.turnout_published is None else float(row.turnout_published),
                ),
            )


def _newest_records(
    engine: Engine, kind: str, on: date | None = None, before: date | None = None
) -> list[tuple[CouncilRef, date, dict[str, Any]]]:
    newest = (
        select(
            council_records.c.council_code,
            council_records.c.on_date,
            func.max(council_records.c.revision).label("revision"),
        )
        .where(council_records.c.kind == kind, council_records.c.status == DeclarationStatus.DECLARED.value)
        .group_by(council_records.c.council_code, council_records.c.on_date)
        .subquery()
    )
    query = select(
        council_records.c.council_code,
        council_records.c.council_name,
        council_records.c.on_date,
        council_records.c.payload,
    ).join(
        newest,
        (newest.c.council_code == council_records.c.council_code)
        & (newest.c.on_date == council_records.c.on_date)
        & (newest.c.revision == council_records.c.revision)
        & (council_records.c.kind == kind),
    )
    if on is not None:
        query = query.where(council_records.c.on_date == on)
    if before is not None:
        query = query.where(council_records.c.on_date < before)
    with engine.connect() as conn:
        return [
            (CouncilRef(code, name), day, json.loads(payload))
            for code, name, day, payload in conn.execute(query)
        ]


def _parties(seats: dict[str, Any] | None, parties: PartyRegister) -> dict[Party, int] | None:
    if seats is None:
        return None
    return {parties.get(pid, entry["name"]): entry["seats"] for pid, entry in seats.items()}


def council_results(engine: Engine, parties: PartyRegister, on: date) -> dict[str, CouncilResult]:
    found = {}
    for council, day, content in _newest_records(engine, "council-result", on=on):
        after = _parties(content["seats_after"], parties) or {}
        found[council.code] = CouncilResult(
            day, council, content["total_seats"], after, _parties(content["seats_won"], parties)
        )
    return found


def control_records(engine: Engine, on: date) -> dict[str, str]:
    return {
        council.code: content["control_before"]
        for council, _, content in _newest_records(engine, "control", on=on)
    }


def snapshots_before(engine: Engine, parties: PartyRegister, before: date) -> dict[str, CompositionSnapshot]:
    """The newest councillor roll of each council taken before `before`."""
    chosen: dict[str, tuple[CouncilRef, date, dict[str, Any]]] = {}
    for council, day, content in _newest_records(engine, "snapshot", before=before):
        if council.code not in chosen or chosen[council.code][1] < day:
            chosen[council.code] = (council, day, content)
    return {
        code: CompositionSnapshot(
            council,
            day,
            tuple(
                Councillor(
                    council,
                    ward,
                    name,
                    parties.get(pid, pname),
                    date.fromisoformat(nxt) if nxt else None,
                )
                for ward, name, pid, pname, nxt in content["councillors"]
            ),
        )
        for code, (council, day, content) in chosen.items()
    }


def history(engine: Engine, council_code: str, on: date) -> list[dict[str, Any]]:
    """Every revision of every poll of a council on a day, oldest first: what was sent, when, by whom,
    from which source, and whether it counts (the full history, corrections and stale messages too)."""
    query = (
        select(
            polls.c.ballot_id,
            polls.c.ward_name,
            declarations.c.revision,
            declarations.c.status,
            declarations.c.recorded_at,
            declarations.c.entered_by,
            declarations.c.source_revision,
            declarations.c.candidacies,
            sources.c.format,
            sources.c.name.label("source"),
        )
        .join(declarations, declarations.c.poll_id == polls.c.id)
        .join(sources, sources.c.id == declarations.c.source_id)
        .where(polls.c.council_code == council_code, polls.c.election_date == on)
        .order_by(polls.c.ward_name, declarations.c.revision)
    )
    with engine.connect() as conn:
        return [
            {
                "ballot_id": row.ballot_id,
                "ward": row.ward_name,
                "revision": row.revision,
                "status": row.status,
                "recorded_at": row.recorded_at.isoformat(),
                "entered_by": row.entered_by,
                "source": {"format": row.format, "name": row.source, "revision": row.source_revision},
                "candidates": [
                    {"name": name, "party": party_name, "votes": votes, "elected": elected}
                    for name, _, party_name, _, votes, elected, *_ in json.loads(row.candidacies)
                ],
            }
            for row in conn.execute(query)
        ]


def latest_day(engine: Engine) -> date | None:
    """The newest election day the log holds polls for."""
    with engine.connect() as conn:
        found: date | None = conn.execute(select(func.max(polls.c.election_date))).scalar()
    return found
