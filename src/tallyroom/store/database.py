"""Opening the store: the engine, SQLite's durability settings, and migrations to the newest schema."""

from __future__ import annotations

import os
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

DEFAULT_URL = "sqlite:///tallyroom.db"


def database_url(option: str | None) -> str:
    """`--db`, else `TALLYROOM_DB`, else `tallyroom.db` in the working directory (contract §1)."""
    url = option or os.environ.get("TALLYROOM_DB") or DEFAULT_URL
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def connect(url: str) -> Engine:
    """An engine on the newest schema. SQLite runs in WAL mode and syncs every commit to disk."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    migrate(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("tallyroom.store").joinpath("migrations")))
    return config


def migrate(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
