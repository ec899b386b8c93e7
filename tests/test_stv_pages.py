"""A Scottish ward's page, counted from its 2017 ballots: first preferences labelled as such, the quota,
the chart of votes by stage with its quota line and text, the stage table in its own scrolling region;
in a real browser, no accessibility violations and nothing wider than a 390 px phone."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom import serialise
from tallyroom.importers.base import Context
from tallyroom.importers.blt import parse, party_of
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.rules.parties import Party
from tallyroom.rules.stv import StvCount, count_stv
from tallyroom.store import queries
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.charts import NARROW, WIDTH
from tallyroom.web.site import Site
from tallyroom.web.stv_chart import finishing_order, stv_stages
from tests.conftest import SHARED, leap
from tests.test_browser import SCALES, WCAG, Server, browser

__all__ = ["browser"]

BALLOTS = SHARED / "scot-elex-ballots" / "blt_files"
TORRY = BALLOTS / "10_cands" / "aberdeen_2017_ward12.blt"
ELGIN = BALLOTS / "6_cands" / "moray_2017_ward6.blt"
ON = date(2017, 5, 4)
LEAP_2017 = leap(2017)
SVG = "{http://www.w3.org/2000/svg}"

pytestmark = pytest.mark.skipif(not TORRY.exists(), reason="the Scottish ballot files are not here")


def elgin(ref: Reference) -> tuple[StvCount, dict[str, Party]]:
    blt = parse(ELGIN, ELGIN.read_text(encoding="utf-8"))
    parties = {c.name: party_of(ref.parties, c.party or "") for c in blt.candidates}
    return count_stv([c.name for c in blt.candidates], blt.seats, blt.papers), parties


def test_the_chart_draws_every_stage_against_the_quota(ref: Reference) -> None:
    count, parties = elgin(ref)
    chart = stv_stages(count, parties)
    assert finishing_order(count)[:3] == ["Frank BROWN", "Sandy COOPER", "Paula COY"]
    for svg, width in ((chart.svg, WIDTH), (chart.narrow, NARROW)):
        root = ET.fromstring(str(svg))
        assert root.get("viewBox", "").startswith(f"0 0 {width} ")
        bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "stage"]
        assert len(bars) == sum(1 for s in count.stages for v in s.totals.values() if v)
        assert len([q for q in root.iter(f"{SVG}line") if q.get("class") == "quota"]) == len(parties)
        texts = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
        assert "Frank BROWN" in texts and "elected at stage 1" in texts
    assert chart.text.startswith("Quota 895. Frank BROWN (")
    assert "1,181, 895, 895" in chart.text  # his first preferences, then the quota once his surplus went
    assert "Billy ADAMS (Independent): 266, 338.89; excluded at stage 3. Votes" in chart.text
    assert chart.text.endswith("Votes from stage 1, the first preferences, to stage 6, or until excluded.")


def test_the_ward_page_labels_first_preferences_and_the_quota(
    engine: Engine, context: Context, ref: Reference
) -> None:
    load_file(engine, "blt", ELGIN, context)
    with TestClient(create_app(Site.open(engine, ref, ON))) as client:
        html = client.get("/council/S12000020/ward/S13003029").text
    assert '<th scope="col">First preferences</th>' in html
    assert "<dt>Quota</dt><dd>895 of 3,579 valid papers</dd>" in html
    assert "<title" in html and "Votes at each stage of the count" in html
    assert 'aria-label="The count, stage by stage"' in html
    assert html.count('class="quota"') == 2 * 6  # one a candidate, on each of the two drawings


def test_the_night_counts_a_ward_once_when_its_papers_come_and_pages_read_that_count(
    engine: Engine, context: Context, ref: Reference
) -> None:
    """Moray but Elgin City North loaded, then Elgin's papers taken in while the site is up: the night
    counts Elgin once, as they come, and keeps the other wards' counts as they were (the same counts,
    not counted again); the ward page and the council's document show the count the papers give."""
    for path in sorted(BALLOTS.glob("*/moray_2017_*.blt")):
        if path != ELGIN:
            load_file(engine, "blt", path, context)
    site = Site.open(engine, ref, ON)
    buckie = ("S12000020", "S13003026", "ordinary")
    kept = site.view.counts[buckie]
    assert len(site.view.counts) == 7 and ("S12000020", "S13003029", "ordinary") not in site.view.counts
    site.ingest("blt", ELGIN, "rita")
    assert len(site.view.counts) == 8 and site.view.counts[buckie] is kept
    fresh = queries.stv_counts(engine, "S12000020", ON)[("S13003029", "ordinary")]
    assert site.view.counts[("S12000020", "S13003029", "ordinary")] == fresh
    with TestClient(create_app(site)) as client:
        html = client.get("/council/S12000020/ward/S13003029").text
        document = client.get("/api/councils/S12000020").json()
    for stage in fresh.stages:
        assert all(f"<td>{votes}" in html for votes in stage.totals.values())
    (elgin,) = [w for w in document["wards"] if w["ward"]["code"] == "S13003029"]
    assert elgin["stv"] == serialise.stv_count(fresh)


def test_the_council_page_gives_each_stv_ward_its_quota_and_last_stage_not_a_majority(
    engine: Engine, context: Context, ref: Reference
) -> None:
    """Moray, 2017, every ward counted from its ballots: under STV first preferences alone decide
    nothing, so the table of wards gives each ward's quota and the stage that filled its last seat."""
    for path in sorted(BALLOTS.glob("*/moray_2017_*.blt")):
        load_file(engine, "blt", path, context)
    counts = queries.stv_counts(engine, "S12000020", ON)
    with TestClient(create_app(Site.open(engine, ref, ON))) as client:
        html = client.get("/council/S12000020").text
    table = html[html.index("<caption>Wards declared</caption>") :]
    table = table[: table.index("</table>")]
    assert '<th scope="col">Count</th>' in table and "Majority" not in table
    cells = re.findall(r'<a href="/council/S12000020/ward/(S\d+)">.*?<td>(STV[^<]*)</td>', table, re.S)
    assert len(cells) == 8
    for ward, cell in cells:
        count = counts[(ward, "ordinary")]
        assert cell == f"STV: quota {count.quota:,}, last seat at stage {count.last_seat_filled}"
    assert ("S13003029", "STV: quota 895, last seat at stage 6") in cells  # Elgin City North


@pytest.mark.one_store  # how the page looks and reads, made alike from either store
def test_a_scottish_ward_page_is_accessible_and_fits_a_phone(
    tmp_path: Path, context: Context, ref: Reference, browser: Browser
) -> None:
    """Torry/Ferryhill: ten candidates for four seats."""
    engine = connect(f"sqlite:///{tmp_path / 'own.db'}")
    load_file(engine, "blt", TORRY, context)
    with Server(Site.open(engine, ref, ON)) as server:
        for width in (390, 1280):
            page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
            page.goto(f"{server.url}/council/S12000033/ward/S13002846")
            assert page.get_by_role("heading", name="The count, stage by stage").is_visible()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            scales = page.evaluate(SCALES)
            assert len(scales) == 2 and all(s >= 0.99 for s in scales), scales
            assert Axe().run(page, options=WCAG).generate_snapshot() == ""
            page.context.close()
    engine.dispose()


def test_a_ward_whose_results_sheet_names_candidates_its_own_way_still_shows_its_count(
    engine: Engine, context: Context, ref: Reference, tmp_path: Path
) -> None:
    """LEAP prints "Frank Brown" where the ballot file says "Frank BROWN": with LEAP's result loaded
    first, the ward page, the council's document and the stage CSV still give each candidate's party."""
    sheet = tmp_path / "leap-2017-05-04.csv"
    with LEAP_2017.open(encoding="utf-8", newline="") as source:
        rows = [r for r in csv.reader(source) if r[3] in ("ward_code", "S13003029")]
    with sheet.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    load_file(engine, "leap", sheet, context)
    load_file(engine, "blt", ELGIN, context)
    with TestClient(create_app(Site.open(engine, ref, ON))) as client:
        page = client.get("/council/S12000020/ward/S13003029")
        council = client.get("/api/councils/S12000020").json()
        stages = client.get("/export/stages.csv").text
    assert page.status_code == 200
    assert "Frank BROWN (Conservative)" in page.text
    assert council["wards"][0]["stv"]["quota"] == 895
    assert "Frank BROWN,Conservative" in stages and "not known" not in stages
