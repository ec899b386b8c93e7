"""Ward results waiting for a second person, when the desk asks for confirmation (`serve --confirm`).

An entry comes from the desk's form, or from `POST /api/declarations` with a token that was not issued
as a trusted machine feed. It is checked by the ward importer when it comes, held in the store as the
native ward CSV, and logged only when an editor other than the person who entered it confirms it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update

from tallyroom.store.database import writing
from tallyroom.store.schema import desk_entries
from tallyroom.web.site import Site


class EntryState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Decision(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"

    @property
    def state(self) -> EntryState:
        return EntryState.CONFIRMED if self is Decision.CONFIRM else EntryState.REJECTED


def hold(site: Site, body: str, council_code: str, ward: str, entered_by: str) -> int:
    """Keep a checked entry until someone decides on it: its id."""
    with writing(site.engine) as conn:
        found: int = conn.execute(
            insert(desk_entries).returning(desk_entries.c.id),
            {
                "election_date": site.day,
                "council_code": council_code[:12],
                "ward": ward[:200],
                "body": body,
                "entered_by": entered_by,
                "entered_at": datetime.now(UTC),
                "state": EntryState.PENDING.value,
            },
        ).scalar_one()
    return found


SHOWN_LINES = 40
"""Lines of an entry the desk's page shows (a ward has a dozen); the rest are on the entry's own."""


def shown(body: str) -> tuple[str, int]:
    """The first lines of an entry, as the desk's page shows them, and how many more it has."""
    lines = body.splitlines()
    return "\n".join(lines[:SHOWN_LINES]), max(len(lines) - SHOWN_LINES, 0)


def held(site: Site, entry_id: int) -> Any | None:
    """One of tonight's entries, whatever was decided on it."""
    with site.engine.connect() as conn:
        query = select(desk_entries).where(
            desk_entries.c.id == entry_id, desk_entries.c.election_date == site.day
        )
        return conn.execute(query).first()


def waiting(site: Site) -> list[Any]:
    """Tonight's entries still waiting, oldest first."""
    with site.engine.connect() as conn:
        query = (
            select(desk_entries)
            .where(desk_entries.c.election_date == site.day, desk_entries.c.state == EntryState.PENDING)
            .order_by(desk_entries.c.id)
        )
        return list(conn.execute(query))


def decided(site: Site, entry_id: int, decision: Decision, by: str) -> None:
    with writing(site.engine) as conn:
        conn.execute(
            update(desk_entries)
            .where(desk_entries.c.id == entry_id)
            .values(state=decision.state.value, decided_by=by, decided_at=datetime.now(UTC))
        )
