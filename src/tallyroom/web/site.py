"""What the website serves: one night, its results as an immutable view, and the way new results come in.

Every write goes one way: a file (a desk entry, a posted CSV) is read and checked, appended to the log,
and the night takes in what the log gained, in the log's order (`live.night.follow`); a new `View` then
replaces the old one whole. Pages and the API read only the current view, so a reader never sees a
half-made update, and nothing waits on a lock to read. Writes are serialised by one thread lock (they
block on the database, so they run in worker threads). Each change's events go to the live-update
broadcaster and to the listeners (the story redrafter, the relay to other workers, the publisher).

Event numbers and ETags come from the log and the bytes served, never from this process: every worker
that folds the same log numbers the same events alike, before or after a restart.
"""

from __future__ import annotations

import gzip
import hashlib
import tempfile
import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tallyroom.copy.newsroom import Redrafter
from tallyroom.copy.review import published_position
from tallyroom.cycles import cycles_left_alone
from tallyroom.delivery import Batch
from tallyroom.importers import reader
from tallyroom.importers.base import Context
from tallyroom.live.events import Event
from tallyroom.live.feed import ingest_with_report
from tallyroom.live.night import Night, follow, open_night
from tallyroom.live.replay import Timed, opening, paced, schedule, stv_counts
from tallyroom.reference import Reference
from tallyroom.results import NightShares, PerOutcome, load_day
from tallyroom.rules.control import ControlSettings
from tallyroom.rules.counting import PollResult
from tallyroom.rules.model import Poll, WardRef
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.rules.progress import of_night
from tallyroom.rules.stv import StvCount
from tallyroom.serialise import council_outcome
from tallyroom.store import queries
from tallyroom.store.log import AppendReport
from tallyroom.web.live import Broadcaster

CACHED = 4096
"""Pages and documents kept made; the least recently made go first (keys can come from requests)."""

Listener = Callable[[list[Event], bool], None]

Stamp = Callable[["View"], tuple[object, ...]]
"""What a page shows of the view, for a page that shows less than the whole night (a council's page
shows its outcome): a page made for one view is served for a later one with an equal stamp, so a
declaration makes again the pages of its own council, not every council's. A stamp's parts are
compared as tuples compare, each first by identity: an outcome the night has not computed again is the
same object."""


GZIP_FROM = 1024
"""Bytes from which a page is also kept gzipped, when compressed: below it, gzip saves next to nothing."""


@dataclass(frozen=True)
class Made:
    """A page or document made for a view: its bytes and their ETag (a digest of the bytes); for one
    worth compressing, also the same gzipped, with the ETag of those bytes."""

    body: bytes
    etag: str
    gzipped: Made | None = None

    @classmethod
    def of(cls, body: bytes, compress: bool = False) -> Made:
        """`body` with its ETag, and gzipped once here (not for each reader) if `compress`."""
        gzipped = None
        if compress and len(body) >= GZIP_FROM:
            gzipped = cls.of(gzip.compress(body, compresslevel=6, mtime=0))
        return cls(body, f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"', gzipped)


@dataclass(frozen=True)
class View:
    """The night at one moment. `version` names the view inside this process (caches); `seq` is the
    number of the last event the night has given. `events` holds every event of the night so far."""

    version: int
    seq: int
    outcomes: tuple[CouncilOutcome, ...]
    region_of: Callable[[str], str]
    """A council's region (`CouncilRegister.region_of`), for `progress`."""
    events: tuple[Event, ...]
    executive: tuple[PollResult, ...]
    counts: dict[tuple[str, str, str], StvCount]
    """The night's STV counts (`Night.counts`), counted when their papers came, never on a page."""
    published: int
    """How far publishing copy has got in the log (`copy.review.published_position`)."""
    by_code: dict[str, CouncilOutcome] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {o.council.code: o for o in self.outcomes})

    @cached_property
    def pending(self) -> dict[str, tuple[WardRef, ...]]:
        """Each council's wards still to declare; made when first asked for, not at every declaration."""
        return {o.council.code: tuple(p.ward for p in o.pending) for o in self.outcomes}

    @cached_property
    def progress(self) -> dict[str, Any]:
        """The night so far, for each region and in all (`rules.progress`); made when first asked for."""
        return of_night(self.outcomes, self.region_of)

    def stv(self, code: str) -> dict[tuple[str, str], StvCount]:
        """A council's STV counts by ward (code, else name) and kind, as `serialise` and copy take them."""
        return {(ward, kind): c for (council, ward, kind), c in self.counts.items() if council == code}

    def council_stamp(self, code: str) -> tuple[object, ...]:
        """What the pages of one council (its page, its wards' pages, its document and cards) show of
        the night (`Stamp`): its outcome and STV counts, whether the night has any count (every page
        then links to the stages), and how far publishing has got (its story)."""
        return (self.by_code.get(code), self.stv(code), bool(self.counts), self.published)

    def events_after(self, seq: int) -> list[Event]:
        """The events numbered above `seq`, oldest first."""
        return list(self.events[bisect_right(self.events, seq, key=lambda e: e.seq) :])


class Site:
    """One night served: the log, the night folded from it, the current view and live updates."""

    def __init__(
        self,
        engine: Engine,
        reference: Reference,
        day: date,
        settings: ControlSettings | None = None,
        night: Night | None = None,
    ) -> None:
        """A site for a day, its night read from the log (`open`), or a night given (say, one opened
        from nominations, or a replay's)."""
        self.engine, self.reference, self.day = engine, reference, day
        self.settings = settings or ControlSettings()
        self.context = Context(reference)
        self.night: Night = night or open_night(engine, reference, day, self.settings)
        self.shares = NightShares(engine, reference, day)
        self.lock = threading.Lock()
        self.broadcaster = Broadcaster()
        self._events: list[Event] = []
        self._cache: OrderedDict[str, tuple[int, tuple[object, ...] | None, Made]] = OrderedDict()
        self._version = 0
        self._published = published_position(engine)
        self._listings = PerOutcome(lambda outcome: council_outcome(outcome, reference.parties.get))
        self._making = threading.Lock()
        self.redrafter = Redrafter(engine, reference, self._outcome_now)
        self.listeners: list[Listener] = [self._redraft]
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
        """The site for a day, with everything the log already holds for it taken in; or, when the night
        is to be replayed, with its polls known and none declared (`replay` then declares them)."""
        night = opening(engine, reference, day, settings)[0] if replaying else None
        site = cls(engine, reference, day, settings, night)
        with cycles_left_alone():  # the night so far, folded declaration by declaration
            site.follow(local=True)
        site.redrafter.notice(site.night.councils)
        return site

    def follow(self, local: bool = False) -> list[Event]:
        """Take in what the log gained since the night last read it: this process's own writes, another
        worker's, or a command's (`import`, `watch`). The night so far is taken in as it came, an STV
        ward's stages announced before its declaration, so that every worker, and this one after a
        restart, numbers every event alike. Nothing waits on the write lock to learn that the log has not
        moved."""
        if queries.log_position(self.engine) <= self.night.position:
            return []
        with self.lock:
            before = self.night.position
            found = follow(self.engine, self.night)
            self._publish(found, changed=self.night.position != before, local=local)
        return found

    def ingest(
        self,
        format_name: str,
        path: Path,
        entered_by: str | None,
        tonight_only: bool = False,
        council: str | None = None,
    ) -> tuple[list[Event], AppendReport]:
        """Read, check and log one file, take what the log gained into the night and publish the new
        view. Blocks: call it from a worker thread. An InputError changes nothing. With `tonight_only`,
        a file that holds a result of another day is refused; `council` names the council of a file
        that does not say (a ward's BLT papers), whose day is then tonight."""
        context = replace(self.context, council=council, election_date=self.day) if council else self.context
        with self.lock:
            before = self.night.position
            found, report = ingest_with_report(
                self.engine, self.night, format_name, path, context, entered_by, tonight_only
            )
            self._publish(found, changed=self.night.position != before)
        return found, report

    def ingest_text(
        self, format_name: str, body: bytes, entered_by: str | None, council: str | None = None
    ) -> tuple[list[Event], AppendReport]:
        """As `ingest`, for a body received over HTTP: results for tonight only."""
        with _as_file(format_name, body) as path:
            return self.ingest(format_name, path, entered_by, tonight_only=True, council=council)

    def read_out(self, body: bytes, entered_by: str) -> tuple[list[Event], AppendReport]:
        """STV stages as read out at the count (a stage sheet, `importers.stages`), logged as tonight's
        and announced at once, before the papers or the declaration: every worker, and this one after a
        restart, announces them alike from the log. An InputError logs and announces nothing."""
        with _as_file("stages", body) as path, self.lock:
            before = self.night.position
            found, report = ingest_with_report(
                self.engine,
                self.night,
                "stages",
                path,
                replace(self.context, election_date=self.day),
                entered_by,
            )
            self._publish(found, changed=self.night.position != before)
        return found, report

    def check_text(self, format_name: str, body: bytes) -> Batch:
        """What the importer makes of a body, with nothing logged (an InputError says what is wrong)."""
        with _as_file(format_name, body) as path:
            return reader(format_name)(path, self.context)

    def declare(
        self, polls: Iterable[Poll], counted: Callable[[Poll], StvCount | None] = lambda _: None
    ) -> list[Event]:
        """Declarations the log already holds, taken into the night (a replay), an STV ward's stages
        (`counted`) before its declaration."""
        with self.lock:
            found = [e for poll in polls for e in self.night.declare_counted(poll, counted(poll))]
            self._publish(found)
        return found

    def replay(self, speed: float, seed: int = 0, echo: Callable[[Timed], None] | None = None) -> None:
        """Declare the log's results for the day one by one on the modelled night's timing, `speed`
        times faster than real time (0: at once). Blocks: run it in a thread beside the server."""
        day = load_day(self.engine, self.reference, self.day)
        timeline = schedule(day.council_polls, self.day, seed, day.executive)
        with self.lock:
            settled = self.night.settled_before_results()
            self._publish(settled)
        counted = stv_counts(self.engine, self.day)
        for at, poll in paced(timeline, speed):
            for event in self.declare([poll], counted):
                if echo is not None:
                    echo(Timed(at, event))

    def outcome_of(self, code: str) -> CouncilOutcome | None:
        """A council's outcome tonight. One this process has not heard of, but the register knows, is
        looked for in the log first: another worker may have just taken its first result."""
        found = self.view.by_code.get(code)
        if found is None and self.reference.councils.get(code) is not None:
            self.follow()
            found = self.view.by_code.get(code)
        return found

    def _outcome_now(self, code: str) -> CouncilOutcome | None:
        return self.view.by_code.get(code)

    def _redraft(self, found: list[Event], _local: bool) -> None:
        self.redrafter.notice(e.council.code for e in found if e.council.code in self.night.councils)

    def _publish(self, found: list[Event], changed: bool = False, local: bool = True) -> None:
        if not found and not changed:
            return
        now = datetime.now(UTC)  # for a replay's events; the log's own carry when the log took them
        found = [e if e.at is not None else replace(e, at=now) for e in found]
        self._events.extend(found)
        self.view = self._build()
        self.broadcaster.publish(found)
        for listener in self.listeners:
            listener(found, local)

    def _build(self) -> View:
        outcomes = tuple(sorted(self.night.outcomes(), key=lambda o: o.council.name))
        self._version += 1
        return View(
            version=self._version,
            seq=self.night.seq,
            outcomes=outcomes,
            region_of=self.reference.councils.region_of,
            events=tuple(self._events),
            executive=tuple(self.night.executive.values()),
            counts=dict(self.night.counts),
            published=self._published,
        )

    def fresh(self, key: str, stamp: Stamp | None = None) -> Made | None:
        """What was made under `key` for the current view, or, with `stamp`, for a view it stamps alike
        (then kept as made for this one too)."""
        return self._kept(key, stamp)

    def _kept(self, key: str, stamp: Stamp | None) -> Made | None:
        hit = self._cache.get(key)
        if hit is None:
            return None
        view = self.view
        if hit[0] == view.version:
            return hit[2]
        if stamp is None or hit[1] is None or stamp(view) != hit[1]:
            return None
        self._cache[key] = (view.version, hit[1], hit[2])
        return hit[2]

    def cached(
        self,
        key: str,
        make: Callable[[View], str | bytes],
        compress: bool = False,
        stamp: Stamp | None = None,
    ) -> Made:
        """`make(view)` for the current view, made once per view (pages, JSON documents), or once per
        `stamp`, with the ETag of its bytes, and gzipped too if `compress` (see `Made.of`)."""
        made = self._kept(key, stamp)
        if made is not None:
            return made
        with self._making:  # one reader makes it while the others wait, not all of them at once
            made = self._kept(key, stamp)
            if made is not None:
                return made
            view = self.view
            body = make(view)
            data = body.encode() if isinstance(body, str) else body
            made = Made.of(data, compress)
            self._cache[key] = (view.version, stamp(view) if stamp else None, made)
            self._cache.move_to_end(key)
            if len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return made

    def touch(self, local: bool = True) -> None:
        """A new view of the same results, for what pages show beside them (a story published)."""
        with self.lock:
            self._published = published_position(self.engine)
            self._publish([], changed=True, local=local)

    def region_of(self, code: str) -> str:
        return self.reference.councils.region_of(code)

    def listing(self, outcome: CouncilOutcome) -> dict[str, Any]:
        """A council's outcome as the night's documents list it (`councils --json`,
        `serialise.council_outcome`), made once per outcome (`PerOutcome`): they list every council at
        every declaration. Read it; never change it."""
        return self._listings(outcome)


@contextmanager
def _as_file(format_name: str, body: bytes) -> Iterator[Path]:
    """A body received over HTTP as a file, for the importers, which read files."""
    with tempfile.TemporaryDirectory(prefix="tallyroom-") as folder:
        path = Path(folder) / f"entry.{'csv' if format_name == 'ward' else 'txt'}"
        path.write_bytes(body)
        yield path
