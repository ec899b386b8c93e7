"""The README's "Using it" commands, run as a newcomer would on a fresh clone, print what it shows."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

README = Path(__file__).resolve().parents[1] / "README.md"


def transcript() -> list[tuple[str, str]]:
    """Each `$ command` of the section's console block, with the output shown under it."""
    section = README.read_text(encoding="utf-8").split("## Using it", 1)[1]
    block = re.search(r"```console\n(.*?)```", section, re.DOTALL)
    assert block is not None, "the README's 'Using it' has no console block"
    steps: list[tuple[str, str]] = []
    for line in block.group(1).splitlines(keepends=True):
        if line.startswith("$ "):
            steps.append((line[2:].strip(), ""))
        else:
            command, shown = steps[-1]
            steps[-1] = (command, shown + line)
    return steps


def test_the_readme_commands_print_what_it_shows(tmp_path: Path) -> None:
    clone = tmp_path / "tallyroom"
    clone.mkdir()
    (tmp_path / "shared").symlink_to(SHARED.parents[1], target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k != "TALLYROOM_DB"}
    steps = transcript()
    assert len(steps) >= 4
    for command, shown in steps:
        program, *args = shlex.split(command)
        assert program == ".venv/bin/tallyroom"
        done = subprocess.run(
            [sys.executable, "-m", "tallyroom", *args], cwd=clone, env=env, capture_output=True, text=True
        )
        assert done.stdout + done.stderr == shown, command
    assert (clone / "tallyroom.db").is_file()  # the default store, where the README says
