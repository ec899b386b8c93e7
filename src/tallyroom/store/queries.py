"""Reading the log back as domain objects: the newest revision of every poll, and council records, as
the log holds them now or as it held them at a position (`upto`, a source id: see `store.schema`); and
what the log took for a day after a position, in the order it took it."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, cached_property
from typing import Any, ClassVar

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    Engine,
    Select,
    Subquery,
    bindparam,
    func,
    select,
)

from tallyroom.rules.model import (
    BallotFigures,
    Candidacy,
    CompositionSnapshot,
    Councillor,
    CouncilRef,
    CouncilResult,
    DeclarationStatus,
    ElectionType,
    EveOfPoll,
    Poll,
    PollKind,
    ReadOut,
    WardRef,
)
from tallyroom.rules.parties import Party, PartyRegister
from tallyroom.rules.stv import Paper, StvCount, StvRules, count_stv
from tallyroom.store.database import Bind, reading
from tallyroom.store.schema import (
    RecordKind,
    council_records,
    declarations,
    polls,
    read_out_stages,
    sources,
    stv_papers,
)


def newest_revisions(
    declared_only: bool = False, upto: int | None = None, current: bool = False, of: Select[Any] | None = None
) -> Subquery:
    """Each poll's newest revision (of any status; or the newest declared one; or with `current` the
    newest that counts, a superseded one left out), as the log held it at position `upto` when given,
    and the highest feed revision number it has taken; of the polls `of` selects, or of every poll."""
    query = select(
        declarations.c.poll_id,
        func.max(declarations.c.revision).label("revision"),
        func.max(declarations.c.source_revision).label("source_revision"),
    )
    if declared_only:
        query = query.where(declarations.c.status == DeclarationStatus.DECLARED.value)
    if current:
        query = query.where(declarations.c.status != DeclarationStatus.SUPERSEDED.value)
    if upto is not None:
        query = query.where(declarations.c.source_id <= upto)
    if of is not None:
        query = query.where(declarations.c.poll_id.in_(of))
    return query.group_by(declarations.c.poll_id).subquery()


DECLARED = (
    declarations.c.seats,
    declarations.c.electorate,
    declarations.c.ballots_counted,
    declarations.c.rejected,
    declarations.c.turnout_published,
    declarations.c.candidacies,
)
"""What a declaration says of its poll: the seats, the ballot figures and the candidacies."""

POLL_COLUMNS = (
    polls.c.election_date,
    polls.c.election_type,
    polls.c.council_code,
    polls.c.council_name,
    polls.c.ward_code,
    polls.c.ward_name,
    polls.c.kind,
    *DECLARED,
    declarations.c.status,
)
"""What a poll is built from (`_Polls`): its place and kind, and one declaration of it."""


def load_polls(
    engine: Engine,
    parties: PartyRegister,
    *,
    on: date | None = None,
    before: date | None = None,
    councils: Collection[str] | None = None,
    upto: int | None = None,
    current: bool = False,
) -> list[Poll]:
    """The newest declaration of each poll matching the filters (as the log held it at position
    `upto`, when given), with its candidacies in order; or with `current`, each poll as it now stands,
    whatever its status: on the card, counting (provisional, recount) or declared."""
    conditions: list[ColumnElement[bool]] = []
    if on is not None:
        conditions.append(polls.c.election_date == on)
    if before is not None:
        conditions.append(polls.c.election_date < before)
    if councils is not None:
        conditions.append(polls.c.council_code.in_(sorted(councils)))
    chosen = select(polls.c.id).where(*conditions) if conditions else None
    newest = newest_revisions(declared_only=not current, upto=upto, current=current, of=chosen)
    query = (
        select(*POLL_COLUMNS)
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
        return list(_Polls(parties).build(conn.execute(query).all()))


class _Polls:
    """Builds polls from rows, sharing one object for each party, council and kind seen.

    A declaration is decoded once a process: the poll built from it is kept by the row it came from
    (every field read, candidacies and all) and the party register, so recomputing a night the process
    has read before decodes only what is new. The whole content, not a row id, is the key, so no other
    store or later revision can be served a poll it does not hold."""

    KEPT = 200_000
    """Polls kept before the memory of them is cleared: some forty national nights."""
    decoded: ClassVar[dict[tuple[Any, ...], Poll]] = {}

    def __init__(self, parties: PartyRegister) -> None:
        self.parties = parties
        self.party: dict[tuple[str, str], Party] = {}
        self.council: dict[tuple[str, str], CouncilRef] = {}
        self.kinds = {k.value: k for k in PollKind}
        self.types = {t.value: t for t in ElectionType}
        self.statuses = {s.value: s for s in DeclarationStatus}

    def build(self, rows: Iterable[Any]) -> Iterator[Poll]:
        decoded, parties = self.decoded, self.parties
        for row in rows:
            key = (parties, *row)
            poll = decoded.get(key)
            if poll is None:
                if len(decoded) >= self.KEPT:
                    decoded.clear()
                poll = decoded[key] = self._decode(row)
            yield poll

    def _decode(self, row: Any) -> Poll:
        party, council = self.party, self.council
        members = []
        for name, pid, pname, label, votes, elected, tied, transfers, *later in json.loads(row.candidacies):
            found = party.get((pid, pname))
            if found is None:
                found = party[(pid, pname)] = self.parties.get(pid, pname)
            incumbent = later[0] if later else None  # recorded since the log's first version
            members.append(Candidacy(name, found, label, votes, elected, tied, transfers, incumbent))
        key = (row.council_code, row.council_name)
        if key not in council:
            council[key] = CouncilRef(*key)
        return Poll(
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
            status=self.statuses[row.status],
        )


def card_councils(engine: Engine, on: date) -> set[str]:
    """The councils whose card (nominations) for day `on` the log holds: all their polls are known."""
    query = (
        select(polls.c.council_code)
        .join(declarations, declarations.c.poll_id == polls.c.id)
        .where(
            polls.c.election_date == on,
            declarations.c.status.in_([DeclarationStatus.NOMINATED.value, DeclarationStatus.POSTPONED.value]),
        )
        .distinct()
    )
    with engine.connect() as conn:
        return set(conn.execute(query).scalars())


def _newest_records(
    engine: Engine,
    kind: RecordKind,
    on: date | None = None,
    before: date | None = None,
    upto: int | None = None,
    councils: Collection[str] | None = None,
) -> list[tuple[CouncilRef, date, dict[str, Any]]]:
    taken = [council_records.c.kind == kind, council_records.c.status == DeclarationStatus.DECLARED.value]
    if upto is not None:
        taken.append(council_records.c.source_id <= upto)
    if councils is not None:
        taken.append(council_records.c.council_code.in_(sorted(councils)))
    newest = (
        select(
            council_records.c.council_code,
            council_records.c.on_date,
            func.max(council_records.c.revision).label("revision"),
        )
        .where(*taken)
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


def _council_result(
    council: CouncilRef, day: date, content: dict[str, Any], parties: PartyRegister
) -> CouncilResult:
    after = _parties(content["seats_after"], parties) or {}
    return CouncilResult(day, council, content["total_seats"], after, _parties(content["seats_won"], parties))


def council_results(engine: Engine, parties: PartyRegister, on: date) -> dict[str, CouncilResult]:
    return {
        council.code: _council_result(council, day, content, parties)
        for council, day, content in _newest_records(engine, RecordKind.COUNCIL_RESULT, on=on)
    }


def control_records(engine: Engine, on: date, upto: int | None = None) -> dict[str, str]:
    return {
        council.code: content["control_before"]
        for council, _, content in _newest_records(engine, RecordKind.CONTROL, on=on, upto=upto)
    }


def eves(
    engine: Engine,
    parties: PartyRegister,
    on: date,
    upto: int | None = None,
    councils: Collection[str] | None = None,
) -> dict[str, EveOfPoll]:
    """Each council's eve of poll for day `on`, as a news agency's nominations gave it."""
    records = _newest_records(engine, RecordKind.EVE, on=on, upto=upto, councils=councils)
    return {council.code: _eve(council, day, content, parties) for council, day, content in records}


def _eve(council: CouncilRef, day: date, content: dict[str, Any], parties: PartyRegister) -> EveOfPoll:
    return EveOfPoll(
        day,
        council,
        _parties(content["seats_held"], parties) or {},
        content["seats_up"],
        _parties(content["defending"], parties),
        content["new_council"],
        content["boundary_change"],
    )


def snapshots_before(
    engine: Engine,
    parties: PartyRegister,
    before: date,
    upto: int | None = None,
    councils: Collection[str] | None = None,
) -> dict[str, CompositionSnapshot]:
    """The newest councillor roll of each council (of `councils`, when given) taken before `before`."""
    chosen: dict[str, tuple[CouncilRef, date, dict[str, Any]]] = {}
    records = _newest_records(engine, RecordKind.SNAPSHOT, before=before, upto=upto, councils=councils)
    for council, day, content in records:
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
    from which source, and whether it counts (the full history, corrections and stale messages too),
    with what each revision changed from the one before (`changed`: None for a first); then each
    revision of the council's result as a news agency sent it whole (`council_result_history`)."""
    query = (
        select(
            polls.c.ballot_id,
            polls.c.ward_name,
            declarations.c.revision,
            declarations.c.status,
            declarations.c.recorded_at,
            declarations.c.entered_by,
            declarations.c.source_revision,
            declarations.c.seats,
            declarations.c.electorate,
            declarations.c.ballots_counted,
            declarations.c.rejected,
            declarations.c.turnout_published,
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
        rows = conn.execute(query).all()
    found: list[dict[str, Any]] = []
    for row in rows:
        entry = {
            "ballot_id": row.ballot_id,
            "ward": row.ward_name,
            "revision": row.revision,
            "status": row.status,
            "recorded_at": row.recorded_at.isoformat(),
            "entered_by": row.entered_by,
            "source": {"format": row.format, "name": row.source, "revision": row.source_revision},
            "seats": row.seats,
            "figures": {
                "electorate": row.electorate,
                "ballots_counted": row.ballots_counted,
                "rejected": row.rejected,
                "turnout_published": None if row.turnout_published is None else float(row.turnout_published),
            },
            "candidates": [
                {"name": name, "party": party_name, "votes": votes, "elected": elected}
                for name, _, party_name, _, votes, elected, *_ in json.loads(row.candidacies)
            ],
        }
        before = found[-1] if found and found[-1]["ballot_id"] == row.ballot_id else None
        entry["changed"] = None if before is None else _changed(before, entry)
        found.append(entry)
    return found + council_result_history(engine, council_code, on)


def council_result_history(engine: Engine, council_code: str, on: date) -> list[dict[str, Any]]:
    """Every revision of a council's result as a news agency sent it (seats per party), oldest first,
    stale messages too: as `history` gives a ward's, with `ward` None and the seats held after."""
    query = (
        select(council_records, sources.c.format, sources.c.name.label("source"), sources.c.loaded_by)
        .join(sources, sources.c.id == council_records.c.source_id)
        .where(
            council_records.c.kind == RecordKind.COUNCIL_RESULT,
            council_records.c.council_code == council_code,
            council_records.c.on_date == on,
        )
        .order_by(council_records.c.revision)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "ballot_id": None,
            "ward": None,
            "revision": row.revision,
            "status": row.status,
            "recorded_at": row.recorded_at.isoformat(),
            "entered_by": row.loaded_by,
            "source": {"format": row.format, "name": row.source, "revision": row.source_revision},
            "total_seats": (content := json.loads(row.payload))["total_seats"],
            "seats_after": dict(
                sorted(
                    ((held["name"], held["seats"]) for held in content["seats_after"].values()),
                    key=lambda party: (-party[1], party[0]),
                )
            ),
        }
        for row in rows
    ]


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What a revision changed of the one before: `status`, `seats`, `candidates` (their names and
    parties), `votes`, `elected`, and each ballot figure by its name; empty when it changed only what
    this does not show (a party's label as printed, a transfer)."""

    def each(entry: dict[str, Any], *keys: str) -> list[tuple[Any, ...]]:
        return [tuple(c[key] for key in keys) for c in entry["candidates"]]

    changed = [key for key in ("status", "seats") if before[key] != after[key]]
    if each(before, "name", "party") != each(after, "name", "party"):
        changed.append("candidates")
    changed += [key for key in ("votes", "elected") if each(before, key) != each(after, key)]
    return changed + [key for key, value in after["figures"].items() if value != before["figures"][key]]


def latest_day(engine: Engine) -> date | None:
    """The newest election day the log holds polls for."""
    with engine.connect() as conn:
        found: date | None = conn.execute(select(func.max(polls.c.election_date))).scalar()
    return found


def election_days(engine: Engine) -> list[date]:
    """Every election day the log holds polls for, oldest first."""
    with engine.connect() as conn:
        return list(
            conn.execute(select(polls.c.election_date).distinct().order_by(polls.c.election_date)).scalars()
        )


def log_position(bind: Bind) -> int:
    """How far the log has got: the newest source id (0 for an empty log)."""
    with reading(bind) as conn:
        found: int | None = conn.execute(_NEWEST_SOURCE).scalar()
    return found or 0


_NEWEST_SOURCE = select(func.max(sources.c.id))


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing the log took for a day, at its position (source id), when and in which revision: a
    poll's declaration (of any status but superseded), a council's result in seats, a council's eve
    of poll (it polls tonight), or a stage of an STV count read out."""

    position: int
    at: datetime
    revision: int
    poll: Poll | None = None
    council_result: CouncilResult | None = None
    eve: EveOfPoll | None = None
    stage: ReadOut | None = None

    @property
    def council(self) -> CouncilRef:
        for held in (self.poll, self.council_result, self.eve, self.stage):
            if held is not None:
                return held.council
        raise ValueError("an entry holds a poll, a council's result, its eve of poll or a stage read out")


class _DayStatements:
    """The statements that read what the log took for day `on` after position `after` up to `upto`,
    each made once a process and bound at each call: a live night runs them at every declaration, and
    making a statement costs SQLAlchemy some ten times what running it costs."""

    @cached_property
    def declarations(self) -> Select[Any]:
        """Every declaration taken, but superseded ones, in the order written."""
        return (
            select(
                *POLL_COLUMNS,
                declarations.c.revision,
                declarations.c.source_id,
                declarations.c.recorded_at,
            )
            .join(polls, polls.c.id == declarations.c.poll_id)
            .where(
                polls.c.election_date == bindparam("on"),
                *_taken(declarations.c.source_id),
                declarations.c.status != DeclarationStatus.SUPERSEDED.value,
            )
            .order_by(declarations.c.source_id, declarations.c.id)
        )

    @cached_property
    def records(self) -> Select[Any]:
        """Every council result and eve of poll declared for the day."""
        return (
            select(council_records)
            .where(
                council_records.c.kind.in_([RecordKind.COUNCIL_RESULT, RecordKind.EVE]),
                council_records.c.on_date == bindparam("on"),
                *_taken(council_records.c.source_id),
                council_records.c.status == DeclarationStatus.DECLARED.value,
            )
            .order_by(council_records.c.source_id, council_records.c.id)
        )

    @cached_property
    def stages(self) -> Select[Any]:
        """Every stage of an STV count read out."""
        table = read_out_stages.c
        return (
            select(read_out_stages)
            .where(table.election_date == bindparam("on"), *_taken(table.source_id))
            .order_by(table.source_id, table.id)
        )

    @cached_property
    def earlier_results(self) -> Select[Any]:
        """Deliveries of results of an earlier day, as (position, when, council code)."""
        changed = (
            select(declarations.c.source_id, polls.c.council_code)
            .join(polls, polls.c.id == declarations.c.poll_id)
            .where(polls.c.election_date < bindparam("on"), *_taken(declarations.c.source_id))
            .distinct()
            .subquery()
        )
        return _delivered(changed)

    @cached_property
    def earlier_records(self) -> Select[Any]:
        """Deliveries of a record of control or an eve of poll for the day, or of a councillor roll
        taken before it, as (position, when, council code)."""
        table = council_records.c
        on: BindParameter[date] = bindparam("on")
        changed = (
            select(table.source_id, table.council_code)
            .where(
                *_taken(table.source_id),
                (table.kind.in_([RecordKind.CONTROL, RecordKind.EVE]) & (table.on_date == on))
                | ((table.kind == RecordKind.SNAPSHOT) & (table.on_date < on)),
            )
            .distinct()
            .subquery()
        )
        return _delivered(changed)

    @cached_property
    def papers_taken(self) -> Select[Any]:
        """The polls of the day whose STV papers were taken."""
        return (
            select(polls.c.council_code, polls.c.ward_code, polls.c.ward_name, polls.c.kind)
            .join(stv_papers, stv_papers.c.poll_id == polls.c.id)
            .where(polls.c.election_date == bindparam("on"), *_taken(stv_papers.c.source_id))
        )


def _taken(source_id: ColumnElement[int]) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    return source_id > bindparam("after"), source_id <= bindparam("upto")


def _delivered(changed: Subquery) -> Select[Any]:
    return select(changed.c.source_id, sources.c.loaded_at, changed.c.council_code).join(
        sources, sources.c.id == changed.c.source_id
    )


_DAY = _DayStatements()


def day_entries(bind: Bind, parties: PartyRegister, on: date, after: int, upto: int) -> list[Entry]:
    """What the log took for day `on` after position `after` up to `upto`, in the order it took it:
    each delivery's declarations in the order written, then its council results, then its stages read
    out."""
    span = {"on": on, "after": after, "upto": upto}
    with reading(bind) as conn:
        rows = conn.execute(_DAY.declarations, span).all()
        found = [
            (row.source_id, 0, Entry(row.source_id, _utc(row.recorded_at), row.revision, poll=poll))
            for row, poll in zip(rows, _Polls(parties).build(rows), strict=True)
        ]
        for row in conn.execute(_DAY.records, span):
            council, content = CouncilRef(row.council_code, row.council_name), json.loads(row.payload)
            at = _utc(row.recorded_at)
            if row.kind == RecordKind.EVE:
                entry = Entry(
                    row.source_id, at, row.revision, eve=_eve(council, row.on_date, content, parties)
                )
            else:
                result = _council_result(council, row.on_date, content, parties)
                entry = Entry(row.source_id, at, row.revision, council_result=result)
            found.append((row.source_id, 1, entry))
        found += [(entry.position, 2, entry) for entry in _read_out(conn, span)]
    return [entry for *_, entry in sorted(found, key=lambda f: (f[0], f[1]))]


def _read_out(conn: Connection, span: dict[str, Any]) -> Iterator[Entry]:
    """The stages read out for the day that the log took in `span` (see `_DayStatements`)."""
    for row in conn.execute(_DAY.stages, span):
        totals = {name: Decimal(votes) for name, votes in json.loads(row.totals).items()}
        council, ward = CouncilRef(row.council_code, row.council_name), WardRef(row.ward_name, row.ward_code)
        stage = ReadOut(row.election_date, council, ward, row.stage, totals)
        yield Entry(row.source_id, _utc(row.recorded_at), row.revision, stage=stage)


def _utc(moment: datetime) -> datetime:
    """A time the log recorded, in UTC (SQLite gives it back without its zone)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def eve_changes(bind: Bind, on: date, after: int, upto: int) -> list[tuple[int, datetime, str]]:
    """Deliveries after position `after` up to `upto` that changed what councils polling on `on` stand
    on, as (position, when, council code) in log order: their earlier results, a councillor roll taken
    before the day, or a record of control on the eve of poll."""
    span = {"on": on, "after": after, "upto": upto}
    with reading(bind) as conn:
        found = {
            (row[0], _utc(row[1]), row[2])
            for query in (_DAY.earlier_results, _DAY.earlier_records)
            for row in conn.execute(query, span)
        }
    return sorted(found)


def stv_papers_taken(bind: Bind, on: date, after: int, upto: int) -> set[tuple[str, str, str]]:
    """The STV polls of a day whose papers the log took after position `after` up to `upto`, as
    `stv_counts_on` keys them."""
    with reading(bind) as conn:
        rows = conn.execute(_DAY.papers_taken, {"on": on, "after": after, "upto": upto})
        return {(council, code or name, kind) for council, code, name, kind in rows}


@cache
def _newest_papers(of_one_council: bool) -> Select[Any]:
    """The newest papers of each STV poll of day `on` (of council `council`, if asked), made once."""
    newest = select(func.max(stv_papers.c.id)).group_by(stv_papers.c.poll_id).scalar_subquery()
    query = (
        select(polls.c.council_code, polls.c.ward_code, polls.c.ward_name, polls.c.kind, stv_papers.c.papers)
        .join(polls, polls.c.id == stv_papers.c.poll_id)
        .where(stv_papers.c.id.in_(newest), polls.c.election_date == bindparam("on"))
    )
    return query.where(polls.c.council_code == bindparam("council")) if of_one_council else query


def stv_counts(engine: Engine, council_code: str, on: date) -> dict[tuple[str, str], StvCount]:
    """The STV polls of a council on a day whose papers the log holds, each counted again from its newest
    papers (§5.4), by ward (code, else name) and kind."""
    return {(ward, kind): c for (_, ward, kind), c in stv_counts_on(engine, on, council_code).items()}


def stv_counts_on(
    bind: Bind,
    on: date,
    council_code: str | None = None,
    wards: Collection[tuple[str, str, str]] | None = None,
) -> dict[tuple[str, str, str], StvCount]:
    """Every STV poll of a day (of one council, or of these wards, if given) whose papers the log
    holds, counted again from its newest papers, by council code, ward (code, else name) and kind."""
    with reading(bind) as conn:
        bound = {"on": on} if council_code is None else {"on": on, "council": council_code}
        held = conn.execute(_newest_papers(council_code is not None), bound).all()
    counts = {}
    for council, code, name, kind, text in held:
        if wards is not None and (council, code or name, kind) not in wards:
            continue
        content = json.loads(text)
        papers = [Paper(voters, tuple(ranking)) for voters, ranking in content["papers"]]
        rules = StvRules.of_council(council)
        count = count_stv(content["candidates"], content["seats"], papers, rules)
        counts[council, code or name, kind] = count
    return counts
