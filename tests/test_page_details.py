"""The words on the public pages, on real nights: a ward's change counted ("Conservative hold ×2"), a
gain on the night's list saying from whom, one word for seats not yet declared, the summary's heading
once the night is over, and turnout on ward pages, from the figures a source has or "not published"."""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tallyroom.web.templating import ward_key
from tests.conftest import NIGHT, NIGHT_FILE, SHARED, copy_of, demo_store, night_from_nominations, store_url

LEICESTERSHIRE = "E10000018"


def client(site: Site) -> TestClient:
    return TestClient(create_app(site, secret="page details"))


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("details") / "night.db", ref)


@pytest.fixture(scope="module")
def ended(store: str, ref: Reference) -> Iterator[tuple[Site, TestClient]]:
    """The 2021 East Midlands night, every result in."""
    engine = connect(store)
    site = Site.open(engine, ref, NIGHT)
    yield site, client(site)
    engine.dispose()


@pytest.fixture
def opening(tmp_path: Path, ref: Reference) -> Iterator[tuple[Site, TestClient]]:
    """The same night opened from its nominations, Oadby (Leicestershire) its only result."""
    engine = copy_of(demo_store(tmp_path / "eve.db", ref, leave_out=NIGHT_FILE), tmp_path)
    site = Site(engine, ref, NIGHT, night=night_from_nominations(engine, ref))
    with NIGHT_FILE.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    oadby = [r for r in rows if r[header.index("ward")] == "Oadby"]
    body = "\n".join(",".join(f'"{v}"' for v in r) for r in [header, *oadby]).encode()
    site.ingest_text("ward", body, "rita")
    yield site, client(site)
    engine.dispose()


def test_a_ward_holding_two_seats_says_so_once(ended: tuple[Site, TestClient]) -> None:
    site, http = ended
    doubled = 0
    for outcome in site.view.outcomes:
        page = text(http.get(f"/council/{outcome.council.code}").text)
        for ward in outcome.wards:
            holds = Counter(p.name for p in ward.change.holds) if ward.change else Counter()
            for party, n in holds.items():
                assert f"{party} hold; {party} hold" not in page
                if n > 1:
                    assert f"{party} hold \u00d7{n}" in page, (
                        outcome.council.name,
                        ward.result.poll.ward.name,
                    )
                    doubled += 1
    assert doubled >= 6  # six wards in the night hold both their seats for one party


def test_a_gain_on_the_night_says_from_whom(opening: tuple[Site, TestClient]) -> None:
    _, http = opening
    latest = text(http.get("/").text)
    oadby = "Oadby: Gamble D.A. (Liberal Democrats), Ghattoraya K. (Conservative)"
    assert f"{oadby} \u2014 Conservative gain from Liberal Democrats" in latest
    assert latest.count("— gain") == 0


def test_seats_not_yet_declared_have_one_name(opening: tuple[Site, TestClient]) -> None:
    _, http = opening
    page = http.get(f"/council/{LEICESTERSHIRE}").text
    assert "Undeclared 53" in page
    assert "nfilled" not in page and "acant" not in page


def test_the_summary_is_live_until_the_night_ends(
    ended: tuple[Site, TestClient], opening: tuple[Site, TestClient]
) -> None:
    heading = re.compile(r'<h2 id="summary-heading">([^<]+)</h2>')
    assert heading.findall(opening[1].get("/").text) == ["Live summary"]
    assert heading.findall(ended[1].get("/").text) == ["Summary"]
    assert heading.findall(ended[1].get("/region/east-midlands").text) == ["Summary"]


def test_turnout_where_the_source_has_it(
    opening: tuple[Site, TestClient], tmp_path: Path, ref: Reference
) -> None:
    oadby = text(opening[1].get(f"/council/{LEICESTERSHIRE}/ward/E58000873").text)
    assert "Turnout: not published." in oadby  # an electorate, but no count of ballot papers

    engine = connect(store_url(tmp_path / "dc.db"))
    load_file(engine, "dc", SHARED / "democracyclub-api-sample" / "results-2021.json", Context(ref))
    site = Site.open(engine, ref, date(2021, 5, 6))
    barnsley = next(o for o in site.view.outcomes if o.council.name == "Barnsley")
    kingstone = next(w.result.poll.ward for w in barnsley.wards if w.result.poll.ward.name == "Kingstone")
    page = text(client(site).get(f"/council/{barnsley.council.code}/ward/{ward_key(kingstone)}").text)
    assert "Turnout: 23.8% (1,846 ballots of 7,769 electors)." in page
    engine.dispose()
