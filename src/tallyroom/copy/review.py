"""The review of newsroom copy: every version the machine or a journalist makes, kept in order.

A piece of copy (a story, a headline) is named by its `CopyKey` and is a series of versions in
`copy_versions`, appended and never changed. A version is a `draft` (machine text no one has touched),
`edited` (a journalist's words, or words that need looking at again), `approved` or `published`, and
only approved copy can be published.

Results change through the night, and each change redrafts the copy (`regenerate`). A draft is simply
redrafted. A journalist's words are never overwritten: the piece gets a new `edited` version with the
journalist's text, the new machine text and facts beside it, and a `flag` saying what changed in the
data; an approval is undone by it, and published copy is flagged as possibly wrong. A flag stays on the
piece through further edits and redrafts, and is cleared by approving the piece again; `flagged` lists
the pieces that carry one.

Each function that writes does so in one transaction that takes SQLite's write lock before it reads the
newest version, so two desks working on one piece queue rather than collide.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Row, and_, func, insert, select

from tallyroom.store.database import writing
from tallyroom.store.schema import copy_versions

MACHINE = "tallyroom"
"""The author of machine drafts and of the versions new results make."""

MAX_CHANGES = 6
"""How many changed facts a flag lists before it says how many more there are."""

MAX_VALUE = 40
"""How many characters of a fact's old or new value a flag shows."""


class State(StrEnum):
    DRAFT = "draft"
    EDITED = "edited"
    APPROVED = "approved"
    PUBLISHED = "published"


@dataclass(frozen=True)
class CopyKey:
    """One piece of copy: its kind ("story", "headline", ...), council and election day, and for ward
    copy the ward ("" for copy about the whole council)."""

    kind: str
    council_code: str
    election_date: date
    ward: str = ""

    def __str__(self) -> str:
        ward = f" ({self.ward})" if self.ward else ""
        return f"{self.kind} for {self.council_code}{ward} on {self.election_date.isoformat()}"


@dataclass(frozen=True)
class Version:
    """One version of a piece: what it says (`text`), the machine text and facts it derives from, who
    made it and when (UTC), and why it may now be wrong (`flag`), if it may."""

    key: CopyKey
    version: int
    state: State
    text: str
    generated: str
    facts: dict[str, Any]
    author: str
    at: datetime
    flag: str | None = None

    @property
    def by_machine(self) -> bool:
        """Made by the system from new results, not by a journalist."""
        return self.author == MACHINE


def regenerate(engine: Engine, key: CopyKey, generated: str, facts: Mapping[str, Any]) -> Version:
    """Take new machine text for a piece after the results changed, and return its newest version.

    The first text is a draft by the machine, and a draft is redrafted. Machine text the newest version
    already has changes nothing. A piece a journalist has edited, approved or published keeps its text:
    the new version is `edited`, carries the new machine text and facts, and is flagged with what
    changed in the data since the copy was last settled."""
    facts_json = _dump(facts)
    with writing(engine) as conn:
        history = _history(conn, key)
        newest = history[-1] if history else None
        if newest is not None and newest.generated == generated:
            return newest
        if newest is None or newest.state is State.DRAFT:
            return _append(conn, key, newest, State.DRAFT, generated, generated, facts_json, MACHINE, None)
        flag = _flag(history, json.loads(facts_json))
        return _append(conn, key, newest, State.EDITED, newest.text, generated, facts_json, MACHINE, flag)


def edit(engine: Engine, key: CopyKey, text: str, author: str) -> Version:
    """A journalist's new text for a piece: a new `edited` version, which needs approving. A flag on
    the piece stays until the piece is approved."""
    _check_author(author)
    if not text.strip():
        raise ValueError(f"cannot edit {key}: the text is empty")
    with writing(engine) as conn:
        newest = _newest(conn, key, "edit")
        return _append(
            conn, key, newest, State.EDITED, text, newest.generated, _dump(newest.facts), author, newest.flag
        )


def approve(engine: Engine, key: CopyKey, author: str) -> Version:
    """Approve a piece's newest version, a draft or an edit, for publication; this clears its flag."""
    _check_author(author)
    with writing(engine) as conn:
        newest = _newest(conn, key, "approve")
        if newest.state not in (State.DRAFT, State.EDITED):
            raise ValueError(
                f"cannot approve {key}: version {newest.version} is {newest.state}; "
                "only a draft or an edited version can be approved"
            )
        return _settle(conn, key, newest, State.APPROVED, author)


def publish(engine: Engine, key: CopyKey, author: str) -> Version:
    """Publish a piece whose newest version is approved."""
    _check_author(author)
    with writing(engine) as conn:
        newest = _newest(conn, key, "publish")
        if newest.state is not State.APPROVED:
            raise ValueError(
                f"cannot publish {key}: version {newest.version} is {newest.state}, not approved; "
                "approve it first"
            )
        return _settle(conn, key, newest, State.PUBLISHED, author)


def current(engine: Engine, key: CopyKey) -> Version | None:
    """A piece's newest version, or None if it has never been drafted."""
    with engine.connect() as conn:
        history = _history(conn, key)
    return history[-1] if history else None


def versions(engine: Engine, key: CopyKey) -> list[Version]:
    """Every version of a piece, oldest first."""
    with engine.connect() as conn:
        return _history(conn, key)


def published(engine: Engine, key: CopyKey) -> Version | None:
    """The newest published version of a piece: what readers have, whatever has happened since."""
    query = (
        select(copy_versions)
        .where(*_where(key), copy_versions.c.state == State.PUBLISHED.value)
        .order_by(copy_versions.c.version.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return None if row is None else _version(row)


def published_on(engine: Engine, on: date) -> dict[CopyKey, Version]:
    """The newest published version of every piece of a day, by piece (`published` for each, at once)."""
    c = copy_versions.c
    query = (
        select(copy_versions)
        .where(c.election_date == on, c.state == State.PUBLISHED.value)
        .order_by(c.version)
    )
    with engine.connect() as conn:
        return {version.key: version for version in map(_version, conn.execute(query))}


def published_position(engine: Engine) -> int:
    """How far publishing has got: the id of the newest published version of any piece (0 for none).
    When it moves, pages that show published copy are due to be made again."""
    with engine.connect() as conn:
        found: int | None = conn.execute(
            select(func.max(copy_versions.c.id)).where(copy_versions.c.state == State.PUBLISHED.value)
        ).scalar()
    return found or 0


def drafted(engine: Engine, kind: str, councils: Iterable[str]) -> list[CopyKey]:
    """Every piece of this kind drafted for these councils, on any day."""
    c = copy_versions.c
    query = (
        select(c.kind, c.council_code, c.election_date, c.ward)
        .where(c.kind == kind, c.council_code.in_(sorted(set(councils))))
        .distinct()
        .order_by(c.election_date, c.council_code, c.ward)
    )
    with engine.connect() as conn:
        return [CopyKey(*row) for row in conn.execute(query)]


def flagged(engine: Engine) -> list[Version]:
    """The newest version of every piece that is flagged and not approved since, oldest flag first."""
    c = copy_versions.c
    newest = (
        select(c.kind, c.council_code, c.election_date, c.ward, func.max(c.version).label("version"))
        .group_by(c.kind, c.council_code, c.election_date, c.ward)
        .subquery()
    )
    query = (
        select(copy_versions)
        .join(
            newest,
            and_(
                c.kind == newest.c.kind,
                c.council_code == newest.c.council_code,
                c.election_date == newest.c.election_date,
                c.ward == newest.c.ward,
                c.version == newest.c.version,
            ),
        )
        .where(c.flag.is_not(None))
        .order_by(c.id)
    )
    with engine.connect() as conn:
        return [_version(row) for row in conn.execute(query)]


def facts_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """What changed between two sets of facts, one top-level fact at a time and one level into facts
    that are mappings, e.g. "facts changed: control_after Conservative -> NOC; seats Conservative
    20 -> 19"; "" when nothing did."""
    changes: list[str] = []
    for name in _union(old, new):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            changes.extend(
                f"{_short(name)} {_short(part)} {_short(before.get(part))} -> {_short(after.get(part))}"
                for part in _union(before, after)
                if before.get(part) != after.get(part)
            )
        else:
            changes.append(f"{_short(name)} {_short(before)} -> {_short(after)}")
    if not changes:
        return ""
    more = len(changes) - MAX_CHANGES
    shown = "; ".join(changes[:MAX_CHANGES]) + (f"; and {more} more" if more > 0 else "")
    return f"facts changed: {shown}"


def _flag(history: list[Version], facts: dict[str, Any]) -> str:
    """Why a piece needs looking at again: what changed since its last version without a flag (the
    last time it was settled), and whether what readers have may now be wrong."""
    settled = next((v for v in reversed(history) if v.flag is None), history[0])
    change = facts_changed(settled.facts, facts) or (
        f"the machine text changed; facts as at version {settled.version}"
    )
    live = next((v for v in reversed(history) if v.state is State.PUBLISHED), None)
    if live is not None and live.facts != facts:
        return f"published version {live.version} may now be wrong; {change}"
    return change


def _union(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    return [*old, *(name for name in new if name not in old)]


def _short(value: Any) -> str:
    if value is None:
        text = "none"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _dump(facts: Mapping[str, Any]) -> str:
    return json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str)


def _check_author(author: str) -> None:
    if not author.strip():
        raise ValueError("a journalist's name is needed")
    if author == MACHINE:
        raise ValueError(f"{MACHINE!r} is the machine's name: a journalist's name is needed")


def _where(key: CopyKey) -> tuple[ColumnElement[bool], ...]:
    c = copy_versions.c
    return (
        c.kind == key.kind,
        c.council_code == key.council_code,
        c.election_date == key.election_date,
        c.ward == key.ward,
    )


def _history(conn: Connection, key: CopyKey) -> list[Version]:
    query = select(copy_versions).where(*_where(key)).order_by(copy_versions.c.version)
    return [_version(row) for row in conn.execute(query)]


def _newest(conn: Connection, key: CopyKey, action: str) -> Version:
    query = select(copy_versions).where(*_where(key)).order_by(copy_versions.c.version.desc()).limit(1)
    row = conn.execute(query).first()
    if row is None:
        raise ValueError(f"cannot {action} {key}: it has not been drafted")
    return _version(row)


def _settle(conn: Connection, key: CopyKey, newest: Version, state: State, author: str) -> Version:
    return _append(conn, key, newest, state, newest.text, newest.generated, _dump(newest.facts), author, None)


def _append(
    conn: Connection,
    key: CopyKey,
    newest: Version | None,
    state: State,
    text: str,
    generated: str,
    facts_json: str,
    author: str,
    flag: str | None,
) -> Version:
    version = Version(
        key=key,
        version=(newest.version if newest else 0) + 1,
        state=state,
        text=text,
        generated=generated,
        facts=json.loads(facts_json),
        author=author,
        at=datetime.now(UTC),
        flag=flag,
    )
    conn.execute(
        insert(copy_versions),
        {
            "kind": key.kind,
            "council_code": key.council_code,
            "election_date": key.election_date,
            "ward": key.ward,
            "version": version.version,
            "state": state.value,
            "text": text,
            "generated": generated,
            "facts": facts_json,
            "author": author,
            "at": version.at,
            "flag": flag,
        },
    )
    return version


def _version(row: Row[Any]) -> Version:
    at: datetime = row.at
    return Version(
        key=CopyKey(row.kind, row.council_code, row.election_date, row.ward),
        version=row.version,
        state=State(row.state),
        text=row.text,
        generated=row.generated,
        facts=json.loads(row.facts),
        author=row.author,
        at=at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC),
        flag=row.flag,
    )
