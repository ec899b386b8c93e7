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
from sqlalchemy.exc import DBAPIError

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
        self._unsent: set[str] = set()
        self._other = False

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
        self._unsent |= {e.council.code for e in found}
        self._other = self._other or not found or any(e.type == "executive" for e in found)
        payload = json.dumps({"origin": self.origin, "councils": sorted(self._unsent), "other": self._other})
        try:
            with self.site.engine.begin() as conn:
                conn.execute(
                    text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
                )
        except DBAPIError:
            return  # the write itself is safe in the log; this news goes with the next
        self._unsent, self._other = set(), False

    def _listen(self) -> None:
        """Listen until stopped. When the connection is lost (the server restarted), listen again, and
        catch up on every council, since what was sent meanwhile was not heard."""
        url = self.site.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        lost = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    if lost:
                        self.site.catch_up(list(self.site.view.by_code), True)
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            change = json.loads(note.payload)
                            if change["origin"] != self.origin:
                                self.site.catch_up(change["councils"], change["other"])
            except (psycopg.OperationalError, DBAPIError):
                lost = True
                self._stop.wait(1)
