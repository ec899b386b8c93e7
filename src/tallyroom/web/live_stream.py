"""`/live` served as plain ASGI, just inside the security headers and the trusted-host check, before the
rest of the middleware and any routing: each event's message, encoded once for all readers, is written
straight to the server, not passed down a chain of `send` wrappers for each of a thousand readers.

The route in `api` describes `/live` in the API's description; requests other than GET (and HEAD, made a
GET outside) go on to the router, which answers them 405."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from tallyroom.web.site import Site

PATH = "/live"

STREAM_HEADERS = (
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
    (b"content-type", b"text/event-stream; charset=utf-8"),
)
NOT_A_NUMBER = json.dumps({"error": "Last-Event-ID must be the number of an event"}).encode()
NOT_A_NUMBER_HEADERS = (
    (b"content-length", str(len(NOT_A_NUMBER)).encode()),
    (b"content-type", b"application/json"),
)


class LiveStream:
    """Answers GET `/live` (see `Broadcaster.stream`) until the reader goes or is dropped; passes every
    other request on to `app`."""

    def __init__(self, app: ASGIApp, site: Site) -> None:
        self.app, self.site = app, site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        try:
            after = last_event_id(scope)
        except ValueError:
            await send({"type": "http.response.start", "status": 422, "headers": NOT_A_NUMBER_HEADERS})
            await send({"type": "http.response.body", "body": NOT_A_NUMBER})
            return
        site = self.site
        stream = site.broadcaster.stream(council(scope), after, lambda since: site.view.events_after(since))
        await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
        writing = asyncio.ensure_future(_write(stream, send))
        listening = asyncio.ensure_future(_gone(receive))
        try:
            done, _ = await asyncio.wait((writing, listening), return_when=asyncio.FIRST_COMPLETED)
        finally:
            writing.cancel()
            listening.cancel()
        if writing in done:  # the reader was dropped (or writing failed, raised here): the stream ends
            writing.result()
            await send({"type": "http.response.body", "body": b""})


async def _write(stream: AsyncIterator[bytes], send: Send) -> None:
    async for message in stream:
        await send({"type": "http.response.body", "body": message, "more_body": True})


async def _gone(receive: Receive) -> None:
    """Returns once the reader has gone."""
    while (await receive())["type"] != "http.disconnect":
        pass


def last_event_id(scope: Scope) -> int | None:
    """The event a reconnecting reader saw last; ValueError if the header is not an event's number."""
    for name, value in scope["headers"]:
        if name == b"last-event-id":
            text = value.decode("latin-1").strip()
            if not (text.isascii() and text.isdigit()):
                raise ValueError(text)
            return int(text)
    return None


def council(scope: Scope) -> str | None:
    """The council a reader follows (`?council=` its code), or None for every council."""
    found = None
    for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
        if name == "council":
            found = value
    return found
