"""Shared fixtures: the real data beside the project, the reference registers, and fresh stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tallyroom import reference
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.store.database import connect

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
LEAP = SHARED / "leap-teale"
LEH = SHARED / "hoc-library-leh"
DEMO = Path(__file__).resolve().parents[1] / "src" / "tallyroom" / "data" / "demo"


def leap(year: int) -> Path:
    return next((LEAP / str(year)).glob("leap-*.csv"))


@pytest.fixture(scope="session")
def ref() -> Reference:
    return reference.load()


@pytest.fixture(scope="session")
def context(ref: Reference) -> Context:
    return Context(ref)


def demo_store(path: Path, ref: Reference, leave_out: Path | None = None) -> Path:
    """A store holding the shipped demo files (the real East Midlands results), less `leave_out`."""
    engine = connect(f"sqlite:///{path}")
    for demo in sorted(DEMO.glob("*.csv")):
        if demo != leave_out:
            load_file(engine, "ward", demo, Context(ref))
    engine.dispose()
    return path


def copy_of(store: Path, folder: Path) -> Engine:
    """An engine on a fresh copy of a store, for a test that writes."""
    copy = folder / "copy.db"
    copy.write_bytes(store.read_bytes())
    return connect(f"sqlite:///{copy}")


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(f"sqlite:///{tmp_path / 'test.db'}")
    yield engine
    engine.dispose()
