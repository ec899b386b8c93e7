"""A live night: replays of real days, calls at the declaration that decides them, corrections."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from tallyroom.importers.base import Context
from tallyroom.live.events import Event, EventType
from tallyroom.live.feed import ingest
from tallyroom.live.night import Night, RecordKind, follow, open_night
from tallyroom.live.replay import opening, replay
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import load_day, outcomes
from tallyroom.rules.ballots import ballot_id
from tallyroom.rules.model import CouncilResult
from tallyroom.rules.progress import of_night
from tallyroom.serialise import council_outcome
from tallyroom.store import queries
from tallyroom.store.database import connect
from tallyroom.store.schema import declarations, polls
from tests.conftest import DEMO, NIGHT_COUNCILS, SHARED, copy_of, copy_url, demo_store, leap, store_url

COUNTIES_DAY = date(2021, 5, 6)
DERBY = "E06000015"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("live") / "demo.db", ref)


@pytest.fixture
def engine(store: str, tmp_path: Path) -> Iterator[Engine]:
    engine = copy_of(store, tmp_path)
    yield engine
    engine.dispose()


def test_each_call_comes_at_the_declaration_that_decides_it(engine: Engine, ref: Reference) -> None:
    events = [t.event.json() for t in replay(engine, ref, COUNTIES_DAY, seed=7)]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    conservatives: Counter[str] = Counter()
    reached = None
    for i, event in enumerate(events):
        if event["council"]["name"] != "Nottinghamshire":
            continue
        if event["type"] == "declaration":
            conservatives["seats"] += sum(1 for e in event["elected"] if e["party"] == "Conservative")
            if conservatives["seats"] == 34 and reached is None:
                reached = i
        if event["type"] == "call":
            assert reached is not None, "called before the 34th Conservative seat"
            assert i == reached + 1, "the call did not come with the declaration that decided it"
            assert (event["control"], event["outcome"], event["seats"]) == ("Conservative", "GAIN", 34)
    assert reached is not None
    calls = Counter(e["council"]["name"] for e in events if e["type"] == "call")
    assert calls == Counter({name: 1 for name in calls}) and len(calls) == NIGHT_COUNCILS
    for i, event in enumerate(events):
        if event["type"] == "call" and event["cannot_change_hands"] and i < 7:
            continue  # called before any result: seats not up decide it
        if event["type"] in {"call", "complete"}:
            before = events[i - 1]
            assert before["council"] == event["council"] and before["type"] in {"declaration", "call"}


def test_replay_ends_where_a_batch_load_does(engine: Engine, ref: Reference) -> None:
    finals = {
        e["council"]["code"]: e["outcome_detail"]
        for e in (t.event.json() for t in replay(engine, ref, COUNTIES_DAY, seed=3))
        if e["type"] == "complete"
    }
    batch = {
        o.council.code: council_outcome(o, ref.parties.get)
        for o in outcomes(engine, ref, COUNTIES_DAY).councils
    }
    assert finals == batch


def test_progress_through_the_night(engine: Engine, ref: Reference) -> None:
    day = load_day(engine, ref, COUNTIES_DAY)
    polls_of_day = [p for ps in day.council_polls.values() for p in ps]
    night = Night.open(ref, COUNTIES_DAY, polls_of_day, day.earlier, day.snapshots, day.control)
    start = of_night(night.outcomes(), ref.councils.region_of)["night"]
    assert (start["seats_declared"], start["wards_declared"], start["councils_complete"]) == (0, 0, 0)
    assert start["wards_up"] == len(polls_of_day) and start["councils"] == NIGHT_COUNCILS
    seats = 0
    for poll in polls_of_day:
        night.declare(poll)
        now = of_night(night.outcomes(), ref.councils.region_of)
        assert now["night"]["seats_declared"] == seats + poll.seats
        seats = now["night"]["seats_declared"]
    end = of_night(night.outcomes(), ref.councils.region_of)
    assert end["night"]["seats_declared"] == end["night"]["seats_up"] == seats
    assert end["night"]["councils_complete"] == end["night"]["councils_decided"] == NIGHT_COUNCILS
    assert end["regions"]["East Midlands"] == end["night"]


def test_replay_is_deterministic_for_a_seed_and_rehearses(engine: Engine, ref: Reference) -> None:
    first = [t.json() for t in replay(engine, ref, COUNTIES_DAY, seed=11)]
    assert first == [t.json() for t in replay(engine, ref, COUNTIES_DAY, seed=11)]
    assert first != [t.json() for t in replay(engine, ref, COUNTIES_DAY, seed=12)]
    rehearsed = [t.json() for t in replay(engine, ref, COUNTIES_DAY, seed=11, rehearsal=True)]
    opening = [e for e in rehearsed if e["type"] == "rehearsal"]
    assert len(opening) == NIGHT_COUNCILS and rehearsed[:NIGHT_COUNCILS] == opening
    assert all(e["progress"]["seats_declared"] == 0 and e["won"] == {} for e in opening)


def write_corrected(path: Path, poll_rows: list[list[str]], header: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(poll_rows)
    return path


def test_a_correction_across_the_threshold_withdraws_the_call(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    """Derbyshire Dales 2019: the Conservatives won 20 of 39, exactly the 20 needed. A corrected count in
    one ward that puts a Liberal Democrat ahead of a Conservative winner takes the majority away."""
    on = date(2019, 5, 2)
    roll = SHARED / "opencouncildata" / "opencouncildata_councillors_2018.csv"
    load_file(engine, "ocd", roll, Context(ref))  # the eve of poll: who held control before
    night = open_night(engine, ref, on)
    follow(engine, night)  # the night as the log holds it
    code = next(c for c, n in night.councils.items() if n.template.council.name == "Derbyshire Dales")
    dales = night.councils[code]
    assert dales.called == "conservative" and dales.outcome is not None and dales.outcome.outcome == "HOLD"

    with (DEMO / "2019-05-02-east-midlands.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    dales_rows = [r for r in body if r[col["council_code"]] == code]
    ward = next(
        w
        for w in dict.fromkeys(r[col["ward"]] for r in dales_rows)
        if any(
            r[col["party"]] == "Conservative" and r[col["elected"]] == "1"
            for r in dales_rows
            if r[col["ward"]] == w
        )
        and any(
            r[col["party"]] != "Conservative" and r[col["elected"]] == "0"
            for r in dales_rows
            if r[col["ward"]] == w
        )
    )
    ward_rows = [list(r) for r in dales_rows if r[col["ward"]] == ward]
    loser = max(
        (r for r in ward_rows if r[col["elected"]] == "0" and r[col["party"]] != "Conservative"),
        key=lambda r: int(r[col["votes"]]),
    )
    winner = min(
        (r for r in ward_rows if r[col["elected"]] == "1" and r[col["party"]] == "Conservative"),
        key=lambda r: int(r[col["votes"]]),
    )
    winner[col["votes"]], loser[col["votes"]] = loser[col["votes"]], winner[col["votes"]]
    winner[col["elected"]], loser[col["elected"]] = "0", "1"
    corrected = write_corrected(tmp_path / "correction.csv", ward_rows, header)

    events = [e.json() for e in ingest(engine, night, "ward", corrected, Context(ref))]
    assert [e["type"] for e in events][:3] == ["declaration", "call_withdrawn", "call"]
    assert events[0]["revision"] == 2
    assert events[1]["control"] == "Conservative"
    assert (events[2]["control"], events[2]["outcome"]) == ("NOC", "LOSS_TO_NOC")
    final = next(o for o in outcomes(engine, ref, on).councils if o.council.code == code)
    assert (final.control_after, final.outcome) == ("NOC", "LOSS_TO_NOC")
    with engine.connect() as conn:
        history = conn.execute(
            select(declarations.c.revision, declarations.c.candidacies)
            .join(polls, polls.c.id == declarations.c.poll_id)
            .where(polls.c.council_code == code, polls.c.ward_name == ward, polls.c.election_date == on)
            .order_by(declarations.c.revision)
        ).all()
    assert [r.revision for r in history] == [1, 2]
    assert json.loads(history[0].candidacies) != json.loads(history[1].candidacies)
    shown = [r for r in queries.history(engine, code, on) if r["ward"] == ward]
    assert [(r["revision"], r["status"], r["source"]["name"]) for r in shown] == [
        (1, "declared", "2019-05-02-east-midlands.csv"),
        (2, "declared", "correction.csv"),
    ]

    assert ingest(engine, night, "ward", corrected, Context(ref)) == []  # the same file again: nothing


def test_replay_jsonl_follows_the_contract(store: str, tmp_path: Path) -> None:
    db = copy_url(store, tmp_path / "jsonl.db")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tallyroom",
            "--db",
            db,
            "replay",
            "--date",
            "2021-05-06",
            "--jsonl",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines and [e["seq"] for e in lines] == list(range(1, len(lines) + 1))
    for event in lines:
        assert set(event["council"]) == {"name", "code"}
        if event["type"] == "declaration":
            assert set(event["ward"]) == {"name", "code"}
            assert all(set(e) == {"candidate", "party"} for e in event["elected"])
            assert set(event["progress"]) == {"seats_declared", "seats_up"}
        elif event["type"] == "call":
            assert {"control", "outcome", "seats"} <= set(event)
        elif event["type"] == "complete":
            assert event["outcome_detail"]["council"] == event["council"]
    assert sum(1 for e in lines if e["type"] == "complete") == NIGHT_COUNCILS


def test_records_of_the_night_fall_as_they_happen(engine: Engine, ref: Reference) -> None:
    events = [t.event.json() for t in replay(engine, ref, COUNTIES_DAY, seed=5)]
    closest = [e["majority"] for e in events if e["type"] == "record" and e["record"] == "closest-result"]
    assert closest == sorted(closest, reverse=True) and len(set(closest)) == len(closest)
    majorities = [e["majority"] for e in events if e["type"] == "declaration" and e["majority"] is not None]
    assert closest[-1] == min(majorities) == 1  # Derby, Darley: Grimadell one vote ahead of Swan
    swings = [
        e["swing"]["points"] for e in events if e["type"] == "record" and e["record"] == "biggest-swing"
    ]
    assert swings and swings == sorted(swings) and all(points > 0 for points in swings)


def test_a_council_decided_by_seats_not_up_is_called_before_any_result(
    ref: Reference, tmp_path: Path
) -> None:
    """Manchester 2019: the Labour councillors not up (elected on new wards in 2018) were a majority on
    their own, so it could not change hands that night and is called before its first declaration."""
    engine = connect(store_url(tmp_path / "leap.db"))
    for year in (2018, 2019):
        load_file(engine, "leap", leap(year), Context(ref))
    events = [t.event.json() for t in replay(engine, ref, date(2019, 5, 2), seed=1)]
    engine.dispose()
    manchester = [e for e in events if e["council"]["name"] == "Manchester"]
    assert manchester[0]["type"] == "call"
    assert (manchester[0]["control"], manchester[0]["cannot_change_hands"]) == ("Labour", True)
    assert sum(1 for e in manchester if e["type"] == "call") == 1
    assert manchester[1]["type"] == "declaration"


def test_a_correction_of_the_closest_result_hands_the_record_on(engine: Engine, ref: Reference) -> None:
    """Derby's Darley, Grimadell one vote ahead of Swan for the second seat, is the night's closest
    result. Corrected to a lead of 101, the record passes to the ward closest now, said to be a
    correction; corrected back, Darley takes it again as a new record."""
    night, day = opening(engine, ref, COUNTIES_DAY)
    polls = [p for council in day.council_polls.values() for p in council]
    for poll in polls:
        night.declare(poll)
    darley = next(p for p in polls if p.ward.name == "Darley")
    closest = night.records[RecordKind.CLOSEST]
    assert (closest.rank, closest.ballot) == (1, ballot_id(darley))
    others = [
        w.result.majority
        for o in outcomes(engine, ref, COUNTIES_DAY).councils
        for w in o.wards
        if w.result.contested and w.result.majority is not None and w.result.poll.ward.name != "Darley"
    ]
    widened = tuple(
        c._replace(votes=(c.votes or 0) + 100) if c.name == "Grimadell A.L." else c
        for c in darley.candidacies
    )

    def closest(events: list[Event]) -> list[dict[str, object]]:
        return [e.body for e in events if e.type is EventType.RECORD and e.body["record"] == "closest-result"]

    (handed_on,) = closest(night.declare(darley._replace(candidacies=widened)))
    assert (handed_on["majority"], handed_on["corrected"]) == (min(others), True)
    (back,) = closest(night.declare(darley))
    assert (back["ward"], back["majority"]) == ({"name": "Darley", "code": darley.ward.code}, 1)
    assert "corrected" not in back  # a record beaten again, as any new result may beat it


def test_a_council_result_sent_whole_stands_until_every_ward_is_in(engine: Engine, ref: Reference) -> None:
    """Derby's 2021 result as a news agency sends it, seats per party, then its wards one by one: the
    first ward neither unsettles the call nor undoes the council's completion; the last hands the
    outcome to the wards' results, which agree with it."""
    night, day = opening(engine, ref, COUNTIES_DAY)
    wards = day.council_polls[DERBY]
    whole = next(o for o in outcomes(engine, ref, COUNTIES_DAY).councils if o.council.code == DERBY)
    assert whole.composition is not None and whole.total_seats is not None
    sent = CouncilResult(
        COUNTIES_DAY, whole.council, whole.total_seats, dict(whole.composition), dict(whole.won)
    )
    told = [e.type for e in night.declare_council(sent)]
    assert told == [EventType.COUNCIL_RESULT, EventType.CALL, EventType.COMPLETE]
    first = {e.type for e in night.declare(wards[0])}
    assert EventType.DECLARATION in first and not first & {EventType.CALL_WITHDRAWN, EventType.COMPLETE}
    derby = night.councils[DERBY].outcome
    assert derby is not None and derby.complete and derby.control_after == whole.control_after
    assert f"1 of {whole.seats_up} seats declared ward by ward so far" in " ".join(derby.flags)
    later = [e.type for poll in wards[1:] for e in night.declare(poll)]
    assert EventType.CALL_WITHDRAWN not in later and EventType.COMPLETE not in later
    derby = night.councils[DERBY].outcome
    assert derby is not None and derby.wards_declared == len(wards)
    assert (derby.composition, derby.control_after) == (whole.composition, whole.control_after)
