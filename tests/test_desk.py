"""Results posted to the API with a desk token, against the real 2021 county night: a desk enters
Derbyshire ward by ward; bad tokens and bad files change nothing; two desks entering one ward at once
are serialised."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from tallyroom.importers import ward
from tallyroom.importers.base import Context
from tallyroom.live.events import Event
from tallyroom.live.night import Night
from tallyroom.reference import Reference
from tallyroom.rules.ballots import ballot_id
from tallyroom.rules.model import Poll
from tallyroom.store.log import candidacies_json
from tallyroom.store.schema import declarations, polls, sources
from tallyroom.web.accounts import Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT_FILE, copy_of, demo_store, night_from_nominations

ON = date(2021, 5, 6)
DERBYSHIRE = "E10000007"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Path:
    """Every demo file but the night's own: the store as it stands on the eve of poll."""
    return demo_store(tmp_path_factory.mktemp("desk") / "eve.db", ref, leave_out=NIGHT_FILE)


@pytest.fixture
def engine(store: str, tmp_path: Path) -> Iterator[Engine]:
    engine = copy_of(store, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def night(engine: Engine, ref: Reference) -> Night:
    return night_from_nominations(engine, ref)


@pytest.fixture
def tokens(engine: Engine) -> dict[str, str]:
    """Two desk reporters, alice and bob, each with an API token: name to token."""
    found = {}
    for name in ("alice", "bob"):
        add_user(engine, name, Role.REPORTER, f"{name}'s long password")
        found[name] = issue_token(engine, name)
    return found


@pytest.fixture
def site(engine: Engine, night: Night, ref: Reference) -> Site:
    return Site(engine, ref, ON, night=night)


@pytest.fixture
def desk(site: Site) -> TestClient:
    return TestClient(create_app(site))


def night_rows() -> tuple[list[str], list[list[str]]]:
    with NIGHT_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def derbyshire_wards() -> tuple[list[str], list[list[list[str]]]]:
    """Derbyshire's rows, one list per ward, in file order."""
    header, rows = night_rows()
    wards: dict[str, list[list[str]]] = {}
    for row in rows:
        if row[header.index("council_code")] == DERBYSHIRE:
            wards.setdefault(row[header.index("ward_code")], []).append(row)
    return header, list(wards.values())


def as_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def post(client: TestClient, body: str, token: str | None) -> httpx2.Response:
    headers = {"Content-Type": "text/csv"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response: httpx2.Response = client.post(
        "/api/declarations", content=body.encode("utf-8"), headers=headers
    )
    return response


def counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (declarations, polls, sources)
        )


def test_a_desk_enters_derbyshire_ward_by_ward(desk: TestClient, tokens: dict[str, str]) -> None:
    header, wards = derbyshire_wards()
    party, elected = header.index("party"), header.index("elected")
    conservatives, deciding = 0, None
    for i, rows in enumerate(wards):
        conservatives += sum(1 for r in rows if r[party] == "Conservative" and r[elected] == "1")
        if conservatives >= 33 and deciding is None:
            deciding = (i, conservatives)
    assert deciding is not None

    answers = []
    for rows in wards:
        response = post(desk, as_csv(header, rows), tokens["alice"])
        assert response.status_code == 200, response.text
        answers.append(response.json())

    for rows, answer in zip(wards, answers, strict=True):
        assert (answer["new"], answer["revised"], answer["unchanged"]) == (1, 0, 0)
        declared = [e for e in answer["events"] if e["type"] == "declaration"]
        assert [e["ward"]["code"] for e in declared] == [rows[0][header.index("ward_code")]]
        assert all(e["council"]["code"] == DERBYSHIRE for e in answer["events"])
    calls = [(i, e) for i, a in enumerate(answers) for e in a["events"] if e["type"] == "call"]
    assert len(calls) == 1
    at, call = calls[0]
    assert at == deciding[0]
    assert (call["control"], call["outcome"], call["seats"]) == ("Conservative", "HOLD", deciding[1])
    complete = [e for e in answers[-1]["events"] if e["type"] == "complete"]
    assert len(complete) == 1
    assert not any(e["type"] == "complete" for a in answers[:-1] for e in a["events"])
    assert complete[0]["outcome_detail"]["composition"] == {
        "Conservative": 45,
        "Labour": 14,
        "Liberal Democrats": 4,
        "Green": 1,
    }


def test_without_a_good_token_nothing_is_written(
    desk: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    header, wards = derbyshire_wards()
    body = as_csv(header, wards[0])
    before = counts(engine)
    for token in (None, "token-mallory", "", tokens["alice"] + "x", tokens["alice"][:-1]):
        response = post(desk, body, token)
        assert response.status_code == 401, token
        assert response.headers["www-authenticate"] == "Bearer"
    basic = desk.post(
        "/api/declarations",
        content=body.encode(),
        headers={"Content-Type": "text/csv", "Authorization": f"Basic {tokens['alice']}"},
    )
    assert basic.status_code == 401
    assert counts(engine) == before
    assert desk.get("/health").json() == {"ok": True}


def test_only_csv_is_taken(desk: TestClient, engine: Engine, tokens: dict[str, str]) -> None:
    header, wards = derbyshire_wards()
    before = counts(engine)
    bearer = f"Bearer {tokens['alice']}"
    response = desk.post(
        "/api/declarations",
        content=as_csv(header, wards[0]).encode(),
        headers={"Content-Type": "application/json", "Authorization": bearer},
    )
    assert response.status_code == 415
    assert counts(engine) == before
    charset = desk.post(
        "/api/declarations",
        content=as_csv(header, wards[0]).encode(),
        headers={"Content-Type": "text/csv; charset=utf-8", "Authorization": bearer},
    )
    assert charset.status_code == 200 and charset.json()["new"] == 1


def test_a_bad_number_names_its_row_and_field_and_writes_nothing(
    desk: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    header, wards = derbyshire_wards()
    rows = [list(r) for r in wards[0] + wards[1]]
    rows[len(wards[0]) + 1][header.index("votes")] = "12O4"  # a letter O typed for a zero
    before = counts(engine)
    response = post(desk, as_csv(header, rows), tokens["alice"])
    assert response.status_code == 400
    answer = response.json()
    row = len(wards[0]) + 3  # the header is row 1
    assert f"row {row}" in answer["error"] and "'votes'" in answer["error"] and "12O4" in answer["error"]
    assert (answer["row"], answer["field"]) == (row, "votes")
    assert counts(engine) == before


class WatchedLock:
    """A lock that counts the times a writer found it held and had to wait."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.waited = 0

    def __enter__(self) -> None:
        if not self.lock.acquire(blocking=False):
            self.waited += 1
            self.lock.acquire()

    def __exit__(self, *_: object) -> None:
        self.lock.release()


def test_two_desks_on_one_ward_at_once_are_serialised(
    engine: Engine,
    night: Night,
    site: Site,
    ref: Reference,
    tokens: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first recompute is made slow, as a big council's can be: unserialised, the second desk's
    figures would reach the log second but the night first, and the night would show the older ones."""
    header, wards = derbyshire_wards()
    rows = wards[0]
    bumped = [list(r) for r in rows]
    bumped[0][header.index("votes")] = str(int(bumped[0][header.index("votes")]) + 1)
    bodies = {"alice": as_csv(header, rows), "bob": as_csv(header, bumped)}
    declare, calls = Night.declare, []

    def slow_first(self: Night, poll: Poll, revision: int | None = None) -> list[Event]:
        calls.append(poll)
        if len(calls) == 1:
            time.sleep(0.3)
        return declare(self, poll, revision)

    monkeypatch.setattr(Night, "declare", slow_first)
    lock = WatchedLock()
    site.lock = lock  # type: ignore[assignment]
    app = create_app(site)
    start = threading.Barrier(2)
    answers: dict[str, httpx2.Response] = {}
    failures: list[BaseException] = []

    def enter(name: str) -> None:
        client = TestClient(app)  # each desk its own client, as two desks would be
        start.wait()
        try:
            answers[name] = post(client, bodies[name], tokens[name])
        except BaseException as error:  # the test reports any failure from either thread
            failures.append(error)

    threads = [threading.Thread(target=enter, args=(name,)) for name in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert {name: r.status_code for name, r in answers.items()} == {"alice": 200, "bob": 200}
    assert lock.waited == 1  # the two were in flight together, and one waited for the other

    key = next(
        ballot_id(p) for p in ward.read(NIGHT_FILE, Context(ref)).polls if p.council.code == DERBYSHIRE
    )
    with engine.connect() as conn:
        kept = conn.execute(
            select(declarations.c.revision, declarations.c.entered_by, declarations.c.candidacies)
            .join(polls, polls.c.id == declarations.c.poll_id)
            .where(polls.c.ballot_id == key)
            .order_by(declarations.c.revision)
        ).all()
    assert [r.revision for r in kept] == [1, 2]
    assert sorted(r.entered_by for r in kept) == ["alice", "bob"]

    current = night.councils[DERBYSHIRE].declared[key].poll
    assert candidacies_json(current) == kept[-1].candidacies  # the night holds the log's newest
    for entry in kept:
        answer = answers[entry.entered_by].json()
        assert (answer["new"], answer["revised"]) == ((1, 0) if entry.revision == 1 else (0, 1))
        (declared,) = [e for e in answer["events"] if e["type"] == "declaration"]
        assert declared["revision"] == entry.revision  # the night took them in the log's order
        votes = int((bumped if entry.entered_by == "bob" else rows)[0][header.index("votes")])
        assert json.loads(entry.candidacies)[0][4] == votes  # each desk's own figures, under its name


def test_a_result_of_another_day_is_refused_whole(
    desk: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    header, wards = derbyshire_wards()
    rows = [list(r) for r in wards[0] + wards[1]]
    for row in rows[len(wards[0]) :]:
        row[header.index("election_date")] = "2017-05-04"  # a division of the last county election
    before = counts(engine)
    answer = post(desk, as_csv(header, rows), tokens["alice"])
    assert answer.status_code == 400
    assert answer.json()["field"] == "election_date" and "a result for 2017-05-04" in answer.json()["error"]
    assert counts(engine) == before


def test_a_body_said_to_be_too_big_is_not_read(
    desk: TestClient, engine: Engine, tokens: dict[str, str]
) -> None:
    headers = {
        "Authorization": f"Bearer {tokens['alice']}",
        "Content-Type": "text/csv",
        "Content-Length": str(6 * 1024 * 1024),
    }
    before = counts(engine)
    assert desk.post("/api/declarations", content=b"x" * 10, headers=headers).status_code == 413
    assert counts(engine) == before
