"""Static publishing: every public page and JSON document baked to files any static host or CDN can
serve, and baked again, only where the night changed, after each declaration.

Pages are asked of the app itself, in process (an ASGI call, no HTTP client between), so a baked page
is byte for byte what the server would answer. A page goes to `PATH/index.html`, a JSON document to
`PATH.json`, anything else (feeds, the CSV, styles) to its own path. A file is replaced atomically
(written beside it, then renamed) and only when its bytes change, so a CDN syncing the folder moves
only what is new.

Nothing is written outside the folder, whatever the codes and names in the log. An address is baked
only when each of its segments is a plain file name (`SEGMENT`: letters, digits, `-`, `_` and inner
dots, so no `..`, `/`, `\\`, `%`, `?`, `#` or NUL, and not too long for a file system), so the address
asked for is the address written, with nothing to normalise; and a directory inside the folder that
is a link must lead inside it too (`Shelf`). A page that cannot be baked (an
address refused, an answer other than 200, a file that cannot be written) is logged and kept in
`failed`, and tried again with the next bake; the others are baked all the same.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import queue
import re
import stat
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable
from functools import partial
from http import HTTPStatus
from multiprocessing.connection import Connection
from pathlib import Path

from starlette.types import ASGIApp, Message

from tallyroom.importers.limits import escape_controls
from tallyroom.live.events import Event
from tallyroom.rules.ballots import ballot_id
from tallyroom.rules.parties import slug
from tallyroom.web.app import create_app
from tallyroom.web.site import Site, View
from tallyroom.web.templating import ward_key

ALWAYS = (
    "/",
    "/api/night",
    "/api/councils",
    "/api/headlines",
    "/api/progress",
    "/api/executive",
    "/feeds/declarations.atom",
    "/feeds/stories.atom",
    "/export/results.csv",
)
"""What changes with any result."""

STAGES = "/export/stages.csv"
"""Baked, as pages link to it, once the night has an STV count."""

FEEDS = ("/feeds/declarations.atom", "/feeds/stories.atom")
"""Baked only for a known base URL: every link in a feed is absolute."""

ONCE = ("/openapi.json", "/docs", "/static/site.css", "/static/docs.css", "/static/live.js")

SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}")
"""A segment of an address that is baked: a plain file name (with `.json` added, within the 255 bytes
file systems allow)."""

FIRST_RETRY, LAST_RETRY = 5.0, 300.0
"""Seconds before pages that failed are tried again when nothing changes: the wait doubles from the
first to the last while they keep failing."""

SPREAD_FROM = 500
"""A bake of at least this many pages is shared with a process forked for each spare core (see
`helpers`)."""

HOST = b"publish.invalid"
"""The host pages are asked for under, in process (never one readers see)."""

log = logging.getLogger(__name__)


class Unpublishable(Exception):
    """A page that cannot be baked, and why."""


def council_paths(site: Site, view: View, code: str) -> list[str]:
    """A council's pages and document, its region's page, and its wards' pages."""
    outcome = view.by_code[code]
    wards = [w.result.poll.ward for w in outcome.wards] + list(view.pending.get(code, ()))
    region = site.region_of(code)
    return [
        f"/council/{code}",
        f"/api/councils/{code}",
        f"/cards/council/{code}.png",
        *([f"/region/{slug(region)}"] if region else []),
        *(f"/council/{code}/ward/{ward_key(w)}" for w in wards),
        *(f"/cards/council/{code}/ward/{ward_key(w)}.png" for w in wards),
    ]


def always(view: View) -> list[str]:
    """What any change may touch: everything that shows any result."""
    stages = [STAGES] if view.counts else []
    return [*ALWAYS, *stages, *(f"/executive/{ballot_id(r.poll)}" for r in view.executive)]


def every_path(site: Site, view: View) -> list[str]:
    paths = [*ONCE, *always(view)]
    for code in view.by_code:
        paths += council_paths(site, view, code)
    return list(dict.fromkeys(paths))


def changed_paths(site: Site, view: View, events: Iterable[Event]) -> list[str]:
    """What a change touches: everything that shows any result, and the councils its events name."""
    councils = {e.council.code for e in events if e.council.code in view.by_code}
    paths = always(view)
    for code in sorted(councils):
        paths += council_paths(site, view, code)
    return list(dict.fromkeys(paths))


def segments(path: str) -> list[str]:
    """The segments of an address that can be baked; Unpublishable for any other."""
    parts = path.removeprefix("/").split("/") if path != "/" else []
    if not path.startswith("/") or not all(SEGMENT.fullmatch(part) for part in parts):
        raise Unpublishable(f"not an address that can be a file: {path!r}")
    return parts


def file_for(folder: Path, path: str, media_type: str) -> Path:
    """Where a page's file goes in `folder`: inside it, as each segment is a plain name (a link on the
    way is `Shelf`'s to find)."""
    parts = segments(path)
    if media_type.startswith("text/html"):
        return folder.joinpath(*parts, "index.html")
    if media_type.startswith("application/json") and not path.endswith(".json"):
        return folder.joinpath(*parts[:-1], f"{parts[-1]}.json") if parts else folder / "index.json"
    return folder.joinpath(*parts)


class Shelf:
    """The folder a bake writes into. Each directory a file goes in is made, or checked, once a bake: one
    that is a link must lead inside the folder, so that nothing planted there leads a write out (a
    file's own name may be a link: the new file is renamed over it, which replaces the link)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.root = folder, folder.resolve()
        self.ready: set[Path] = {folder}

    def write(self, target: Path, body: bytes) -> int:
        """Replace `target` with `body` atomically, unless it already holds it (readers see the old
        file or the new one, never part of one; a bake after a crash writes again whatever differs):
        1 if it was written, else 0."""
        self._directory(target.parent)
        if _holds(target, body):
            return 0
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=".publish-")
        with open(handle, "wb") as file:
            file.write(body)
        os.chmod(name, 0o644)  # for the web server that serves the folder
        os.replace(name, target)
        return 1

    def _directory(self, directory: Path) -> None:
        if directory in self.ready:
            return
        self._directory(directory.parent)
        try:
            directory.mkdir()
        except FileExistsError:
            if directory.is_symlink() and self.root not in directory.resolve().parents:
                raise Unpublishable(f"{directory} is a link that leads out of {self.folder}") from None
        self.ready.add(directory)


def _holds(target: Path, body: bytes) -> bool:
    """Whether `target` is a file holding `body` (a link is not)."""
    try:
        found = target.lstat()
    except OSError:
        return False
    return stat.S_ISREG(found.st_mode) and found.st_size == len(body) and target.read_bytes() == body


class Publisher:
    """Bakes the site's pages into `folder`, for readers at `base_url` (the links of feeds and social
    cards start with it; without one, feeds and social tags are left out, and a warning says so), in
    at most `jobs` processes at once (else one per core; see `helpers`). `failed` holds the pages the
    last bakes could not make, and why, until a bake makes them."""

    def __init__(
        self, site: Site, folder: Path, base_url: str | None = None, jobs: int | None = None
    ) -> None:
        self.site, self.folder, self.jobs = site, folder, jobs
        self.base_url = base_url.rstrip("/") if base_url else None
        if self.base_url is None:
            log.warning("no base URL: the feeds and the pages' social tags are left out of %s", folder)
        self.app = create_app(site, base_url=self.base_url, baked=True)
        self.failed: dict[str, str] = {}
        self.processes = 1
        """How many processes the last bake was shared among."""

    def everything(self) -> int:
        return self.bake(self._ours(every_path(self.site, self.site.view)))

    def after(self, events: Collection[Event]) -> int:
        return self.bake(self._ours(changed_paths(self.site, self.site.view, events)))

    def _ours(self, paths: list[str]) -> list[str]:
        return paths if self.base_url else [p for p in paths if p not in FEEDS]

    def retry(self) -> int:
        """Bake again the pages that failed."""
        return self.bake([])

    def safely(self, bake: Callable[[], int]) -> bool:
        """Run a bake; False, with the error logged, if it failed whole (not one page, which `bake`
        keeps in `failed`, but something no page is to blame for)."""
        try:
            bake()
        except Exception:
            log.exception("publishing failed part way; everything will be baked again")
            return False
        return True

    def follow(self, changes: queue.SimpleQueue[list[Event]], whole: bool = False) -> None:
        """Bake what each change touches, for as long as the process runs (a thread's loop); a burst of
        changes is baked once. Pages that failed are tried again with the next change, or after a wait
        (`FIRST_RETRY`, doubling to `LAST_RETRY`) while nothing changes; after a bake that failed whole
        (or from the start, with `whole`), the next bakes everything. Nothing ends the loop."""
        wait = FIRST_RETRY
        while True:
            try:
                found = changes.get(timeout=wait if whole or self.failed else None)
            except queue.Empty:
                found, wait = [], min(2 * wait, LAST_RETRY)
            else:
                wait = FIRST_RETRY
            while not changes.empty():
                found += changes.get()
            if whole:
                whole = not self.safely(self.everything)
            elif found:
                whole = not self.safely(partial(self.after, found))
            else:
                whole = not self.safely(self.retry)

    def bake(self, paths: Iterable[str]) -> int:
        """Fetch and write each path, and each that failed before; the number of files whose bytes
        changed. A page that fails is logged and kept in `failed`; the rest are baked all the same. A
        big bake is shared with helper processes (`helpers`): this process bakes the first share, with
        the pages every result changes (so that what it keeps of them makes the next bake quicker), and
        each helper a share of the rest."""
        todo = list(dict.fromkeys([*paths, *self.failed]))
        shelf = Shelf(self.folder)
        apart = helpers(len(todo), self.jobs)
        self.processes = 1 + apart
        if not apart:
            return asyncio.run(self._bake(todo, shelf))
        fork = multiprocessing.get_context("fork")
        size = -(-len(todo) // (apart + 1))
        shares = [todo[k : k + size] for k in range(0, len(todo), size)]
        children = []
        for share in shares[1:]:
            reader, writer = fork.Pipe(duplex=False)
            child = fork.Process(target=self._bake_apart, args=(share, shelf, writer), daemon=True)
            child.start()
            writer.close()
            children.append((child, reader, share))
        written = asyncio.run(self._bake(shares[0], shelf))
        for child, reader, share in children:
            try:
                count, failed = reader.recv()
            except EOFError:
                count, failed = 0, {path: "the process baking it stopped" for path in share}
            child.join()
            for path in share:
                self.failed.pop(path, None)
            self.failed.update(failed)
            written += count
        return written

    def _bake_apart(self, paths: list[str], shelf: Shelf, answer: Connection) -> None:
        """A helper's bake (in the forked process): the files it changed and the pages that failed, sent
        back through `answer`."""
        self.site.engine.dispose(close=False)  # the parent's connections stay the parent's
        written = asyncio.run(self._bake(paths, shelf))
        answer.send((written, {path: self.failed[path] for path in paths if path in self.failed}))
        answer.close()

    async def _bake(self, paths: list[str], shelf: Shelf) -> int:
        """Bake `paths` one after another (a baked app makes each page on the loop, so there is nothing
        to gain by asking for several at once)."""
        written = 0
        for path in paths:
            try:
                written += await self._bake_one(path, shelf)
            except (Unpublishable, OSError) as error:
                reason = str(error) or type(error).__name__
                if self.failed.get(path) != reason:  # said once, not at every retry
                    log.warning("not published: %s: %s", escape_controls(path), reason)
                self.failed[path] = reason
            else:
                self.failed.pop(path, None)
        return written

    async def _bake_one(self, path: str, shelf: Shelf) -> int:
        segments(path)  # checked before it is asked for
        status, media, body = await get(self.app, path)
        if status != 200:
            raise Unpublishable(f"the site answered {status} {HTTPStatus(status).phrase}")
        return shelf.write(file_for(self.folder, path, media), body)


def helpers(paths: int, jobs: int | None = None) -> int:
    """How many processes to fork to share a bake of `paths` pages, `jobs` in all with this one (else one
    per core): for a bake of at least `SPREAD_FROM` pages, where fork is how processes start, and only in
    a process running no other thread (a fork copies the thread that forks alone, and not the locks
    others hold): the `publish` command, not a server baking beside its readers."""
    if paths < SPREAD_FROM or threading.active_count() > 1:
        return 0
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return (jobs or cores) - 1


async def get(app: ASGIApp, path: str) -> tuple[int, str, bytes]:
    """A GET of `path` (a plain one: `segments` passed it) from the app, in process: the status, the
    media type and the body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", HOST)],
        "server": (HOST.decode(), 80),
        "client": ("127.0.0.1", 0),
    }
    sent: list[Message] = []
    asked, answered = asyncio.Event(), asyncio.Event()

    async def receive() -> Message:
        """The empty request, then, once the answer is whole, that the reader has gone."""
        if not asked.is_set():
            asked.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()

    try:
        await app(scope, receive, send)
    except Exception as error:  # the app raises an error again after answering it 500
        if not any(m["type"] == "http.response.start" for m in sent):
            raise Unpublishable(f"the site failed to answer: {type(error).__name__}") from error
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers.get("content-type", ""), body
