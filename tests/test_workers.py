"""Several workers on one database share the night: on PostgreSQL through LISTEN/NOTIFY, a declaration
posted to one reaches the live readers of another, and every worker then answers alike (those tests run
in the suite's PostgreSQL pass); on either, a worker asked for a council it has not heard of yet looks
in the log before it answers "not found"."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import create_engine

from tallyroom.reference import Reference
from tests.conftest import NIGHT_FILE, Serving, demo_store, night_wards, reporter_token

DERBYSHIRE = "E10000007"


@pytest.fixture
def store(tmp_path: Path, ref: Reference) -> str:
    """The eve of the 2021 night (every demo file but the night's own), with a reporter's token."""
    return demo_store(tmp_path / "eve.db", ref, leave_out=NIGHT_FILE)


@pytest.fixture
def serving() -> Iterator[list[Serving]]:
    started: list[Serving] = []
    yield started
    for server in started:
        server.stop()


def derbyshire_ward() -> tuple[str, bytes]:
    name, _, body = night_wards(DERBYSHIRE)[0]
    return name, body


def listen(url: str, heard: list[str], ready: threading.Event) -> None:
    """Read a live stream, keeping each event's data line, until one declaration arrives."""
    with httpx2.stream("GET", url, timeout=30) as stream:
        for line in stream.iter_lines():
            if line.startswith("retry:"):
                ready.set()
            if line.startswith("data:"):
                heard.append(line)
                return


def post(url: str, bearer: str, body: bytes) -> None:
    answer = httpx2.post(
        f"{url}/api/declarations",
        content=body,
        headers={"Authorization": f"Bearer {bearer}", "Content-Type": "text/csv"},
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.postgres_only
def test_a_declaration_posted_to_one_worker_reaches_the_readers_of_another(
    store: str, serving: list[Serving]
) -> None:
    bearer = reporter_token(store)
    serving += [Serving(store), Serving(store)]
    first, second = serving
    heard: list[str] = []
    ready = threading.Event()
    reader = threading.Thread(target=listen, args=(f"{second.url}/live?council={DERBYSHIRE}", heard, ready))
    reader.start()
    assert ready.wait(10)
    ward, body = derbyshire_ward()
    posted = time.monotonic()
    post(first.url, bearer, body)
    reader.join(10)
    assert heard and f'"ward":{{"name":"{ward}"' in heard[0]
    print(f"posted to one worker, heard at another's reader in {time.monotonic() - posted:.3f} s")
    assert (
        httpx2.get(f"{second.url}/api/councils/{DERBYSHIRE}").json()
        == httpx2.get(f"{first.url}/api/councils/{DERBYSHIRE}").json()
    )


@pytest.mark.postgres_only
def test_serve_with_several_workers_answers_alike_from_each(store: str, serving: list[Serving]) -> None:
    bearer = reporter_token(store)
    serving.append(Serving(store, "--workers", "2"))
    (server,) = serving
    _, body = derbyshire_ward()
    post(server.url, bearer, body)
    time.sleep(1)  # the notification reaches the other worker
    answers = {
        httpx2.get(f"{server.url}/api/progress", headers={"Connection": "close"}).text for _ in range(20)
    }
    assert len(answers) == 1
    assert '"seats_declared":' in answers.pop()


def test_several_workers_need_postgresql(tmp_path: Path) -> None:
    sqlite = f"sqlite:///{tmp_path / 'one.db'}"
    create_engine(sqlite).dispose()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tallyroom",
            "--db",
            sqlite,
            "serve",
            "--date",
            "2021-05-06",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "PostgreSQL" in done.stderr


def test_a_worker_asked_for_a_council_just_in_elsewhere_looks_in_the_log(
    store: str, serving: list[Serving]
) -> None:
    bearer = reporter_token(store)
    serving += [Serving(store), Serving(store)]
    first, second = serving
    assert httpx2.get(f"{second.url}/council/{DERBYSHIRE}").status_code == 404  # nothing in yet
    ward, body = derbyshire_ward()
    post(first.url, bearer, body)
    page = httpx2.get(f"{second.url}/council/{DERBYSHIRE}")  # at once: no waiting for any notification
    assert page.status_code == 200 and f">{ward}</a>" in page.text
    assert httpx2.get(f"{second.url}/api/councils/Derbyshire").json()["seats_declared"] >= 1


def told(server: Serving, after: int = 0) -> list[dict[str, object]]:
    events: list[dict[str, object]] = httpx2.get(f"{server.url}/api/events?after={after}").json()
    return events


def streamed(server: Serving, last_event_id: int, until: int) -> list[int]:
    """The event ids a reader resuming after `last_event_id` hears, up to event `until`."""
    heard: list[int] = []
    headers = {"Last-Event-ID": str(last_event_id)}
    with httpx2.stream("GET", f"{server.url}/live", headers=headers, timeout=30) as stream:
        for line in stream.iter_lines():
            if line.startswith("id:"):
                heard.append(int(line.removeprefix("id:")))
                if heard[-1] >= until:
                    return heard
    return heard


@pytest.mark.postgres_only
def test_a_reader_resumes_exactly_at_any_worker_before_and_after_a_restart(
    store: str, serving: list[Serving]
) -> None:
    """Derbyshire and Derby posted to two workers in turn; then a worker restarted. Every worker numbers
    every event alike, so a reader resuming anywhere gets exactly what it missed."""
    bearer = reporter_token(store)
    serving += [Serving(store), Serving(store)]
    first, second = serving
    wards = night_wards(DERBYSHIRE)[:10] + night_wards("E06000015")[:6]
    for i, (_, _, body) in enumerate(wards):
        post((first, second)[i % 2].url, bearer, body)
    every = told(first)
    deadline = time.monotonic() + 20
    while told(second) != every or told(first) != every:
        assert time.monotonic() < deadline, "the workers did not come to agree"
        time.sleep(0.2)
        every = told(first)
    assert [e["seq"] for e in every] == list(range(1, len(every) + 1)) and len(every) > len(wards)

    first.stop()
    restarted = Serving(store)
    serving[0] = restarted
    assert told(restarted) == every
    last = len(every)
    for server in (second, restarted):
        for seen in (0, 1, last // 2, last - 1, last):
            assert told(server, seen) == every[seen:]
        for seen in (0, last // 3, last - 1):
            assert streamed(server, seen, last) == list(range(seen + 1, last + 1))
