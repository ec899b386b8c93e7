"""tallyroom: election-night results for UK local elections."""

from typing import Any


def __getattr__(name: str) -> Any:
    """`__version__`, read from the installed package's metadata only when asked for: the metadata
    reader costs a command's start more than it is worth to a command that never shows it."""
    if name == "__version__":
        from importlib.metadata import version

        return version("tallyroom")
    raise AttributeError(f"module 'tallyroom' has no attribute {name!r}")
