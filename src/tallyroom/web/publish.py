"""Static publishing: every public page and JSON document baked to files any static host or CDN can
serve, and baked again, only where the night changed, after each declaration.

Pages are fetched from the app itself, in process, so a baked page is byte for byte what the server
would answer. A page goes to `PATH/index.html`, a JSON document to `PATH.json`, anything else (feeds,
the CSV, styles) to its own path. A file is replaced atomically (written beside it, then renamed) and
only when its bytes change, so a CDN syncing the folder moves only what is new.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Collection, Iterable
from pathlib import Path

import httpx2

from tallyroom.live.events import Event
from tallyroom.rules.parties import slug
from tallyroom.store.log import ballot_id
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

ONCE = ("/openapi.json", "/static/site.css", "/static/live.js")


def council_paths(site: Site, view: View, code: str) -> list[str]:
    """A council's pages and document, its region's page, and its wards' pages."""
    outcome = view.by_code[code]
    wards = [w.result.poll.ward for w in outcome.wards] + list(view.pending.get(code, ()))
    region = site.region_of(code)
    return [
        f"/council/{code}",
        f"/api/councils/{code}",
        *([f"/region/{slug(region)}"] if region else []),
        *(f"/council/{code}/ward/{ward_key(w)}" for w in wards),
    ]


def every_path(site: Site, view: View) -> list[str]:
    paths = [*ONCE, *ALWAYS, *(f"/executive/{ballot_id(r.poll)}" for r in view.executive)]
    for code in view.by_code:
        paths += council_paths(site, view, code)
    return list(dict.fromkeys(paths))


def changed_paths(site: Site, view: View, events: Iterable[Event]) -> list[str]:
    """What a change touches: everything that shows any result, and the councils its events name."""
    councils = {e.council.code for e in events if e.council.code in view.by_code}
    paths = [*ALWAYS, *(f"/executive/{ballot_id(r.poll)}" for r in view.executive)]
    for code in sorted(councils):
        paths += council_paths(site, view, code)
    return list(dict.fromkeys(paths))


def file_for(folder: Path, path: str, media_type: str) -> Path:
    if media_type.startswith("text/html"):
        return folder / path.strip("/") / "index.html"
    if media_type.startswith("application/json") and not path.endswith(".json"):
        return folder / f"{path.strip('/')}.json"
    return folder / path.strip("/")


class Publisher:
    """Bakes the site's pages into `folder`, for readers at `base_url` (the feeds' links use it)."""

    def __init__(self, site: Site, folder: Path, base_url: str = "http://localhost") -> None:
        self.site, self.folder, self.base_url = site, folder, base_url.rstrip("/")
        self.app = create_app(site, base_url=self.base_url)

    def everything(self) -> int:
        return self.bake(every_path(self.site, self.site.view))

    def after(self, events: Collection[Event]) -> int:
        return self.bake(changed_paths(self.site, self.site.view, events))

    def bake(self, paths: Iterable[str]) -> int:
        """Fetch and write each path; the number of files whose bytes changed."""
        return asyncio.run(self._bake(list(paths)))

    async def _bake(self, paths: list[str]) -> int:
        written = 0
        transport = httpx2.ASGITransport(app=self.app)
        async with httpx2.AsyncClient(transport=transport, base_url=self.base_url) as client:
            for path in paths:
                answer = await client.get(path)
                answer.raise_for_status()
                media = answer.headers.get("content-type", "")
                written += _write(file_for(self.folder, path, media), answer.content)
        return written


def _write(target: Path, body: bytes) -> int:
    """Replace `target` with `body` atomically, unless it already holds it."""
    if target.is_file() and target.read_bytes() == body:
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".publish-", delete=False) as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(handle.name, 0o644)  # for the web server that serves the folder
    os.replace(handle.name, target)
    return 1
