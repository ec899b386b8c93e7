"""The schema's migrations run down to nothing and up again, on SQLite and on PostgreSQL; a store
migrated up holds the schema the code declares, and so does a new store, which is made from that
schema without the migrations."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from tallyroom.store.database import HEAD, alembic_config, connect, stored_revision
from tallyroom.store.schema import metadata
from tests.conftest import new_url, store_url


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
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    engine.dispose()


def schema_of(engine: Engine) -> dict[str, Any]:
    """Every table as the database describes it: columns, keys, indexes, constraints."""
    found = inspect(engine)
    return {
        table: (
            [(c["name"], str(c["type"]), c["nullable"], c.get("default")) for c in found.get_columns(table)],
            found.get_pk_constraint(table)["constrained_columns"],
            sorted((f["constrained_columns"], f["referred_table"]) for f in found.get_foreign_keys(table)),
            sorted((i["name"], i["column_names"], i["unique"]) for i in found.get_indexes(table)),
            sorted(u["column_names"] for u in found.get_unique_constraints(table)),
        )
        for table in sorted(found.get_table_names())
    }


def test_a_new_store_is_made_as_the_migrations_would_make_it(tmp_path: Path) -> None:
    made = connect(new_url(tmp_path / "made.db"))
    migrated = connect(store_url(tmp_path / "migrated.db"))
    config = alembic_config()
    with migrated.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        command.upgrade(config, "head")
    assert schema_of(made) == schema_of(migrated)
    assert set(metadata.tables) < set(schema_of(made))
    assert stored_revision(made) == stored_revision(migrated) == HEAD
    with made.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == HEAD  # as Alembic reads it
    made.dispose()
    migrated.dispose()


def test_the_newest_migration_is_the_one_its_file_name_says(tmp_path: Path) -> None:
    """A store is taken as current, without loading Alembic, when its version row is `HEAD`: the number
    the newest file in `migrations/versions` is named after. It must be Alembic's own head."""
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD
    engine = connect(store_url(tmp_path / "current.db"))
    assert stored_revision(engine) == HEAD
    engine.dispose()


def test_making_or_opening_a_current_store_does_not_load_alembic(tmp_path: Path) -> None:
    url = store_url(tmp_path / "opened.db")
    new = new_url(tmp_path / "new.db")
    connect(url).dispose()
    script = (
        f"import sys; from tallyroom.store.database import connect; connect({url!r}); connect({new!r}); "
        "print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
    made = connect(new)
    assert stored_revision(made) == HEAD
    made.dispose()


def _opened(url: str) -> str | None:
    engine = connect(url)
    found = stored_revision(engine)
    engine.dispose()
    return found


def test_commands_making_one_new_store_at_once_take_turns(tmp_path: Path) -> None:
    url = new_url(tmp_path / "shared.db")
    with ProcessPoolExecutor(4) as pool:
        assert list(pool.map(_opened, [url] * 4)) == [HEAD] * 4
