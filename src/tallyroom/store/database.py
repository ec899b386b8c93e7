"""Opening the store: the engine, SQLite's durability settings, and migrations to the newest schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, ProgrammingError

from tallyroom.store.schema import metadata

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_URL = "sqlite:///tallyroom.db"


class Backend(StrEnum):
    """The databases tallyroom keeps its log in, by URL scheme."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class StoreUnavailable(RuntimeError):
    """The database cannot be used: a URL tallyroom does not take, or a store that cannot be reached
    or opened. The message says which, with the URL's password left out."""


def database_url(option: str | None) -> str:
    """`--db`, else `TALLYROOM_DB`, else `tallyroom.db` in the working directory (contract §1)."""
    url = option or os.environ.get("TALLYROOM_DB") or DEFAULT_URL
    backend = url.partition(":")[0].partition("+")[0]
    if "://" not in url or backend not in set(Backend):
        raise StoreUnavailable(
            f"not a database URL tallyroom takes: {shown(url)!r}; "
            "give sqlite:///FILE or postgresql://USER@HOST/DATABASE"
        )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def shown(url: str) -> str:
    """The URL as it may be printed: its password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.partition("@")[2] or url


class StoreError(RuntimeError):
    """The database refused a write (read-only, full, gone away): the transaction was rolled back and
    nothing of it was written."""


WRITE = {"tallyroom_write": True}
"""Execution options for a transaction that writes: on SQLite it takes the write lock at its start."""


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: it takes the write lock (SQLite) or the writers' advisory lock
    (PostgreSQL) before it reads anything, commits at the end of the block, or rolls back."""
    with engine.connect().execution_options(**WRITE) as conn, conn.begin():
        yield conn


Bind = Engine | Connection
"""What a query reads through: an engine, for a connection of its own, or a connection already open, so
that a caller asking several things at once asks them on one connection."""


@contextmanager
def reading(bind: Bind) -> Iterator[Connection]:
    """A connection to read on: the one given, or a new one of the engine's, closed after. A new one's
    transaction ends with a commit, not the rollback closing sends: on PostgreSQL a rollback makes
    psycopg forget the statements it has prepared on the connection, so a night's statements would be
    parsed and planned again at every declaration (`benchmarks/profiles/ingest-post-postgres.txt`)."""
    if isinstance(bind, Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn
            conn.commit()


def connect(url: str) -> Engine:
    """An engine on the newest schema. SQLite runs in WAL mode, syncs every commit to disk, and lets
    SQLAlchemy begin transactions itself, so that a writing transaction can take the write lock before
    it reads what it will append to (two desks entering one ward at once then queue, not collide). On
    PostgreSQL a writing transaction takes an advisory lock first, to the same end."""
    try:
        engine = create_engine(url, pool_pre_ping=True)  # a connection lost to a restart is replaced
    except (ArgumentError, ImportError) as error:
        raise StoreUnavailable(f"cannot use the database {shown(url)}: {error}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "begin", _postgresql_begin)
    try:
        migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0]
        raise StoreUnavailable(f"cannot open the database {shown(url)}: {reason}") from None
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    writing = connection.get_execution_options().get("tallyroom_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


ANALYSIS_LIMIT = 1000
"""The index entries SQLite's ANALYZE reads of each index at most: figures close enough to plan by,
read in milliseconds however big the store."""

LOG_TABLES = ("polls", "declarations", "council_records", "sources", "stv_papers", "read_out_stages")
"""The tables a delivery adds to, whose figures `refresh_statistics` brings up to date."""


def refresh_statistics(conn: Connection) -> None:
    """Give the query planner fresh figures for the log's tables, after a delivery that added many rows.
    Without them SQLite guesses that a day holds few polls, fewer than one delivery's declarations, and
    so reads every declaration of the day to find one delivery's (3 ms instead of 0.1 ms at each
    declaration of a live night); PostgreSQL's own analysis may come a minute later."""
    for table in LOG_TABLES:
        conn.exec_driver_sql(f"ANALYZE {table}")


WRITE_LOCK = 0x7A11_4004
"""The PostgreSQL advisory lock a writing transaction holds: writers queue, as SQLite's do."""


def _postgresql_begin(connection: Connection) -> None:
    if connection.get_execution_options().get("tallyroom_write", False):
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")


HEAD = max(
    entry.name[:4]
    for entry in resources.files("tallyroom.store").joinpath("migrations", "versions").iterdir()
    if entry.name[:4].isdigit()
)
"""The newest migration. Each file in `migrations/versions` is named after its revision (`0008_...`)."""


def stored_revision(engine: Engine) -> str | None:
    """The schema revision the store says it has, or None for a store not yet made."""
    try:
        with engine.connect() as conn:
            found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except (OperationalError, ProgrammingError):
        return None
    return None if found is None else str(found)


def alembic_config() -> Config:
    from alembic.config import Config  # Alembic loads only when a store is opened

    config = Config()
    config.set_main_option("script_location", str(resources.files("tallyroom.store").joinpath("migrations")))
    return config


VERSION = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)
"""Alembic's table of the revision a store is at, as Alembic makes it."""


def migrate(engine: Engine) -> None:
    """Bring the store to the newest schema. A store already there is told by its version row alone,
    without loading Alembic (a third of a command's start). A new store, holding no table, is made
    from the schema the code declares and stamped with the newest revision, as Alembic's cookbook
    builds a database from scratch: the migrations, one step after another, make the same tables in six
    times as long (0.13 s against 0.02 s on SQLite). They bring an older store up."""
    found = stored_revision(engine)
    if found == HEAD:
        return
    if found is None:
        with writing(engine) as connection:  # two commands making one store take turns
            if not inspect(connection).get_table_names():
                metadata.create_all(connection)
                VERSION.create(connection)
                connection.execute(VERSION.insert(), {"version_num": HEAD})
                return
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
