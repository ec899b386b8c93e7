"""The results desk: an authenticated endpoint where desk users enter declarations on the night.

A desk posts the native ward CSV (contract §3.1) to `POST /desk/declarations`. The body goes through
`tallyroom.live.feed.ingest` like any feed file, so reading, validation, the append to the log and the
recompute of the night are the one path they are everywhere else; the desk user's name is recorded on
each declaration as who entered it.

Writes are serialised by a `threading.Lock` held across the whole of the ingest: the append to the log
and the night's update together, so two desks entering the same ward at once give revisions in the log
in the order the night took them, and the night's current result is the log's newest. A threading lock,
not an `asyncio.Lock`, because the work under it blocks (SQLite, the recompute) and so runs in a worker
thread, leaving the event loop free to serve; and because a thread lock holds whatever runs the write:
another writer to the same night in the process (a feed poller on its own thread) can share it through
`lock`, where an `asyncio.Lock` would cover only coroutines on one event loop.
"""

from __future__ import annotations

import hmac
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tallyroom.importers.base import Context, InputError
from tallyroom.live.feed import ingest_with_report
from tallyroom.live.night import Night

MAX_BODY = 5 * 1024 * 1024  # a whole county's wards are a few hundred kilobytes


def desk_app(
    engine: Engine, night: Night, tokens: Mapping[str, str], lock: threading.Lock | None = None
) -> Starlette:
    """The desk for one night. `tokens` maps a bearer token to its desk user's name (copied: a token is
    revoked by building the app again). `lock` serialises writes to `night`; pass the one every other
    writer to this night uses."""
    users = {token.encode(): name for token, name in tokens.items() if token}
    context = Context(night.reference)
    writing = lock or threading.Lock()

    def enter(body: bytes, user: str) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="tallyroom-desk-") as folder:
            path = Path(folder) / "desk.csv"
            path.write_bytes(body)
            with writing:
                found, report = ingest_with_report(engine, night, "ward", path, context, entered_by=user)
        return {
            "events": [event.json() for event in found],
            "new": report.new,
            "revised": report.revised,
            "unchanged": report.unchanged,
        }

    async def declarations(request: Request) -> Response:
        user = _user(request.headers.get("authorization", ""), users)
        if user is None:
            return JSONResponse(
                {"error": "a desk token is needed"}, 401, headers={"WWW-Authenticate": "Bearer"}
            )
        media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media != "text/csv":
            return JSONResponse({"error": "send the ward CSV (contract §3.1) as text/csv"}, 415)
        body = await request.body()
        try:
            return JSONResponse(await run_in_threadpool(enter, body, user))
        except InputError as error:
            # Named after the request, not the temporary file it passed through.
            said = InputError("request body", error.message, error.row, error.field)
            return JSONResponse({"error": str(said), "row": error.row, "field": error.field}, 400)

    async def health(_request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/desk/declarations", declarations, methods=["POST"], max_body_size=MAX_BODY),
            Route("/desk/health", health, methods=["GET"]),
        ]
    )


def _user(authorization: str, users: Mapping[bytes, str]) -> str | None:
    """The desk user a bearer token belongs to. Every token is compared, each in constant time, so the
    time taken says nothing about how close a guess came."""
    scheme, _, given = authorization.partition(" ")
    offered = given.strip().encode()
    if scheme.lower() != "bearer" or not offered:
        return None
    found = None
    for token, name in users.items():
        if hmac.compare_digest(offered, token):
            found = name
    return found
