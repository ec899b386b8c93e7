"""The errors a user sees as one clear line: what was wrong, and where."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """A file that cannot be loaded, with where and why."""

    def __init__(self, path: Path | str, message: str, row: int | None = None, field: str | None = None):
        self.path, self.row, self.field, self.message = str(path), row, field, message
        where = self.path + (f", row {row}" if row is not None else "")
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{message}")
