"""The command line as contract §1 and §2 give it: JSON shapes, exit statuses, the database option."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import leap

DEMO_DAY = "2021-05-06"


def tallyroom(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", f"sqlite:///{db}", *args], capture_output=True, text=True
    )


def test_demo_then_json_commands(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    shown = tallyroom(db, "demo")
    assert shown.returncode == 0, shown.stderr
    assert "Conservatives gain Nottinghamshire from no overall control" in shown.stdout
    again = tallyroom(db, "demo")
    assert "0 new" in again.stderr and "283 already loaded" in again.stderr

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
        "Nottinghamshire",
    ]
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
        assert set(council["control"]) == {"before", "after", "decided"}
        assert council["outcome"] in {"HOLD", "GAIN", "LOSS_TO_NOC", "NOC_HOLD", "NEW", None}

    lines = json.loads(tallyroom(db, "headlines", "--date", DEMO_DAY, "--json").stdout)
    assert lines[0]["headline"] == "Conservatives gain Nottinghamshire from no overall control"
    assert {line["headline"] for line in lines} >= {"Conservatives hold Derbyshire", "Labour hold Lincoln"}
    assert (
        tallyroom(db, "headlines", "--date", DEMO_DAY, "--region", "North East", "--json").stdout.strip()
        == "[]"
    )


def test_exit_statuses(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    broken = tmp_path / "leap-2019-05-02.csv"
    broken.write_text(leap(2019).read_text(encoding="utf-8").replace('"674"', '"6x4"', 1), encoding="utf-8")
    rejected = tallyroom(db, "import", "leap", str(broken))
    assert rejected.returncode == 1
    assert "leap-2019-05-02.csv, row 1: field 'votes'" in rejected.stderr
    assert tallyroom(db, "import", "nonsense", str(broken)).returncode == 2
    assert tallyroom(db, "councils", "--date", "2019-13-40").returncode == 2
    assert tallyroom(db, "council", "Nowhere", "--date", "2019-05-02").returncode == 1


def test_database_from_the_environment(tmp_path: Path) -> None:
    db = tmp_path / "env.db"
    env = {"TALLYROOM_DB": f"sqlite:///{db}", "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "tallyroom", "councils", "--date", "2019-05-02", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [] and db.exists()
