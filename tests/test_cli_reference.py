"""The command-line reference in docs/ is what the commands print, fits 80 columns, and cites only
documents that ship with the project."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

ROOT = Path(__file__).resolve().parents[1]


def test_the_reference_is_what_the_commands_print() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "cli_reference.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_help_fits_80_columns_and_cites_documents_that_are_there() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert max(len(line) for line in reference.splitlines()) <= 80
    cited = set(re.findall(r"docs/[\w-]+\.md", reference + (ROOT / "README.md").read_text(encoding="utf-8")))
    assert cited >= {"docs/contract.md", "docs/domain.md", "docs/cli.md"}
    assert all((ROOT / path).is_file() for path in cited), cited
    assert "../shared/docs" not in (ROOT / "README.md").read_text(encoding="utf-8")
