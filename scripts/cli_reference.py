"""Write docs/cli.md, the command-line reference, from every command's `--help` at 80 columns.

Run: .venv/bin/python scripts/cli_reference.py [--check]
(--check writes nothing, and exits 1 when docs/cli.md is not what the commands now print.)
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main
from typer.testing import CliRunner

from tallyroom.cli import app

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
WIDTH = {"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"}


def commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command's words after `tallyroom`, the group before its subcommands, in help order."""
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def reference() -> str:
    runner = CliRunner()
    parts = [
        "# The command line\n\n"
        "Every command's `--help` at 80 columns, written by `scripts/cli_reference.py`;\n"
        "`make test` fails when this file is not what the commands print.\n"
    ]
    for path in commands(typer.main.get_command(app)):
        shown = runner.invoke(app, [*path, "--help"], env=WIDTH, prog_name="tallyroom")
        if shown.exit_code != 0:
            raise SystemExit(f"tallyroom {' '.join(path)} --help failed: {shown.output}")
        text = "\n".join(line.rstrip() for line in shown.output.strip("\n").splitlines())
        parts.append(f"## {' '.join(('tallyroom', *path))}\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


def main() -> None:
    text = reference()
    if "--check" in sys.argv[1:]:
        if REFERENCE.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{REFERENCE} is out of date: run .venv/bin/python scripts/cli_reference.py")
        return
    REFERENCE.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
