"""The cycle collector is paused only for the block, and left as the block found it, whatever happens in
it: a server left without it would keep every cycle it ever made."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tallyroom.cycles import cycles_left_alone

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file


@pytest.fixture
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


@pytest.mark.usefixtures("collector_restored")
@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_in_the_block_and_left_as_it_was(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    with cycles_left_alone():
        assert not gc.isenabled()
    assert gc.isenabled() is enabled
    with pytest.raises(ZeroDivisionError), cycles_left_alone():
        1 / 0  # noqa: B018
    assert gc.isenabled() is enabled
