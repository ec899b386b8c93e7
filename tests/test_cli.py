"""The command line as contract §1 and §2 give it: JSON shapes, exit statuses, the database option."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
from sqlalchemy import create_engine, inspect

from tallyroom.reference import Reference
from tallyroom.store.database import connect, database_url
from tallyroom.web.accounts import Role, authenticate
from tests.conftest import LEH, NIGHT_COUNCILS, NIGHT_POLLS, demo_store, leap, store_url

DEMO_DAY = "2021-05-06"


def tallyroom(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", db, *args], capture_output=True, text=True
    )


def test_the_demo_replays_the_night_onto_the_website(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = store_url(tmp_path / "demo.db")  # made once: on PostgreSQL, making it again would empty it
    command = [sys.executable, "-m", "tallyroom", "--db", db, "demo"]
    demo = subprocess.Popen(
        [*command, "--port", str(port), "--speed", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert demo.stdout is not None
        lines = [demo.stdout.readline() for _ in range(3)]
        assert f"website:      http://127.0.0.1:{port}/" in "".join(lines)
        login = re.search(r"name: demo-editor, password: (\S+)\)", "".join(lines))
        assert login is not None
        user = authenticate(connect(db), "demo-editor", login.group(1))
        assert user is not None and user.role == Role.EDITOR
        deadline, progress = time.monotonic() + 60, {}
        while time.monotonic() < deadline:
            try:
                progress = httpx2.get(f"http://127.0.0.1:{port}/api/progress").json()["night"]
            except httpx2.TransportError:
                progress = {}
            if progress.get("councils_complete") == NIGHT_COUNCILS:
                break
            time.sleep(0.2)
        assert progress["councils_complete"] == progress["councils"] == NIGHT_COUNCILS
        night = httpx2.get(f"http://127.0.0.1:{port}/").text
        assert "Conservatives gain Nottinghamshire from no overall control" in night
    finally:
        demo.terminate()
        demo.wait(10)


def test_demo_then_json_commands(tmp_path: Path) -> None:
    db = store_url(tmp_path / "demo.db")
    shown = tallyroom(db, "demo", "--no-serve")
    assert shown.returncode == 0, shown.stderr
    assert "Conservatives gain Nottinghamshire from no overall control" in shown.stdout
    again = tallyroom(db, "demo", "--no-serve")
    assert "0 new" in again.stderr and f"{NIGHT_POLLS} already loaded" in again.stderr

    one = tallyroom(db, "council", "Derbyshire", "--date", DEMO_DAY, "--json")
    assert one.returncode == 0, one.stderr
    body = json.loads(one.stdout)
    assert body["council"] == {"name": "Derbyshire", "code": "E10000007"}
    assert body["composition"] == {"Conservative": 45, "Labour": 14, "Liberal Democrats": 4, "Green": 1}
    assert body["change"]["baseline"] == "last-fought" and body["change"]["baseline_date"] == "2017-05-04"
    assert tallyroom(db, "council", "E10000007", "--date", DEMO_DAY, "--json").stdout == one.stdout

    every = json.loads(tallyroom(db, "councils", "--date", DEMO_DAY, "--json").stdout)
    assert [c["council"]["name"] for c in every] == [
        "Amber Valley",
        "Derby",
        "Derbyshire",
        "Leicestershire",
        "Lincoln",
        "Lincolnshire",
        "North Northamptonshire",
        "Nottinghamshire",
        "West Northamptonshire",
    ]
    new = [c for c in every if c["council"]["name"].endswith("Northamptonshire")]
    assert [(c["outcome"], c["control"]["before_source"]) for c in new] == [("NEW", "new-council")] * 2
    contract_keys = {
        "council",
        "election_date",
        "total_seats",
        "seats_up",
        "seats_declared",
        "majority_threshold",
        "won",
        "composition",
        "control",
        "outcome",
        "change",
        "headline",
    }
    for council in every:
        assert contract_keys <= set(council)
        assert set(council["control"]) == {"before", "after", "decided", "before_source"}
        assert council["control"]["before_source"] in {"roll", "new-council"}  # the demo's roll of the eve
        assert council["outcome"] in {"HOLD", "GAIN", "LOSS_TO_NOC", "NOC_HOLD", "NEW", None}

    lines = json.loads(tallyroom(db, "headlines", "--date", DEMO_DAY, "--json").stdout)
    assert lines[0]["headline"] == "Conservatives gain Nottinghamshire from no overall control"
    assert {line["headline"] for line in lines} >= {"Conservatives hold Derbyshire", "Labour hold Lincoln"}
    assert (
        tallyroom(db, "headlines", "--date", DEMO_DAY, "--region", "North East", "--json").stdout.strip()
        == "[]"
    )


def test_history_says_what_each_revision_changed(tmp_path: Path, ref: Reference) -> None:
    """The Library's workbook over the demo's results for Derby's Darley: the same figures, and the
    published turnout, which the demo's file has not."""
    db = demo_store(tmp_path / "demo.db", ref)
    assert tallyroom(db, "import", "leh", str(LEH / "local_elections_2021_results-2.xlsx")).returncode == 0
    darley = ["history", "Derby", "--ward", "Darley", "--date", DEMO_DAY]
    first, second = tallyroom(db, *darley).stdout.splitlines()
    assert first.endswith(
        "from 2021-05-06-east-midlands.csv: Martin A. (Labour), Grimadell A.L. (Conservative)"
    )
    assert second.endswith("(Conservative) (changed: turnout)") and " r2 declared " in second
    (_, revised) = json.loads(tallyroom(db, *darley, "--json").stdout)
    assert (revised["changed"], revised["figures"]["turnout_published"]) == (["turnout_published"], 37.6)


def test_tables_say_outcomes_and_change_in_words(tmp_path: Path, ref: Reference) -> None:
    db = demo_store(tmp_path / "demo.db", ref)
    night = tallyroom(db, "councils", "--date", DEMO_DAY).stdout
    derby = next(line for line in night.splitlines() if "Derby " in line)
    assert "NOC → NOC" in derby and "still no overall control" in derby
    as_json = json.loads(tallyroom(db, "councils", "--date", DEMO_DAY, "--json").stdout)
    assert next(c["outcome"] for c in as_json if c["council"]["name"] == "Derby") == "NOC_HOLD"
    lincoln = next(
        line
        for line in tallyroom(db, "councils", "--date", "2019-05-02").stdout.splitlines()
        if "Lincoln " in line
    )
    assert "no change (last-fought)" in lincoln and "+0" not in lincoln


def test_exit_statuses(tmp_path: Path) -> None:
    db = store_url(tmp_path / "t.db")
    broken = tmp_path / "leap-2019-05-02.csv"
    broken.write_text(leap(2019).read_text(encoding="utf-8").replace('"674"', '"6x4"', 1), encoding="utf-8")
    rejected = tallyroom(db, "import", "leap", str(broken))
    assert rejected.returncode == 1
    assert "leap-2019-05-02.csv, row 1: field 'votes'" in rejected.stderr
    assert tallyroom(db, "import", "nonsense", str(broken)).returncode == 2
    assert tallyroom(db, "councils", "--date", "2019-13-40").returncode == 2
    assert tallyroom(db, "council", "Nowhere", "--date", "2019-05-02").returncode == 1


def test_database_from_the_environment(tmp_path: Path) -> None:
    db = store_url(tmp_path / "env.db")
    env = {"TALLYROOM_DB": db, "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "tallyroom", "councils", "--date", "2019-05-02", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    assert inspect(create_engine(database_url(db))).has_table("polls")  # the store was made where it said


def test_publish_bakes_the_night_to_a_folder(tmp_path: Path) -> None:
    db = store_url(tmp_path / "demo.db")
    assert tallyroom(db, "demo", "--no-serve").returncode == 0
    folder = tmp_path / "site"
    site = "https://results.example.org"
    done = tallyroom(db, "publish", "--to", str(folder), "--base-url", site, "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith(f"written to {folder} by 2 processes")
    written = int(done.stderr.split()[0])
    assert written == sum(1 for p in folder.rglob("*") if p.is_file())
    assert "Conservatives hold Derbyshire" in (folder / "council" / "E10000007" / "index.html").read_text()
    feed = (folder / "feeds" / "declarations.atom").read_text(encoding="utf-8")
    assert "https://results.example.org/council/E10000007/ward/" in feed
    alone = tmp_path / "alone"
    done = tallyroom(db, "publish", "--to", str(alone), "--base-url", site, "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert baked(alone) == baked(folder)  # shared with a helper process or not, the same bytes


def baked(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_command_line_starts_without_the_web_stack() -> None:
    """`--help` and the reading commands load no web framework, server or HTTP client (issue 14)."""
    heavy = (
        "fastapi",
        "pydantic",
        "starlette",
        "uvicorn",
        "httpx2",
        "openpyxl",
        "alembic",
        "jinja2",
        "argon2",
    )
    done = subprocess.run(
        [sys.executable, "-c", f"import sys, tallyroom.cli; print([m for m in {heavy} if m in sys.modules])"],
        capture_output=True,
        text=True,
    )
    assert done.stdout.strip() == "[]", done.stderr
