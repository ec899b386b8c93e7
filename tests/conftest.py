"""Shared fixtures: the real data beside the project, the reference registers, and fresh stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tallyroom import reference
from tallyroom.reference import Reference
from tallyroom.store.database import connect

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
LEAP = SHARED / "leap-teale"
LEH = SHARED / "hoc-library-leh"


def leap(year: int) -> Path:
    return next((LEAP / str(year)).glob("leap-*.csv"))


@pytest.fixture(scope="session")
def ref() -> Reference:
    return reference.load()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(f"sqlite:///{tmp_path / 'test.db'}")
    yield engine
    engine.dispose()
