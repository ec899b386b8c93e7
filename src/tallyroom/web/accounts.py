"""The results desk's users: roles, Argon2-hashed passwords, sessions, and API tokens for machines.

Roles rise in order: a reporter enters and corrects results, an editor also confirms others' entries
(when entries wait for a second person) and approves and publishes copy, an admin also manages users.

A token is shown once when issued; only its SHA-256 is kept (a token is random and long, so a fast hash
is enough, and lookup is by hash). A token issued as a trusted machine feed posts results straight to
the log even when desk entries wait for a second person; any other token's results wait like a form's.

A session is kept the same way: the cookie carries a random token, the store its SHA-256 and its user.
Signing out deletes it; a password change or a user disabled deletes all of the user's sessions, so a
cookie kept or copied signs no one in again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import Connection, Engine, delete, insert, select, update

from tallyroom.store.database import reading, writing
from tallyroom.store.schema import desk_sessions, users

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD = 12
SESSION_HOURS = 12


class Role(StrEnum):
    REPORTER = "reporter"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    disabled: bool = False

    def can(self, role: Role) -> bool:
        """Whether this user may do what `role` may."""
        return not self.disabled and self.role.rank >= role.rank


class AccountError(ValueError):
    """A user that cannot be made or changed as asked; the message says why."""


class Token(NamedTuple):
    """Whose an API token is, and whether it was issued as a trusted machine feed."""

    user: User
    trusted_feed: bool


@cache
def _hasher() -> PasswordHasher:
    """Argon2, loaded when a password is first hashed or checked: a command that checks none (most of
    them) starts without it."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _nobody() -> str:
    """A hash verified against when no user matches, so that a wrong name takes as long as a wrong
    password. Made when first needed: hashing costs most of a second."""
    return _hasher().hash(secrets.token_hex(16))


MAX_NAME = 40
"""A desk user's name, at most: an entry confirmed by a second person is logged in both names,
"A, confirmed by B", which then fits the log's 100 characters."""


def confirmed_by(entered_by: str, confirmer: str) -> str:
    """Who an entry is logged as when a second person confirmed it."""
    return f"{entered_by}, confirmed by {confirmer}"


def add_user(engine: Engine, name: str, role: Role, password: str) -> User:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise AccountError(f"a user needs a name of 1 to {MAX_NAME} characters")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    with writing(engine) as conn:
        if conn.execute(select(users.c.id).where(users.c.name == name)).first():
            raise AccountError(f"there is already a user called {name!r}")
        conn.execute(
            insert(users),
            {
                "name": name,
                "role": role.value,
                "password_hash": _hasher().hash(password),
                "created_at": datetime.now(UTC),
                "disabled": False,
            },
        )
    return User(name, role)


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user with this name and password, if enabled; the hash is upgraded when its settings age."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == name.strip())).first()
    stored = row.password_hash if row else _nobody()
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _hasher().check_needs_rehash(stored):
        with writing(engine) as conn:
            conn.execute(
                update(users).where(users.c.id == row.id).values(password_hash=_hasher().hash(password))
            )
    return User(row.name, Role(row.role))


def set_password(engine: Engine, name: str, password: str) -> None:
    """A new password for a user; every session the user had is ended."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    hashed = _hasher().hash(password)
    with writing(engine) as conn:
        done = conn.execute(update(users).where(users.c.name == name).values(password_hash=hashed))
        if done.rowcount != 1:
            raise AccountError(f"no user called {name!r}")
        _end_sessions_of(conn, name)


def issue_token(engine: Engine, name: str, trusted_feed: bool = False) -> str:
    """A new API token for a user, replacing any earlier one; only its hash is stored. A trusted feed's
    results are logged at once even when desk entries wait for a second person."""
    token = secrets.token_urlsafe(32)
    with writing(engine) as conn:
        done = conn.execute(
            update(users)
            .where(users.c.name == name)
            .values(token_hash=_digest(token), token_trusted_feed=trusted_feed)
        )
    if done.rowcount != 1:
        raise AccountError(f"no user called {name!r}")
    return token


def by_token(engine: Engine, token: str) -> Token | None:
    if not token:
        return None
    with reading(engine) as conn:  # at every post: the statement stays prepared
        row = conn.execute(select(users).where(users.c.token_hash == _digest(token))).first()
    if row is None or row.disabled:
        return None
    return Token(User(row.name, Role(row.role)), row.token_trusted_feed)


def open_session(engine: Engine, name: str) -> str:
    """A new session for a user: the token for the cookie (only its hash is stored). Sessions past
    their time are deleted meanwhile."""
    token, now = secrets.token_urlsafe(32), datetime.now(UTC)
    with writing(engine) as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.name == name)).scalar_one()
        conn.execute(delete(desk_sessions).where(desk_sessions.c.expires_at < now))
        conn.execute(
            insert(desk_sessions),
            {
                "token_hash": _digest(token),
                "user_id": user_id,
                "created_at": now,
                "expires_at": now + timedelta(hours=SESSION_HOURS),
            },
        )
    return token


def session_user(engine: Engine, token: str) -> User | None:
    """The enabled user whose session this is, while the session lasts."""
    if not token:
        return None
    query = (
        select(users.c.name, users.c.role)
        .join(desk_sessions, desk_sessions.c.user_id == users.c.id)
        .where(
            desk_sessions.c.token_hash == _digest(token),
            desk_sessions.c.expires_at > datetime.now(UTC),
            users.c.disabled.is_(False),
        )
    )
    with reading(engine) as conn:  # at every desk request
        row = conn.execute(query).first()
    return None if row is None else User(row.name, Role(row.role))


def end_session(engine: Engine, token: str) -> None:
    with writing(engine) as conn:
        conn.execute(delete(desk_sessions).where(desk_sessions.c.token_hash == _digest(token)))


def _end_sessions_of(conn: Connection, name: str) -> None:
    who = select(users.c.id).where(users.c.name == name).scalar_subquery()
    conn.execute(delete(desk_sessions).where(desk_sessions.c.user_id == who))


def all_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.name)).all()
    return [User(row.name, Role(row.role), row.disabled) for row in rows]


def change(engine: Engine, name: str, role: Role | None = None, disabled: bool | None = None) -> None:
    """Give a user another role, or disable or enable them; disabling ends the user's sessions (a
    user enabled again signs in afresh)."""
    values: dict[str, object] = {}
    if role is not None:
        values["role"] = role.value
    if disabled is not None:
        values["disabled"] = disabled
    with writing(engine) as conn:
        done = conn.execute(update(users).where(users.c.name == name).values(**values))
        if done.rowcount != 1:
            raise AccountError(f"no user called {name!r}")
        if disabled:
            _end_sessions_of(conn, name)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
