"""Names never drive a terminal. Control characters are refused at input, with their row and field; and
whatever the log holds (an older log, a bug), every command prints names as text: control characters
as escapes, markup as written. Odd but real names print exactly: a right-to-left override, combining
marks with a zero-width joiner, emoji, `<b>`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tallyroom.delivery import Batch
from tallyroom.importers import ward
from tallyroom.importers.base import Context
from tallyroom.reference import Reference
from tallyroom.rules.model import CouncilRef, Poll, WardRef
from tallyroom.store.database import connect
from tallyroom.store.log import SourceInfo, append
from tests.conftest import NIGHT, NIGHT_FILE, copy_url, demo_store

DERBYSHIRE = "E10000007"
DAY = NIGHT.isoformat()
WARD = "Alfreton \x1b[2J[/bold] \u2028Somercotes"  # clears the screen; closes a tag never opened
CANDIDATE = "Rose \x1b]0;pwned\x07 \x9b31m"  # retitles the window; a C1 escape
PARTY = "Evil\x1b[31m [blink]Party"
TOWN = "Evil\x1b[2J [/b]Town"  # a council the register does not know
ODD = ["\u202etsiL\u202c Rita", "Zoe\u0308 Ba\u0301nd\u200d", "\U0001f5f3\ufe0f O'Brien & <b>Sons</b>"]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("terminal") / "eve.db", ref, leave_out=NIGHT_FILE)


def derbyshire(ref: Reference) -> list[Poll]:
    return [p for p in ward.read(NIGHT_FILE, Context(ref)).polls if p.council.code == DERBYSHIRE]


def alfreton(ref: Reference) -> Poll:
    return derbyshire(ref)[0]


def renamed(poll: Poll, names: list[str]) -> Poll:
    """The poll with its first candidates (in ballot order: here the winners first) renamed."""
    candidacies = [c._replace(name=names[i]) if i < len(names) else c for i, c in enumerate(poll.candidacies)]
    return poll._replace(candidacies=tuple(candidacies))


def hostile(ref: Reference) -> Poll:
    """Alfreton with names that hold terminal controls and markup, and an odd but real winner."""
    poll = renamed(alfreton(ref), [CANDIDATE, ODD[0]])
    party = ref.parties.resolve(PARTY)
    candidacies = tuple(c._replace(party=party, label=PARTY) for c in poll.candidacies)
    return poll._replace(ward=WardRef(WARD, poll.ward.code), candidacies=candidacies)


@pytest.fixture(scope="module")
def db(store: str, ref: Reference, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store whose log holds the hostile Alfreton, written to the log directly: no importer takes it."""
    copy = copy_url(store, tmp_path_factory.mktemp("terminal-log") / "odd.db")
    engine = connect(copy)
    poll = hostile(ref)
    town = poll._replace(council=CouncilRef("evil-town", TOWN), ward=WardRef("Centre", "evil-centre"))
    odd = [renamed(derbyshire(ref)[i], [name]) for i, name in enumerate(ODD[1:], start=1)]
    append(engine, Batch(polls=[poll, town, *odd]), SourceInfo("ward", "odd \x1b[5m.csv", "0" * 64))
    engine.dispose()
    return copy


def tallyroom(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", db, *args], capture_output=True, text=True
    )


CONTROLS = ("\x1b", "\x07", "\x9b", "\u2028")


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (["councils", "--date", DAY], "Evil\\x1b[2J [/b]Town"),
        (["council", "Derbyshire", "--date", DAY], "Evil\\x1b[31m [blink]Party"),
        (["headlines", "--date", DAY], "Evil\\x1b[2J [/b]Town"),
        (["history", "Derbyshire", "--date", DAY], "Evil\\x1b[31m [blink]Party"),
        (["replay", "--date", DAY], "Alfreton \\x1b[2J[/bold] \\u2028Somercotes"),
    ],
)
def test_commands_print_names_as_text(db: str, command: list[str], shown: str) -> None:
    done = tallyroom(db, *command)
    assert done.returncode == 0, done.stderr
    printed = done.stdout + done.stderr
    assert not any(control in printed for control in CONTROLS), printed
    assert shown in printed  # escapes shown, markup as written


def test_history_prints_every_name_exactly_but_for_its_controls(db: str) -> None:
    done = tallyroom(db, "history", "Derbyshire", "--date", DAY)
    assert done.returncode == 0, done.stderr
    assert "Alfreton \\x1b[2J[/bold] \\u2028Somercotes" in done.stdout
    assert "Rose \\x1b]0;pwned\\x07 \\x9b31m" in done.stdout
    assert "from odd \\x1b[5m.csv" in done.stdout


@pytest.mark.parametrize(
    ("command", "names"),
    [
        (["history", "Derbyshire", "--date", DAY, "--json"], [WARD, CANDIDATE, *ODD]),
        (["replay", "--date", DAY, "--jsonl"], [WARD, CANDIDATE]),  # the winners
    ],
)
def test_json_escapes_every_control_and_reads_back_exactly(
    db: str, command: list[str], names: list[str]
) -> None:
    done = tallyroom(db, *command)
    assert done.returncode == 0, done.stderr
    assert not any(control in done.stdout for control in CONTROLS)
    documents = (
        [json.loads(line) for line in done.stdout.splitlines()]
        if "--jsonl" in command
        else json.loads(done.stdout)
    )
    assert set(names) <= set(strings(documents))


def strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_odd_but_real_names_print_exactly(db: str) -> None:
    done = tallyroom(db, "history", "Derbyshire", "--date", DAY)
    for name in ODD:
        assert name in done.stdout
