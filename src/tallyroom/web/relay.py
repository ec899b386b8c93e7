"""Several workers, one night: each hears what the others (and the command line) wrote, and takes it in
from the log, with no broker beside the database.

Every worker holds the night in memory and serves its own live readers. After a write commits, the
worker that made it sends a PostgreSQL notification (`Relay`); the others then follow the log from the
position they had read to (`Site.follow`), so they take in the same deliveries in the same order and
number the same events alike. A notification carries no results, only that there is something to read.
On any store, a `Poller` also looks every second for deliveries no notification announced (an
`import` or `watch` from the command line) and for stories published since.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tallyroom.copy.review import published_position
from tallyroom.live.events import Event
from tallyroom.web.site import Site

CHANNEL = "tallyroom_changes"
log = logging.getLogger(__name__)


class Relay:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.origin = uuid.uuid4().hex
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="tallyroom-relay", daemon=True)
        self._ready = threading.Event()
        self._unsent = False

    def start(self) -> None:
        self.site.listeners.append(self.announce)
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def announce(self, found: list[Event], local: bool) -> None:
        """After a write of this worker's: tell the others there is something to read, and whether
        copy beside the results changed (a story published)."""
        if not local:
            return
        self._unsent = self._unsent or not found
        payload = json.dumps({"origin": self.origin, "copy": self._unsent})
        try:
            with self.site.engine.begin() as conn:
                conn.execute(
                    text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload}
                )
        except DBAPIError:
            return  # the write itself is safe in the log; this news goes with the next
        self._unsent = False

    def _listen(self) -> None:
        """Listen until stopped. When the connection is lost (the server restarted), listen again and
        follow the log, since what was sent meanwhile was not heard."""
        import psycopg  # only here: a server on SQLite has no relay, and need not load the driver

        url = self.site.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    self.site.follow()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            change = json.loads(note.payload)
                            if change["origin"] != self.origin:
                                self.site.follow()
                                if change["copy"]:
                                    self.site.touch(local=False)
            except (psycopg.OperationalError, DBAPIError):
                self._stop.wait(1)


class Poller:
    """Looks every `interval` seconds for what the log gained that this worker has not taken in, and for
    stories published since it last looked, on any store."""

    def __init__(self, site: Site, interval: float = 1.0) -> None:
        self.site, self.interval = site, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="tallyroom-poller", daemon=True)
        self._published = 0

    def start(self) -> None:
        self._published = published_position(self.site.engine)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.site.follow()
                published = published_position(self.site.engine)
                if published != self._published:
                    self._published = published
                    self.site.touch(local=False)
            except Exception:  # a database restarting: look again in a moment
                log.warning("could not look for changes in the log", exc_info=True)
