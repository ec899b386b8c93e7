"""A watched folder of Press Association messages: each file taken once, in order, through the log."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from tallyroom.cli import app as cli
from tallyroom.errors import InputError
from tallyroom.importers.base import Context
from tallyroom.live.night import open_night
from tallyroom.live.watch import Folder
from tallyroom.reference import Reference
from tests.conftest import store_url
from tests.test_feed import LINCOLN, revision_2

PA_DAY = date(2026, 5, 7)


def test_feed_files_are_taken_once_in_order_and_stale_ones_change_nothing(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    night = open_night(engine, ref, PA_DAY)
    folder = Folder(inbox, "pa")
    rejected: list[InputError] = []
    context = Context(ref)

    shutil.copy(LINCOLN, inbox / "001.xml")
    events = [e.json() for e in folder.take(engine, night, context, rejected.append)]
    assert [e["type"] for e in events] == ["council_result", "call", "complete"]
    assert events[0]["composition"] == {
        "Labour": 18,
        "Liberal Democrats": 8,
        "Conservative": 4,
        "Independent": 3,
    }
    assert (events[1]["control"], events[2]["outcome_detail"]["majority_threshold"]) == ("Labour", 17)

    assert folder.take(engine, night, context, rejected.append) == []  # nothing new
    shutil.copy(revision_2(tmp_path), inbox / "002.xml")
    shutil.copy(LINCOLN, inbox / "003-again.xml")  # revision 1 once more, after revision 2: stale
    (inbox / "004.xml.part").write_text("<half a file", encoding="utf-8")  # still being written
    (inbox / "005.xml").write_bytes(b"<LocalElectionResult revision='3'>")  # cut short
    events = [e.json() for e in folder.take(engine, night, context, rejected.append)]
    assert [e["type"] for e in events] == ["council_result"]
    assert events[0]["composition"] == {
        "Labour": 17,
        "Liberal Democrats": 8,
        "Conservative": 5,
        "Independent": 3,
    }
    assert len(rejected) == 1 and "005.xml" in str(rejected[0])
    lincoln = night.councils["E07000138"].outcome
    assert lincoln is not None and lincoln.control_after == "labour"
    assert folder.arrivals() == []  # the partial file waits until it is renamed


def test_watch_once_loads_the_good_files_and_exits_1_naming_a_bad_one(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(LINCOLN, inbox / "001.xml")
    (inbox / "002.xml").write_bytes(b"<LocalElectionResult revision='3'>")  # cut short
    watch = ["watch", str(inbox), "--format", "pa", "--date", PA_DAY.isoformat(), "--once"]
    done = CliRunner().invoke(cli, ["--db", store_url(tmp_path / "watched.db"), *watch])
    assert done.exit_code == 1
    assert [json.loads(line)["type"] for line in done.stdout.splitlines()] == [
        "council_result",
        "call",
        "complete",
    ]
    assert "002.xml" in done.stderr and "rejected" in done.stderr
