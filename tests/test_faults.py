"""Faults: the server killed outright (SIGKILL) in the middle of a burst of declarations loses none it
acknowledged. Every 200 answer is a declaration durably in the log, found there after the crash and
served again after a restart."""

from __future__ import annotations

import csv
import io
import os
import signal
import threading
import time
from pathlib import Path

import httpx2

from tallyroom.reference import Reference
from tallyroom.store import queries
from tallyroom.store.database import connect
from tallyroom.web.accounts import Role, add_user, issue_token
from tests.conftest import NIGHT, NIGHT_FILE, Serving, demo_store

DERBYSHIRE = "E10000007"


def derbyshire_wards() -> list[tuple[str, bytes]]:
    """Each Derbyshire division of the 2021 file, as the ward CSV a desk would post."""
    with NIGHT_FILE.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    wards: dict[str, list[list[str]]] = {}
    for row in rows:
        if row[header.index("council_code")] == DERBYSHIRE:
            wards.setdefault(row[header.index("ward")], []).append(row)
    found = []
    for name, ward in wards.items():
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *ward])
        found.append((name, out.getvalue().encode()))
    return found


def test_a_killed_server_loses_no_acknowledged_declaration(tmp_path: Path, ref: Reference) -> None:
    store = demo_store(tmp_path / "eve.db", ref, leave_out=NIGHT_FILE)
    engine = connect(store)
    add_user(engine, "rita", Role.REPORTER, "rita's long password")
    bearer = issue_token(engine, "rita")
    engine.dispose()
    server = Serving(store)
    acknowledged: list[str] = []
    wards = derbyshire_wards()

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
