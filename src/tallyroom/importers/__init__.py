"""One module per input format (contract §3); each turns a file into a Batch or an InputError."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # the formats' names are read at every command's start, their modules only at a load
    from tallyroom.delivery import Batch
    from tallyroom.importers.base import Context

FORMATS = (
    "ward",
    "council",
    "control",
    "leap",
    "leh",
    "leh-wards",
    "dc",
    "dc-csv",
    "lga",
    "ocd",
    "pa",
    "blt",
    "stages",
)

Reader: TypeAlias = "Callable[[Path, Context], Batch]"


def reader(format_name: str) -> Reader:
    """The `read` function of a format's module (`dc-csv` is module `dc_csv`)."""
    if format_name not in FORMATS:
        raise KeyError(format_name)
    module = import_module(f"tallyroom.importers.{format_name.replace('-', '_')}")
    read: Reader = module.read
    return read
