"""Several workers, one night: each tells the others what it wrote, through PostgreSQL's LISTEN and
NOTIFY, with no broker beside the database.

Every worker holds the night in memory and serves its own live readers. After a write commits, the
worker that made it sends a notification naming the councils it touched (and whether a mayor's or
commissioner's result, or copy beside the results, changed). The others read those councils' newest
declarations from the log, take in what they do not hold yet, and push the events to their readers.
A notification carries no results, only where to look, so the log stays the one source of truth.
"""

from __future__ import annotations

import json
import threading
import uuid

import psycopg
from sqlalchemy import text

from tallyroom.live.events import Event
from tallyroom.web.site import Site

CHANNEL = "tallyroom_changes"


class Relay:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.origin = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="tallyroom-relay", daemon=True)
        self._ready = threading.Event()

    def start(self) -> None:
        self.site.listeners.append(self.announce)
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def announce(self, found: list[Event], local: bool) -> None:
        """After a write of this worker's: tell the others where to look."""
        if not local:
            return
        councils = sorted({e.council.code for e in found})
        payload = json.dumps({"origin": self.origin, "councils": councils, "other": not found})
        with self.site.engine.begin() as conn:
            conn.execute(
                text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
            )

    def _listen(self) -> None:
        url = self.site.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            self._ready.set()
            while not self._stop.is_set():
                for note in conn.notifies(timeout=0.5):
                    change = json.loads(note.payload)
                    if change["origin"] != self.origin:
                        self.site.catch_up(change["councils"], change["other"])
