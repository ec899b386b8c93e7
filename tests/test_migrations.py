"""The schema's migrations run down to nothing and up again, on SQLite and on PostgreSQL, and a store
migrated up holds the same tables as the schema declares."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import inspect

from tallyroom.store.database import alembic_config, connect
from tallyroom.store.schema import metadata
from tests.conftest import store_url


def test_migrations_go_down_to_nothing_and_up_again(tmp_path: Path) -> None:
    engine = connect(store_url(tmp_path / "migrations.db"))  # connecting migrates to the newest
    declared = set(metadata.tables)
    assert declared <= set(inspect(engine).get_table_names())
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) - {"alembic_version"} == set()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    found = inspect(engine)
    assert declared <= set(found.get_table_names())
    for table in metadata.sorted_tables:
        assert {c["name"] for c in found.get_columns(table.name)} == set(table.columns.keys()), table.name
    engine.dispose()
