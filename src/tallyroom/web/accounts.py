"""The results desk's users: roles, Argon2-hashed passwords and API tokens for machines.

Roles rise in order: a reporter enters and corrects results, an editor also confirms others' entries and
approves and publishes copy, an admin also manages users. A token is shown once when issued; only its
SHA-256 is kept (a token is random and long, so a fast hash is enough, and lookup is by hash).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update

from tallyroom.store.database import writing
from tallyroom.store.schema import users

MIN_PASSWORD = 12


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


_hasher = PasswordHasher()
_NOBODY = _hasher.hash(secrets.token_hex(16))  # verified against when no user matches, to take as long


def add_user(engine: Engine, name: str, role: Role, password: str) -> User:
    name = name.strip()
    if not name or len(name) > 100:
        raise AccountError("a user needs a name of 1 to 100 characters")
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
                "password_hash": _hasher.hash(password),
                "created_at": datetime.now(UTC),
                "disabled": False,
            },
        )
    return User(name, role)


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user with this name and password, if enabled; the hash is upgraded when its settings age."""
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == name.strip())).first()
    stored = row.password_hash if row else _NOBODY
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    if _hasher.check_needs_rehash(stored):
        with writing(engine) as conn:
            conn.execute(
                update(users).where(users.c.id == row.id).values(password_hash=_hasher.hash(password))
            )
    return User(row.name, Role(row.role))


def set_password(engine: Engine, name: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")
    with writing(engine) as conn:
        done = conn.execute(
            update(users).where(users.c.name == name).values(password_hash=_hasher.hash(password))
        )
    if done.rowcount != 1:
        raise AccountError(f"no user called {name!r}")


def issue_token(engine: Engine, name: str) -> str:
    """A new API token for a user, replacing any earlier one; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    with writing(engine) as conn:
        done = conn.execute(update(users).where(users.c.name == name).values(token_hash=_digest(token)))
    if done.rowcount != 1:
        raise AccountError(f"no user called {name!r}")
    return token


def by_token(engine: Engine, token: str) -> User | None:
    if not token:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.token_hash == _digest(token))).first()
    if row is None or row.disabled:
        return None
    return User(row.name, Role(row.role))


def user(engine: Engine, name: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).first()
    return None if row is None else User(row.name, Role(row.role), row.disabled)


def all_users(engine: Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.name)).all()
    return [User(row.name, Role(row.role), row.disabled) for row in rows]


def change(engine: Engine, name: str, role: Role | None = None, disabled: bool | None = None) -> None:
    """Give a user another role, or disable or enable them."""
    values: dict[str, object] = {}
    if role is not None:
        values["role"] = role.value
    if disabled is not None:
        values["disabled"] = disabled
    with writing(engine) as conn:
        done = conn.execute(update(users).where(users.c.name == name).values(**values))
    if done.rowcount != 1:
        raise AccountError(f"no user called {name!r}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
