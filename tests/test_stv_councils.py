"""Scottish councils from their ballots alone: 2017 and 2022 counted ward by ward, control from the
winners, and the change in each party's seats since 2017, against the House of Commons Library's net
seats (CBP 9545) for the councils whose every ward of both years has a ballot file and whose wards
did not change: Aberdeen, Dundee and Stirling."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import SHARED, store_url
from tests.test_stv_scotland import LIBRARY_2022

BALLOTS = SHARED / "scot-elex-ballots" / "blt_files"
COUNCILS = {"S12000033": "aberdeen", "S12000042": "dundee", "S12000030": "stirling"}
GROUPS = {"Conservative": "CON", "Labour": "LAB", "Liberal Democrats": "LD", "SNP": "SNP"}

pytestmark = pytest.mark.skipif(not BALLOTS.exists(), reason="the Scottish ballot files are not here")


def library_net_seats() -> dict[str, dict[str, int]]:
    with LIBRARY_2022.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))[2:]
    return {
        r[0]: dict(zip(("CON", "LAB", "LD", "SNP", "Others"), map(int, r[23:28]), strict=True)) for r in rows
    }


def test_change_since_2017_is_the_librarys_and_dundee_falls_to_the_snp(
    tmp_path: Path, ref: Reference
) -> None:
    url = store_url(tmp_path / "scotland.db")
    run = [sys.executable, "-m", "tallyroom", "--db", url]
    files = [
        str(path)
        for slug in COUNCILS.values()
        for year in (2017, 2022)
        for path in sorted(BALLOTS.glob(f"*/{slug}_{year}_*.blt"))
    ]
    subprocess.run([*run, "import", "blt", *files], check=True, capture_output=True)
    library = library_net_seats()
    for code in COUNCILS:
        shown = subprocess.run(
            [*run, "council", code, "--date", "2022-05-05", "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        council = json.loads(shown.stdout)
        assert council["seats_declared"] == council["seats_up"] == council["total_seats"]
        assert council["change"]["baseline_date"] == "2017-05-04"
        assert council["change"]["seats_not_compared"] == 0
        net = dict.fromkeys(library[code], 0)
        for party, seats in council["change"]["seats"].items():
            net[GROUPS.get(party, "Others")] += seats
        assert net == library[code], code
    dundee = json.loads(
        subprocess.run(
            [*run, "council", "Dundee", "--date", "2022-05-05", "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    assert (dundee["control"]["before"], dundee["control"]["after"], dundee["outcome"]) == (
        "NOC",
        "SNP",
        "GAIN",
    )
    assert dundee["composition"]["SNP"] == dundee["majority_threshold"] == 15
    engine = connect(url)
    with TestClient(create_app(Site.open(engine, ref, date(2022, 5, 5)))) as client:
        page = client.get("/council/S12000042").text
    engine.dispose()
    assert "Seats by party, and the change since 2017" in page
    assert (
        "Net change in seats: SNP +1, Liberal Democrats +2, Conservative \u22122, Independent \u22121."
        in page
    )
