"""The stage CSV: every STV count of Moray's 2017 election, counted from its ballots, served at
`/export/stages.csv` and printed by `stages`, in a stage sheet's columns, so `stv-check` agrees with it."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import SHARED, store_url

MORAY_2017 = sorted((SHARED / "scot-elex-ballots" / "blt_files").glob("*/moray_2017_*.blt"))

pytestmark = pytest.mark.skipif(not MORAY_2017, reason="the Scottish ballot files are not here")


def test_every_stage_of_every_ward_is_a_row(engine: Engine, context: Context, ref: Reference) -> None:
    for path in MORAY_2017:
        load_file(engine, "blt", path, context)
    with TestClient(create_app(Site.open(engine, ref, date(2017, 5, 4)))) as client:
        answer = client.get("/export/stages.csv")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="stages-2017-05-04.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len({r["ward_code"] for r in rows}) == 8
    elgin = [r for r in rows if r["ward_code"] == "S13003029"]
    assert {r["quota"] for r in elgin} == {"895"}
    second = [r for r in elgin if r["stage"] == "2"]
    assert (second[0]["action"], second[0]["subjects"], second[0]["transfer_value"]) == (
        "surplus",
        "Frank BROWN",
        "0.24216",
    )
    votes = {r["candidate"]: r["votes"] for r in second}
    assert votes["Sandy COOPER"] == "605.85880"
    assert {r["party_name"] for r in second if r["candidate"] == "Paula COY"} == {"SNP"}
    for ward in {r["ward_code"] for r in rows}:
        stages = {r["stage"] for r in rows if r["ward_code"] == ward}
        for stage in stages:
            lines = [r for r in rows if r["ward_code"] == ward and r["stage"] == stage]
            assert lines[-1]["candidate"] == "non-transferable"
        elected = [r["candidate"] for r in rows if r["ward_code"] == ward and r["status"] == "elected"]
        assert elected and len(elected) == len(set(elected))
    elected = [r["candidate"] for r in elgin if r["status"] == "elected"]
    assert sorted(elected) == ["Frank BROWN", "Paula COY", "Sandy COOPER"]
    excluded = [(r["stage"], r["candidate"]) for r in elgin if r["status"] == "excluded"]
    assert excluded[:2] == [("3", "Billy ADAMS"), ("4", "Nick TAYLOR")]
    total = sum(Decimal(r["votes"]) for r in elgin if r["stage"] == "1")
    assert total == 3579


def test_the_command_prints_what_stv_check_agrees_with(tmp_path: Path) -> None:
    db = store_url(tmp_path / "stages.db")
    run = [sys.executable, "-m", "tallyroom", "--db", db]
    subprocess.run([*run, "import", "blt", *map(str, MORAY_2017)], check=True, capture_output=True)
    printed = subprocess.run(
        [*run, "stages", "--date", "2017-05-04", "--council", "Moray"],
        check=True,
        capture_output=True,
        text=True,
    )
    sheet = tmp_path / "moray.csv"
    sheet.write_text(printed.stdout, encoding="utf-8")
    check = subprocess.run(
        [*run, "stv-check", str(sheet), "--date", "2017-05-04"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout
    assert check.stdout.count("agree with the count") == 8
    nothing = subprocess.run([*run, "stages", "--date", "2022-05-05"], capture_output=True, text=True)
    assert nothing.returncode == 1
    assert "no STV count whose papers this store holds on 2022-05-05" in nothing.stderr
