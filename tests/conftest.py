"""Shared fixtures: the real data beside the project, the reference registers, and fresh stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tallyroom import reference
from tallyroom.importers import ward
from tallyroom.importers.base import Context
from tallyroom.live.night import Night
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.rules.model import ElectionType, Poll
from tallyroom.store import queries
from tallyroom.store.database import connect

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
LEAP = SHARED / "leap-teale"
LEH = SHARED / "hoc-library-leh"
DEMO = Path(__file__).resolve().parents[1] / "src" / "tallyroom" / "data" / "demo"
NIGHT_FILE = DEMO / "2021-05-06-east-midlands.csv"
NIGHT = date(2021, 5, 6)


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


def night_from_nominations(engine: Engine, ref: Reference) -> Night:
    """The 2021 night opened from its nominations (the polls of the demo's night file), for a store that
    holds every demo file but that one: results then arrive as they would on the night."""
    nominations = ward.read(NIGHT_FILE, Context(ref)).polls
    codes = {p.council.code for p in nominations}
    earlier: dict[str, list[Poll]] = {}
    for poll in queries.load_polls(engine, ref.parties, before=NIGHT, councils=codes):
        if poll.election_type is ElectionType.LOCAL:
            earlier.setdefault(poll.council.code, []).append(poll)
    return Night.open(ref, NIGHT, nominations, earlier)
