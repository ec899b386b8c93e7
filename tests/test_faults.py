"""Faults: the server killed outright (SIGKILL) in the middle of a burst of declarations loses none it
acknowledged (every 200 answer is a declaration durably in the log, found there after the crash and
served again after a restart); a read-only or full store gives a clear error and writes nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import create_engine, event

from tallyroom import reference
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.store import queries
from tallyroom.store.database import StoreError, connect, database_url
from tests.conftest import (
    DEMO,
    NIGHT,
    NIGHT_FILE,
    POSTGRES,
    Serving,
    demo_store,
    night_wards,
    reporter_token,
    store_url,
)

DERBYSHIRE = "E10000007"


def test_a_killed_server_loses_no_acknowledged_declaration(tmp_path: Path, ref: Reference) -> None:
    store = demo_store(tmp_path / "eve.db", ref, leave_out=NIGHT_FILE)
    bearer = reporter_token(store)
    server = Serving(store)
    acknowledged: list[str] = []
    wards = [(name, body) for name, _, body in night_wards(DERBYSHIRE)]

    def burst() -> None:
        with httpx2.Client(
            headers={"Authorization": f"Bearer {bearer}", "Content-Type": "text/csv"}
        ) as client:
            for name, body in wards:
                try:
                    answer = client.post(f"{server.url}/api/declarations", content=body, timeout=10)
                except httpx2.TransportError:
                    return  # the server is gone: this one was never acknowledged
                if answer.status_code == 200:
                    acknowledged.append(name)

    sender = threading.Thread(target=burst)
    sender.start()
    while len(acknowledged) < len(wards) // 3:
        time.sleep(0.005)
    os.kill(server.process.pid, signal.SIGKILL)
    sender.join(30)
    server.process.wait(10)
    assert len(wards) // 3 <= len(acknowledged) < len(wards)  # killed in the middle of the burst

    engine = connect(store)
    logged = {h["ward"] for h in queries.history(engine, DERBYSHIRE, NIGHT)}
    engine.dispose()
    assert set(acknowledged) <= logged
    assert len(logged) - len(acknowledged) <= 1  # at most the one in flight, logged but not yet answered

    restarted = Serving(store)
    try:
        served = httpx2.get(f"{restarted.url}/api/councils/{DERBYSHIRE}").json()
        assert {w["ward"]["name"] for w in served["wards"]} == logged
    finally:
        restarted.stop()


def read_only(url: str) -> str:
    """The same store, opened so that it refuses every write."""
    if url.startswith("sqlite:///"):
        return f"sqlite:///file:{url.removeprefix('sqlite:///')}?mode=ro&uri=true"
    engine = create_engine(database_url(POSTGRES), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(
            f'ALTER DATABASE "{url.rsplit("/", 1)[1]}" SET default_transaction_read_only = on'
        )
    engine.dispose()
    return url


def test_a_read_only_store_gives_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    url = store_url(tmp_path / "ro.db")
    connect(url).dispose()  # made, on the newest schema
    url = read_only(url)
    done = subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", url, "import", "ward", str(NIGHT_FILE)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert "not loaded 2021-05-06-east-midlands.csv: the database refused the write" in done.stderr
    assert "Traceback" not in done.stderr
    engine = connect(url)
    assert queries.load_polls(engine, reference.load().parties) == []
    engine.dispose()


def test_a_full_store_rolls_back_the_whole_file(tmp_path: Path, ref: Reference) -> None:
    """The database fills up part way through a file (SQLite told it may grow no further; PostgreSQL
    told to take no more writes): the file is refused whole, and what was there before stays."""
    engine = connect(store_url(tmp_path / "full.db"))
    load_file(engine, "ward", DEMO / "2019-05-02-east-midlands.csv", Context(ref))
    before = {h["ballot_id"] for h in queries.history(engine, DERBYSHIRE, NIGHT)}
    polls_before = len(queries.load_polls(engine, ref.parties))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def no_room(dbapi_connection: Any, _record: Any) -> None:
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 2}")

        engine.dispose()
    else:
        engine.dispose()
        read_only(engine.url.render_as_string(hide_password=False))
    with pytest.raises(StoreError, match="nothing was written"):
        load_file(engine, "ward", NIGHT_FILE, Context(ref))
    assert len(queries.load_polls(engine, ref.parties)) == polls_before
    assert {h["ballot_id"] for h in queries.history(engine, DERBYSHIRE, NIGHT)} == before
    engine.dispose()


@pytest.mark.restarts_postgres
@pytest.mark.skipif(not shutil.which("pg_ctlcluster"), reason="restarts the Debian server make test starts")
def test_a_postgresql_restart_during_ingest_loses_nothing_and_doubles_nothing(
    tmp_path: Path, ref: Reference
) -> None:
    """A desk posts every Derbyshire division, sending each again until it is acknowledged, while the
    database server restarts under the web server: every division ends in the log exactly once."""
    store = demo_store(tmp_path / "eve.db", ref, leave_out=NIGHT_FILE)
    bearer = reporter_token(store)
    server = Serving(store)
    wards = [(name, body) for name, _, body in night_wards(DERBYSHIRE)]
    acknowledged: list[str] = []
    refused: list[int] = []

    def burst() -> None:
        deadline = time.monotonic() + 120
        with httpx2.Client(
            headers={"Authorization": f"Bearer {bearer}", "Content-Type": "text/csv"}
        ) as client:
            for name, body in wards:
                while time.monotonic() < deadline:
                    try:
                        answer = client.post(f"{server.url}/api/declarations", content=body, timeout=30)
                    except httpx2.TransportError:
                        answer = None
                    if answer is not None and answer.status_code == 200:
                        acknowledged.append(name)
                        break
                    refused.append(answer.status_code if answer is not None else 0)
                    time.sleep(0.2)

    sender = threading.Thread(target=burst)
    sender.start()
    while len(acknowledged) < len(wards) // 3:
        time.sleep(0.005)
    version = sorted(os.listdir("/etc/postgresql"), key=float)[-1]
    subprocess.run(["pg_ctlcluster", version, "main", "restart"], check=True)
    sender.join(150)
    try:
        assert acknowledged == [name for name, _ in wards]
        engine = connect(store)
        revisions = [(h["ward"], h["revision"]) for h in queries.history(engine, DERBYSHIRE, NIGHT)]
        engine.dispose()
        assert sorted(revisions) == sorted((name, 1) for name, _ in wards)  # each once: nothing doubled
        served = httpx2.get(f"{server.url}/api/councils/{DERBYSHIRE}").json()
        assert served["seats_declared"] == served["seats_up"] == 64
        assert set(refused) <= {0, 503}  # refused or unanswered while it restarted, never a server error
        print(f"{len(refused)} post(s) refused while the database restarted")
    finally:
        server.stop()
