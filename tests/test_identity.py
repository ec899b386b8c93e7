"""One identity, from the log: every process that reads the same log numbers the same events alike,
gives a declaration the log's revision, and tags a page by its bytes, so a reader may resume with any
worker, before or after a restart; stories are redrafted beside the writes, never inside them. On the
real 2021 county night, posted ward by ward as desks would."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.copy import newsroom, review
from tallyroom.copy.newsroom import story_key
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.store.database import connect
from tallyroom.web import feeds
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT_COUNCILS, NIGHT_FILE, copy_url, demo_store, night_wards

ON = date(2021, 5, 6)
DERBYSHIRE = "E10000007"
DERBY = "E06000015"


@pytest.fixture(scope="module")
def eve(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    """Every demo file but the night's own: the store on the eve of poll."""
    return demo_store(tmp_path_factory.mktemp("identity") / "eve.db", ref, leave_out=NIGHT_FILE)


@pytest.fixture
def engine(eve: str, tmp_path: Path) -> Iterator[Engine]:
    engine = connect(copy_url(eve, tmp_path / "night.db"))
    yield engine
    engine.dispose()


def with_votes(body: bytes, change: int, row: int = 1) -> bytes:
    """A ward's CSV with one candidate's votes changed (the first, unless `row` says): a correction."""
    rows = list(csv.reader(io.StringIO(body.decode())))
    votes = rows[0].index("votes")
    rows[row][votes] = str(int(rows[row][votes]) + change)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def with_status(body: bytes, status: str) -> bytes:
    rows = list(csv.reader(io.StringIO(body.decode())))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(
        [[*rows[0], "status"], *([*row, status] for row in rows[1:])]
    )
    return out.getvalue().encode()


def post_night(site: Site, wards: list[tuple[str, str, bytes]]) -> None:
    """Each ward as a desk posts it; every fifth corrected straight after."""
    for i, (_, _, body) in enumerate(wards):
        site.ingest_text("ward", body, "rita")
        if i % 5 == 0:
            site.ingest_text("ward", with_votes(body, 7), "rob")


def test_every_process_reading_the_log_numbers_the_same_events_alike(engine: Engine, ref: Reference) -> None:
    wards = night_wards(DERBYSHIRE) + night_wards(DERBY)
    live = Site.open(engine, ref, ON)
    post_night(live, wards[:30])
    midway = Site.open(engine, ref, ON)  # a worker started during the night
    post_night(live, wards[30:])
    restarted = Site.open(engine, ref, ON)  # and one started after it
    assert midway.follow() != []  # it takes in what the log gained since it opened

    told = [e.json() for e in live.view.events]
    assert len(told) > len(wards) and [e["seq"] for e in told] == list(range(1, len(told) + 1))
    assert [e.json() for e in midway.view.events] == told
    assert [e.json() for e in restarted.view.events] == told
    assert [e.at for e in restarted.view.events] == [e.at for e in live.view.events]


def test_a_declaration_event_carries_the_revision_the_log_gave_it(engine: Engine, ref: Reference) -> None:
    site = Site.open(engine, ref, ON)
    _, _, body = night_wards(DERBYSHIRE)[0]
    (provisional,) = site.ingest_text("ward", with_status(body, "provisional"), "rita")[0]
    assert provisional.type == "provisional"
    declared = site.ingest_text("ward", body, "rita")[0]
    assert declared[0].type == "declaration" and declared[0].body["revision"] == 2
    corrected = site.ingest_text("ward", with_votes(body, 3), "rob")[0]
    assert corrected[0].body["revision"] == 3


def test_a_first_result_after_the_card_is_not_a_correction(engine: Engine, ref: Reference) -> None:
    """The card's row is the poll's first revision in the log; its result, the second, corrects nothing,
    and the feed says so only of the correction that follows."""
    site = Site.open(engine, ref, ON)
    _, _, body = night_wards(DERBYSHIRE)[0]
    rows = list(csv.reader(io.StringIO(with_status(body, "nominated").decode())))
    for row in rows[1:]:
        row[rows[0].index("votes")] = row[rows[0].index("elected")] = ""
    card = io.StringIO()
    csv.writer(card, lineterminator="\n").writerows(rows)
    assert site.ingest_text("ward", card.getvalue().encode(), "rita")[0] == []
    (declared, *_) = site.ingest_text("ward", body, "rita")[0]
    (corrected, *_) = site.ingest_text("ward", with_votes(body, 3), "rob")[0]
    assert [(e.body["revision"], e.body["replaces"]) for e in (declared, corrected)] == [
        (2, False),
        (3, True),
    ]
    feed = feeds.declarations_feed([declared, corrected], "https://results.example", election_date=ON)
    assert feed.count("(revised)") == 1 and feed.count("replaces the one declared earlier") == 1


def test_an_old_etag_after_a_correction_and_a_restart_gets_the_new_page(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    wards = night_wards(DERBYSHIRE)
    for i, (_, _, body) in enumerate(wards):  # loaded from the command line before the server starts
        (tmp_path / f"{i}.csv").write_bytes(body)
        load_file(engine, "ward", tmp_path / f"{i}.csv", Context(ref))
    with TestClient(create_app(Site.open(engine, ref, ON))) as client:
        page = client.get(f"/council/{DERBYSHIRE}")
        document = client.get(f"/api/councils/{DERBYSHIRE}")
    correction = tmp_path / "correction.csv"
    correction.write_bytes(with_votes(wards[0][2], 9000, row=3))  # a loser now top, from the command line
    load_file(engine, "ward", correction, Context(ref))

    with TestClient(create_app(Site.open(engine, ref, ON))) as client:  # the server restarted
        for url, before in ((f"/council/{DERBYSHIRE}", page), (f"/api/councils/{DERBYSHIRE}", document)):
            again = client.get(url, headers={"If-None-Match": before.headers["etag"]})
            assert again.status_code == 200 and again.content != before.content
            assert again.headers["etag"] != before.headers["etag"]
            assert client.get(url, headers={"If-None-Match": again.headers["etag"]}).status_code == 304


def test_a_failing_redraft_never_holds_up_a_result_and_is_tried_again(
    engine: Engine, ref: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = Site.open(engine, ref, ON)
    heard: list[str] = []
    site.listeners.append(lambda found, _local: heard.extend(e.type for e in found))

    def broken(*_args: object) -> None:
        raise RuntimeError("the copy templates are being edited")

    monkeypatch.setattr(newsroom, "redraft", broken)
    _, _, body = night_wards(DERBYSHIRE)[0]
    found, report = site.ingest_text("ward", body, "rita")
    assert report.new == 1 and found[0].type == "declaration" and heard[0] == "declaration"
    assert site.view.by_code[DERBYSHIRE].seats_declared == 2
    assert site.redrafter.drain() == [DERBYSHIRE]  # failed, logged, and still due
    assert review.current(engine, story_key(site.view.by_code[DERBYSHIRE])) is None

    monkeypatch.undo()
    assert site.redrafter.drain() == []
    story = review.current(engine, story_key(site.view.by_code[DERBYSHIRE]))
    assert story is not None and "Derbyshire" in story.text


def test_a_night_opened_from_the_log_has_its_stories_drafted(
    eve: str, ref: Reference, tmp_path: Path
) -> None:
    engine = connect(copy_url(eve, tmp_path / "whole.db"))
    load_file(engine, "ward", NIGHT_FILE, Context(ref))
    site = Site.open(engine, ref, ON)  # served from the log, as after a restart: no ingest drafted them
    assert site.redrafter.drain() == []
    drafted = {o.council.name: review.current(engine, story_key(o)) for o in site.view.outcomes}
    engine.dispose()
    assert len(drafted) == NIGHT_COUNCILS and all(v is not None for v in drafted.values())
    derbyshire = drafted["Derbyshire"]
    assert derbyshire is not None and derbyshire.text.startswith("Conservatives hold Derbyshire")
