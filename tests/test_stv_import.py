"""`import blt`: a Scottish ward's papers loaded, kept as evidence, and counted for its result."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from tallyroom.errors import InputError
from tallyroom.importers.base import Context
from tallyroom.importers.blt import parse
from tallyroom.importers.limits import CONTROL
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.store.queries import load_polls
from tallyroom.store.schema import stv_papers
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import SHARED, store_url

BALLOTS = SHARED / "scot-elex-ballots" / "blt_files"
MORAY_2017 = BALLOTS / "6_cands" / "moray_2017_ward6.blt"
MORAY_2022 = BALLOTS / "6_cands" / "moray_2022_ward6.blt"

pytestmark = pytest.mark.skipif(not MORAY_2017.exists(), reason="the Scottish ballot files are not here")


def test_the_ward_is_loaded_with_its_papers_and_counted(
    engine: Engine, context: Context, ref: Reference
) -> None:
    batch, report = load_file(engine, "blt", MORAY_2017, context)
    assert report.new == 1
    (poll,) = load_polls(engine, ref.parties, on=date(2017, 5, 4))
    assert (poll.council.name, poll.ward, poll.seats) == ("Moray", batch.polls[0].ward, 3)
    assert poll.ward.code == "S13003029"
    votes = {c.name: c.votes for c in poll.candidacies}
    assert (votes["Frank BROWN"], votes["Patsy GOWANS"], votes["Sandy COOPER"]) == (1181, 537, 532)
    # Transfers lift Sandy Cooper past Patsy Gowans, as LEAP has it.
    elected = sorted(c.name for c in poll.candidacies if c.elected)
    assert elected == ["Frank BROWN", "Paula COY", "Sandy COOPER"]
    with engine.connect() as conn:
        (papers,) = conn.execute(select(stv_papers.c.papers)).scalars()
    held = json.loads(papers)
    assert (held["seats"], held["candidates"]) == (3, [c.name for c in batch.polls[0].candidacies])
    assert sum(voters for voters, _ranking in held["papers"]) == sum(c.votes or 0 for c in poll.candidacies)
    _, again = load_file(engine, "blt", MORAY_2017, context)
    assert again.unchanged == 1
    with engine.connect() as conn:
        assert len(conn.execute(select(stv_papers.c.id)).all()) == 1


def test_a_mis_decoded_name_is_repaired_and_said_so(engine: Engine, context: Context) -> None:
    batch, _ = load_file(engine, "blt", MORAY_2022, context)
    assert batch.polls[0].election_date == date(2022, 5, 5)
    candidates = {c.name: c for c in batch.polls[0].candidacies}
    # "Scottish National Party (SNP)": the register knows the party by the abbreviation in brackets.
    assert candidates["Jérémie FERNANDES"].party.id == "snp"
    assert [s.reason for s in batch.skipped if "JÃ©rÃ©mie" in s.reason]


def test_council_and_date_from_the_options(engine: Engine, context: Context, tmp_path: Path) -> None:
    renamed = tmp_path / "ward6.blt"
    renamed.write_bytes(MORAY_2017.read_bytes())
    with pytest.raises(InputError, match="give --date"):
        load_file(engine, "blt", renamed, context)
    given = replace(context, election_date=date(2017, 5, 4), council="Moray")
    batch, _ = load_file(engine, "blt", renamed, given)
    assert batch.polls[0].ward.code == "S13003029"
    by_election = BALLOTS / "5_cands" / "aberdeenshire_2017_by_election_inverurie.blt"
    batch, _ = load_file(engine, "blt", by_election, replace(context, election_date=date(2017, 11, 16)))
    assert (batch.polls[0].kind.value, batch.polls[0].ward.code) == ("by-election", "S13002858")


def test_a_ward_the_council_does_not_have_is_refused_naming_the_file(
    engine: Engine, context: Context, tmp_path: Path
) -> None:
    wrong = tmp_path / "moray_2017_ward6.blt"
    wrong.write_text(MORAY_2017.read_text(encoding="utf-8").rstrip().rsplit("\n", 1)[0] + "\nNowhere Ward\n")
    with pytest.raises(InputError, match="no ward of Moray is called 'Nowhere Ward'") as refused:
        load_file(engine, "blt", wrong, context)
    assert refused.value.path == str(wrong)


def test_the_council_json_gives_each_stv_wards_count_stage_by_stage(tmp_path: Path) -> None:
    """Elgin City North, 2017: Frank Brown's surplus, then Billy Adams and Nick Taylor excluded, and
    Sandy Cooper overtakes Patsy Gowans (contract §6); a published stage sheet checked against it."""
    db = store_url(tmp_path / "stv.db")
    run = [sys.executable, "-m", "tallyroom", "--db", db]
    subprocess.run([*run, "import", "blt", str(MORAY_2017)], check=True, capture_output=True)
    shown = subprocess.run(
        [*run, "council", "Moray", "--date", "2017-05-04", "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    (ward,) = json.loads(shown.stdout)["wards"]
    count = ward["stv"]
    assert (count["quota"], count["valid"], count["rules"]) == (895, 3579, "scotland")
    stages = count["stages"]
    assert [(s["action"], s["subject"]) for s in stages[:4]] == [
        ("first preferences", None),
        ("surplus", "Frank BROWN"),
        ("exclusion", "Billy ADAMS"),
        ("exclusion", "Nick TAYLOR"),
    ]
    assert stages[1]["transfer_value"] == "0.24216"
    assert stages[1]["totals"]["Sandy COOPER"] == "605.85880"
    assert stages[2]["excluded"] == ["Billy ADAMS"]
    for stage in stages:
        papers = sum(Decimal(v) for v in stage["totals"].values())
        assert papers + Decimal(stage["non_transferable"]) + Decimal(stage["lost"]) == count["valid"]
    assert sorted(n for s in stages for n in s["elected"]) == ["Frank BROWN", "Paula COY", "Sandy COOPER"]
    sheet = tmp_path / "elgin-city-north.csv"
    rows = [
        "council,ward_code,stage,candidate,votes",
        "Moray,S13003029,1,Frank Brown,1181",
        "Moray,S13003029,2,Sandy Cooper,605.86",
        "Moray,S13003029,2,Non-transferable,83.06",
    ]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    check = [*run, "stv-check", str(sheet), "--date", "2017-05-04"]
    agreed = subprocess.run(check, capture_output=True, text=True)
    assert agreed.returncode == 0
    assert " ".join(agreed.stdout.split()) == "elgin-city-north.csv: S13003029: 2 stages agree with the count"
    sheet.write_text("\n".join([*rows[:2], "Moray,S13003029,2,Sandy Cooper,605.96"]) + "\n", encoding="utf-8")
    differed = subprocess.run(check, capture_output=True, text=True)
    assert differed.returncode == 1
    assert "stage 2: Sandy COOPER 605.96 published, 605.85880 counted" in " ".join(differed.stdout.split())


def test_the_ward_page_shows_the_count_and_the_api_its_stages(
    engine: Engine, context: Context, ref: Reference
) -> None:
    load_file(engine, "blt", MORAY_2017, context)
    with TestClient(create_app(Site.open(engine, ref, date(2017, 5, 4)))) as client:
        (ward,) = client.get("/api/councils/Moray").json()["wards"]
        assert [s["subject"] for s in ward["stv"]["stages"][1:3]] == ["Frank BROWN", "Billy ADAMS"]
        html = client.get("/council/S12000020/ward/S13003029").text
    assert "The count, stage by stage" in html
    assert "Stage 2: surplus of Frank BROWN (0.24216 a paper)" in html
    assert "605.85880" in html and "the quota is 895" in html


def test_descriptions_mis_read_beyond_repair_lose_their_control_characters() -> None:
    """East Dunbartonshire 2022 printed the Greens' dash as `â€“` in one ward (repaired) and, in five,
    as a run holding a C1 control character, which no name may hold (`limits`): it is removed, and said so."""
    found = {}
    for ward in ("6_cands/east_dunbartonshire_2022_ward5.blt", "6_cands/east_dunbartonshire_2022_ward1.blt"):
        path = BALLOTS / ward
        found[ward] = parse(path, path.read_text(encoding="utf-8"))
    (dash,) = found["6_cands/east_dunbartonshire_2022_ward5.blt"].repaired
    assert dash[2] == "Jesper BACH (Scottish Greens – Think Global Act Local)"
    beyond = found["6_cands/east_dunbartonshire_2022_ward1.blt"]
    assert [r[0] for r in beyond.repaired] == [721]
    assert "\\x89" in beyond.repaired[0][1]
    assert not any(CONTROL.search(c.party or "") for c in beyond.candidates)


def test_a_replay_announces_each_stage_before_the_declaration(tmp_path: Path) -> None:
    db = store_url(tmp_path / "replay.db")
    run = [sys.executable, "-m", "tallyroom", "--db", db]
    subprocess.run([*run, "import", "blt", str(MORAY_2017)], check=True, capture_output=True)
    replayed = subprocess.run(
        [*run, "replay", "--date", "2017-05-04", "--speed", "0", "--jsonl"],
        check=True,
        capture_output=True,
        text=True,
    )
    told = [json.loads(line) for line in replayed.stdout.splitlines()]
    kinds = [(e["type"], e.get("stage")) for e in told[:7]]
    assert kinds == [*(("stage", n) for n in range(1, 7)), ("declaration", None)]
    assert (told[1]["subject"], told[1]["transfer_value"], told[1]["ward"]["code"]) == (
        "Frank BROWN",
        "0.24216",
        "S13003029",
    )
