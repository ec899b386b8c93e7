"""Python's cycle collector, paused for work that makes many objects and no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycles_left_alone() -> Iterator[None]:
    """The collector paused for a block that makes many small objects and no cycles, as reading a file
    or taking in a night's log does: every few hundred new objects it would walk the young ones, and
    now and then every live object (a fifth of the time of loading a national night, an eighth of
    opening one: `benchmarks/profiles/load-leap-2019.txt`, `night-open.txt`). The objects are freed by
    their counts as usual; cycles wait for the collector to resume. The collector is the process's:
    a block in one thread pauses it for all, and each block leaves it as it found it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
