"""What the website serves: one night, its results as an immutable view, and the way new results come in.

Every write goes one way: a file (a desk entry, a posted CSV) is read and checked, appended to the log,
the councils it touched are recomputed, and a new `View` replaces the old one whole. Pages and the API
read only the current view, so a reader never sees a half-made update, and nothing waits on a lock to
read. Writes are serialised by one thread lock (they block on the database, so they run in worker
threads). Each change's events go to the live-update broadcaster.
"""

from __future__ import annotations

import tempfile
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine

from tallyroom.importers import reader
from tallyroom.importers.base import Batch, Context
from tallyroom.live.events import Event
from tallyroom.live.feed import ingest_with_report
from tallyroom.live.night import Night, open_night
from tallyroom.live.replay import Timed, paced, schedule
from tallyroom.reference import Reference
from tallyroom.results import load_day
from tallyroom.rules.control import ControlSettings
from tallyroom.rules.counting import PollResult, count
from tallyroom.rules.model import ElectionType, Poll, WardRef
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.store import queries
from tallyroom.store.log import AppendReport
from tallyroom.web.live import Broadcaster

T = TypeVar("T")

KEPT_EVENTS = 1000
"""Events kept for latest declarations, feeds and live clients that reconnect (Last-Event-ID)."""

CACHED = 4096
"""Pages and documents kept made; the least recently made go first (keys can come from requests)."""


@dataclass(frozen=True)
class View:
    """The night at one moment. `version` counts the views made, naming each (ETags, caches); `seq` is
    the number of the last event the night has given."""

    version: int
    seq: int
    outcomes: tuple[CouncilOutcome, ...]
    pending: dict[str, tuple[WardRef, ...]]
    progress: dict[str, Any]
    events: tuple[Event, ...]
    executive: tuple[PollResult, ...]
    times: dict[int, datetime]
    """When the server took each event in `events`, by seq."""
    by_code: dict[str, CouncilOutcome] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {o.council.code: o for o in self.outcomes})

    def events_after(self, seq: int) -> list[Event]:
        return [e for e in self.events if e.seq > seq]


class Site:
    """One night served: the log, the night recomputed from it, the current view and live updates."""

    def __init__(
        self,
        engine: Engine,
        reference: Reference,
        day: date,
        settings: ControlSettings | None = None,
        night: Night | None = None,
    ) -> None:
        """A site for a day, its night opened from the log unless one (say, from nominations) is given."""
        self.engine, self.reference, self.day = engine, reference, day
        self.settings = settings or ControlSettings()
        self.context = Context(reference)
        self.night: Night = night or open_night(engine, reference, day, self.settings)
        self.lock = threading.Lock()
        self.broadcaster = Broadcaster()
        self._events: deque[Event] = deque(maxlen=KEPT_EVENTS)
        self._times: dict[int, datetime] = {}
        self._executive = self._load_executive()
        self._cache: OrderedDict[str, tuple[int, Any]] = OrderedDict()
        self._version = 0
        self._making = threading.Lock()
        self.listeners: list[Callable[[list[Event], bool], None]] = []
        """Called with each change's events, and whether this process made it (not another worker),
        under the write lock: keep them quick (queue the work)."""
        self.view = self._build()

    @classmethod
    def open(
        cls,
        engine: Engine,
        reference: Reference,
        day: date,
        settings: ControlSettings | None = None,
        replaying: bool = False,
    ) -> Site:
        """The site for a day. The results the log already holds are declared at once, unless the
        night is to be replayed (`declare` then takes them one by one)."""
        site = cls(engine, reference, day, settings)
        if not replaying:
            with site.lock:
                found = [
                    e
                    for council in list(site.night.councils.values())
                    for poll in list(council.polls.values())
                    for e in site.night.declare(poll)
                ]
                site._publish([*found, *site.night.settled_before_results()], changed=True)
        return site

    def ingest(
        self, format_name: str, path: Path, entered_by: str | None, tonight_only: bool = False
    ) -> tuple[list[Event], AppendReport]:
        """Read, check and log one file, recompute what it touched and publish the new view. Blocks:
        call it from a worker thread. An InputError changes nothing. With `tonight_only`, a file that
        holds a result of another day is refused."""
        with self.lock:
            found, report = ingest_with_report(
                self.engine, self.night, format_name, path, self.context, entered_by, tonight_only
            )
            if any(e.type == "executive" for e in found):
                self._executive = self._load_executive()
            self._publish(found)
        return found, report

    def ingest_text(
        self, format_name: str, body: bytes, entered_by: str | None
    ) -> tuple[list[Event], AppendReport]:
        """As `ingest`, for a body received over HTTP: results for tonight only."""
        with _as_file(format_name, body) as path:
            return self.ingest(format_name, path, entered_by, tonight_only=True)

    def check_text(self, format_name: str, body: bytes) -> Batch:
        """What the importer makes of a body, with nothing logged (an InputError says what is wrong)."""
        with _as_file(format_name, body) as path:
            return reader(format_name)(path, self.context)

    def declare(self, polls: Iterable[Poll]) -> list[Event]:
        """Declarations the log already holds, taken into the night (a replay)."""
        with self.lock:
            found = [e for poll in polls for e in self.night.declare(poll)]
            self._publish(found)
        return found

    def replay(self, speed: float, seed: int = 0, echo: Callable[[Timed], None] | None = None) -> None:
        """Declare the log's results for the day one by one on the modelled night's timing, `speed`
        times faster than real time (0: at once). Blocks: run it in a thread beside the server."""
        day = load_day(self.engine, self.reference, self.day)
        timeline = schedule(day.council_polls, self.day, seed)
        with self.lock:
            settled = self.night.settled_before_results()
            self._publish(settled)
        for at, poll in paced(timeline, speed):
            for event in self.declare([poll]):
                if echo is not None:
                    echo(Timed(at, event))

    def catch_up(self, councils: Collection[str], executive: bool) -> list[Event]:
        """Take in what another worker wrote to the log: the newest declarations of these councils
        that this night does not hold yet, and the mayors and commissioners when they changed."""
        with self.lock:
            found = []
            for poll in queries.load_polls(
                self.engine, self.reference.parties, on=self.day, councils=councils
            ):
                if poll.election_type is ElectionType.LOCAL and not self.night.holds(poll):
                    found += self.night.declare(poll)
            if executive:
                self._executive = self._load_executive()
            self._publish(found, changed=executive, local=False)
        return found

    def outcome_of(self, code: str) -> CouncilOutcome | None:
        """A council's outcome tonight. One this process has not heard of, but the register knows, is
        looked for in the log first: another worker may have just taken its first result."""
        found = self.view.by_code.get(code)
        if found is None and self.reference.councils.get(code) is not None:
            self.catch_up([code], False)
            found = self.view.by_code.get(code)
        return found

    def _load_executive(self) -> tuple[PollResult, ...]:
        return tuple(count(p) for p in load_day(self.engine, self.reference, self.day).executive)

    def _publish(self, found: list[Event], changed: bool = False, local: bool = True) -> None:
        if not found and not changed:
            return
        now = datetime.now(UTC)
        self._events.extend(found)
        self._times = {e.seq: self._times.get(e.seq, now) for e in self._events}
        self.view = self._build()
        self.broadcaster.publish(found)
        for listener in self.listeners:
            listener(found, local)

    def _build(self) -> View:
        pending = {
            code: tuple(p.ward for key, p in council.polls.items() if key not in council.declared)
            for code, council in self.night.councils.items()
        }
        self._version += 1
        return View(
            version=self._version,
            seq=self.night.seq,
            outcomes=tuple(sorted(self.night.outcomes(), key=lambda o: o.council.name)),
            pending=pending,
            progress=self.night.progress(),
            events=tuple(self._events),
            executive=self._executive,
            times=self._times,
        )

    def fresh(self, key: str) -> tuple[int, Any] | None:
        """What was made under `key` for the current view, if it has been."""
        hit = self._cache.get(key)
        return hit if hit is not None and hit[0] == self.view.version else None

    def cached(self, key: str, make: Callable[[View], T]) -> tuple[int, T]:
        """`make(view)` for the current view, made once per view (pages, JSON documents), with the
        version of the view it was made from."""
        view = self.view
        hit = self._cache.get(key)
        if hit is not None and hit[0] == view.version:
            return hit
        with self._making:  # one reader makes it while the others wait, not all of them at once
            hit = self._cache.get(key)
            if hit is not None and hit[0] == view.version:
                return hit
            made = (view.version, make(view))
            self._cache[key] = made
            self._cache.move_to_end(key)
            if len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return made

    def touch(self) -> None:
        """A new view of the same results, for what pages show beside them (a story published)."""
        with self.lock:
            self._publish([], changed=True)

    def region_of(self, code: str) -> str:
        council = self.reference.councils.get(code)
        return council.region if council else ""


@contextmanager
def _as_file(format_name: str, body: bytes) -> Iterator[Path]:
    """A body received over HTTP as a file, for the importers, which read files."""
    with tempfile.TemporaryDirectory(prefix="tallyroom-") as folder:
        path = Path(folder) / f"entry.{'csv' if format_name == 'ward' else 'txt'}"
        path.write_bytes(body)
        yield path
