"""A live Scottish night: 4 May 2017 replayed from the ballots of every contested ward, each count
streamed stage by stage before its declaration, and every call for a Scottish council made only when
no result still to come could change it; and on the served path, a ward's papers taken in while the
site is up announce its stages before its declaration."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom import results
from tallyroom.importers.base import Context
from tallyroom.importers.blt import match_ward, parse
from tallyroom.live.replay import opening, replay
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.rules.model import Poll, ReadOut
from tallyroom.rules.parties import NOC
from tallyroom.rules.progress import of_night
from tallyroom.rules.stv import StvRules, count_stv
from tallyroom.store.queries import Entry
from tallyroom.web.accounts import Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import SHARED
from tests.test_night_from_the_card import group

BALLOTS = SHARED / "scot-elex-ballots" / "blt_files"
ON = date(2017, 5, 4)

pytestmark = pytest.mark.skipif(not BALLOTS.exists(), reason="the Scottish ballot files are not here")


def beyond_doubt(
    called: str, held: Counter[str], remaining: list[Poll], unknown: int, threshold: int
) -> bool:
    """A call no completion can overturn, by bounds: each group given every seat it stands for still
    to come, and every seat of the wards the log has no papers for (returned unopposed)."""
    if called != NOC:
        return held[called] >= threshold
    best = held.copy()
    for poll in remaining:
        standing = Counter(
            group(c.party.id, c.name, poll.ward.name, {"independent"}) for c in poll.candidacies
        )
        for g, n in standing.items():
            best[g] += min(n, poll.seats)
    return all(n + unknown < threshold for n in best.values()) and unknown < threshold


def test_a_scottish_night_streams_every_count_and_calls_only_when_certain(
    engine: Engine, context: Context, ref: Reference
) -> None:
    for path in sorted(BALLOTS.glob("*/*_2017_*.blt")):
        if "by_election" not in path.name:
            load_file(engine, "blt", path, context)
    outcomes = {o.council.code: o for o in results.outcomes(engine, ref, ON).councils}
    day = results.load_day(engine, ref, ON)
    remaining = {code: list(polls) for code, polls in day.council_polls.items()}
    unknown = {
        code: (outcomes[code].total_seats or 0) - sum(p.seats for p in polls)
        for code, polls in remaining.items()
    }
    held: dict[str, Counter[str]] = defaultdict(Counter)
    announced: list[tuple[str, int]] = []
    declared = stages = 0
    called = set()
    for timed in replay(engine, ref, ON):
        event = timed.event.json()
        code = event["council"]["code"]
        if event["type"] == "stage":
            announced.append((event["ward"]["code"], event["stage"]))
        elif event["type"] == "declaration":
            ward = event["ward"]["code"]
            assert announced == [(ward, n) for n in range(1, len(announced) + 1)] and announced, ward
            stages += len(announced)
            declared += 1
            announced = []
            poll = next(p for p in remaining[code] if p.ward.code == ward)
            remaining[code].remove(poll)
            for c in poll.candidacies:
                if c.elected:
                    held[code][group(c.party.id, c.name, poll.ward.name, {"independent"})] += 1
        elif event["type"] == "call":
            outcome = outcomes[code]
            control = outcome.control_after
            assert control is not None and outcome.majority_threshold
            assert beyond_doubt(
                control, held[code], remaining[code], unknown[code], outcome.majority_threshold
            )
            called.add(code)
    assert (declared, stages, len(called)) == (351, 2328, 32)
    assert {code for code, n in unknown.items() if n} == {"S12000035", "S12000023", "S12000027"}


def moray_but_elgin(engine: Engine, context: Context) -> Path:
    """Moray's 2017 wards loaded from their papers, all but Elgin City North: its file, still to come."""
    moray = sorted(BALLOTS.glob("*/moray_2017_*.blt"))
    elgin = next(p for p in moray if p.name == "moray_2017_ward6.blt")
    for path in moray:
        if path != elgin:
            load_file(engine, "blt", path, context)
    return elgin


def test_papers_taken_in_while_the_site_is_up_announce_their_stages(
    engine: Engine, context: Context, ref: Reference
) -> None:
    elgin = moray_but_elgin(engine, context)
    site = Site.open(engine, ref, ON)
    events, _ = site.ingest("blt", elgin, "rita")
    told = [e.json() for e in events]
    assert [(e["type"], e.get("stage")) for e in told[:7]] == [
        *(("stage", n) for n in range(1, 7)),
        ("declaration", None),
    ]
    assert told[1]["subject"] == "Frank BROWN" and told[1]["transfer_value"] == "0.24216"
    assert "complete" in [e["type"] for e in told[7:]]  # the last ward of Moray


def test_papers_posted_to_the_api_are_counted_and_announced_stage_by_stage(
    engine: Engine, context: Context, ref: Reference
) -> None:
    elgin = moray_but_elgin(engine, context)
    add_user(engine, "feed", Role.REPORTER, "the feed's long password")
    token = issue_token(engine, "feed", trusted_feed=True)
    with TestClient(create_app(Site.open(engine, ref, ON))) as client:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/x-blt"}
        unnamed = client.post("/api/declarations", content=elgin.read_bytes(), headers=headers)
        assert unnamed.status_code == 400 and "?council=" in unnamed.json()["error"]
        answer = client.post("/api/declarations?council=Moray", content=elgin.read_bytes(), headers=headers)
        assert answer.status_code == 200, answer.text
        told = answer.json()["events"]
        assert [e["type"] for e in told[:7]] == [*["stage"] * 6, "declaration"]
        assert told[6]["ward"]["code"] == "S13003029"
        (ward,) = [
            w for w in client.get("/api/councils/Moray").json()["wards"] if w["ward"]["code"] == "S13003029"
        ]
        assert ward["stv"]["quota"] == 895


ELGIN_READ_OUT = "\n".join(
    [
        "council,ward_code,stage,candidate,votes",
        "Moray,S13003029,1,Frank BROWN,1181",
        "Moray,S13003029,1,Sandy COOPER,532",
        "Moray,S13003029,2,Frank BROWN,895",
        "Moray,S13003029,2,Sandy COOPER,605.86",
        "Moray,S13003029,2,Non-transferable,83.06",
    ]
).encode()
"""Elgin City North's first two stages as the count reads them out, before any papers."""


def desk_token(engine: Engine) -> dict[str, str]:
    add_user(engine, "rita", Role.REPORTER, "rita's long password")
    return {"Authorization": f"Bearer {issue_token(engine, 'rita')}", "Content-Type": "text/csv"}


def test_stages_read_out_at_the_count_are_announced_as_they_come(
    engine: Engine, context: Context, ref: Reference
) -> None:
    """The desk posts Elgin City North's first two stages from the count, before any papers: each is
    logged and announced as a `stage` event, and no seat is declared; the same sheet again is unchanged
    and announces nothing."""
    moray_but_elgin(engine, context)
    headers = desk_token(engine)
    with TestClient(create_app(Site.open(engine, ref, ON))) as client:
        before = client.get("/api/councils/Moray").json()["seats_declared"]
        answer = client.post("/api/stages", content=ELGIN_READ_OUT, headers=headers)
        assert answer.status_code == 200, answer.text
        assert (answer.json()["new"], answer.json()["unchanged"]) == (2, 0)
        told = answer.json()["events"]
        assert [(e["type"], e["stage"], e["ward"]["name"]) for e in told] == [
            ("stage", 1, "Elgin City North"),
            ("stage", 2, "Elgin City North"),
        ]
        assert told[1]["totals"] == {"Frank BROWN": "895", "Sandy COOPER": "605.86"}
        assert (told[1]["non_transferable"], told[1]["read_out"]) == ("83.06", True)
        assert client.get("/api/councils/Moray").json()["seats_declared"] == before
        again = client.post("/api/stages", content=ELGIN_READ_OUT, headers=headers).json()
        assert (again["new"], again["unchanged"], again["events"]) == (0, 2, [])
        wrong = client.post(
            "/api/stages", content=ELGIN_READ_OUT.replace(b"605.86", b"lots"), headers=headers
        )
        assert wrong.status_code == 400 and wrong.json()["field"] == "votes"


def test_stages_read_out_outlive_a_restart_and_reach_every_worker(
    engine: Engine, context: Context, ref: Reference
) -> None:
    """Stages read out, then a corrected stage, then the ward's papers, posted to one site: a second
    site on the same store (another worker, following the log) and a third opened afterwards (a
    restart) give every event, the stages read out among them, with the same ids."""
    elgin = moray_but_elgin(engine, context)
    headers = desk_token(engine)
    first, second = Site.open(engine, ref, ON), Site.open(engine, ref, ON)
    with TestClient(create_app(first)) as client:
        assert client.post("/api/stages", content=ELGIN_READ_OUT, headers=headers).status_code == 200
        corrected = ELGIN_READ_OUT.replace(b"605.86", b"605.87")
        revised = client.post("/api/stages", content=corrected, headers=headers).json()
        assert (revised["revised"], [e["stage"] for e in revised["events"]]) == (1, [2])
        papers = headers | {"Content-Type": "application/x-blt"}
        answer = client.post("/api/declarations?council=Moray", content=elgin.read_bytes(), headers=papers)
        assert answer.status_code == 200, answer.text
        every = client.get("/api/events").json()
    first_read_out = next(n for n, e in enumerate(every) if e.get("read_out"))
    read_out = [(e["stage"], e["totals"]["Sandy COOPER"]) for e in every[first_read_out:][:3]]
    assert read_out == [(1, "532"), (2, "605.86"), (2, "605.87")]
    counted = every[first_read_out + 3 :][:7]
    assert [(e["type"], e.get("read_out")) for e in counted] == [
        *[("stage", None)] * 6,
        ("declaration", None),
    ]
    assert [e["seq"] for e in every] == list(range(1, len(every) + 1))
    second.follow()
    restarted = Site.open(engine, ref, ON)
    for site in (second, restarted):
        with TestClient(create_app(site)) as client:
            assert client.get("/api/events").json() == every


def test_a_northern_irish_count_runs_into_a_second_day_and_the_night_stays_polling_day(
    engine: Engine, context: Context, ref: Reference
) -> None:
    """No Northern Irish ballots are in the data, so Moray's 2017 papers are counted under the Northern
    Irish rules (§5.3) and the night is replayed as an NI count runs: from 09:00 the day after polling,
    each ward's stages read out an hour and a half apart, the last wards declaring after midnight, two
    days after the poll. Every event carries its own time; the night is still polling day; a ward whose
    stages are being read out counts as counting, not declared, until it declares; the council is called
    only when no ward still to come could change it."""
    papers = {}
    for path in sorted(BALLOTS.glob("*/moray_2017_*.blt")):
        load_file(engine, "blt", path, context)
        blt = parse(path, path.read_text(encoding="utf-8"))
        papers[blt.title] = blt
    night, day = opening(engine, ref, ON)
    (moray,) = day.council_polls.values()
    timeline: list[tuple[datetime, Entry]] = []
    start = datetime.combine(ON + timedelta(days=1), time(9), tzinfo=UTC)
    ni_stages = scottish_stages = 0
    for n, poll in enumerate(sorted(moray, key=lambda p: p.ward.name)):
        blt = next(b for b in papers.values() if match_ward(b.title, [poll.ward]))
        names = [c.name for c in blt.candidates]
        ni = count_stv(names, blt.seats, blt.papers, StvRules.NORTHERN_IRELAND)
        ni_stages += len(ni.stages)
        scottish_stages += len(count_stv(names, blt.seats, blt.papers).stages)
        at = start + timedelta(hours=2 * n)
        for stage in ni.stages:
            totals = {**stage.totals, "Non-transferable": stage.non_transferable}
            timeline.append(
                (at, Entry(0, at, 1, stage=ReadOut(ON, poll.council, poll.ward, stage.number, totals)))
            )
            at += timedelta(minutes=90)
        elected = [c._replace(elected=c.name in ni.elected) for c in poll.candidacies]
        timeline.append((at, Entry(0, at, 1, poll=poll._replace(candidacies=tuple(elected)))))
    timeline.sort(key=lambda item: item[0])
    assert ni_stages < scottish_stages  # the NI rules exclude the lowest together
    assert {at.date() for at, _ in timeline} == {ON + timedelta(days=1), ON + timedelta(days=2)}

    remaining = list(moray)
    held: Counter[str] = Counter()
    under_way: set[str] = set()
    calls = []
    for position, (at, entry) in enumerate(timeline, night.position + 1):
        events = night.take([replace(entry, position=position)])
        assert night.election_date == ON and all(e.at == at for e in events)
        if entry.stage is not None:
            under_way.add(entry.stage.ward.code)
        else:
            assert entry.poll is not None
            under_way.discard(entry.poll.ward.code)
            remaining = [p for p in remaining if p.ward != entry.poll.ward]
            held.update(
                group(c.party.id, c.name, entry.poll.ward.name, {"independent"})
                for c in entry.poll.candidacies
                if c.elected
            )
        progress = of_night(night.outcomes(), ref.councils.region_of)["night"]
        assert progress["wards_counting"] == len(under_way)
        assert progress["wards_declared"] == len(moray) - len(remaining)
        (outcome,) = night.outcomes()
        for event in events:
            if event.type == "call":
                assert outcome.majority_threshold and event.body["control"] is not None
                assert beyond_doubt(
                    outcome.control_after or "", held, remaining, 0, outcome.majority_threshold
                )
                calls.append(at)
    assert len(calls) == 1 and outcome.complete and not under_way
