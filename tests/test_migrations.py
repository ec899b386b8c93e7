"""The schema's migrations run down to nothing and up again, on SQLite and on PostgreSQL, and a store
migrated up holds the same tables as the schema declares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from tallyroom.store.database import HEAD, alembic_config, connect, stored_revision
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


def test_the_newest_migration_is_the_one_its_file_name_says(tmp_path: Path) -> None:
    """A store is taken as current, without loading Alembic, when its version row is `HEAD`: the number
    the newest file in `migrations/versions` is named after. It must be Alembic's own head."""
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD
    engine = connect(store_url(tmp_path / "current.db"))
    assert stored_revision(engine) == HEAD
    engine.dispose()


def test_opening_a_current_store_does_not_load_alembic(tmp_path: Path) -> None:
    url = store_url(tmp_path / "opened.db")
    connect(url).dispose()
    script = (
        f"import sys; from tallyroom.store.database import connect; connect({url!r}); "
        "print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
