"""Responses made once per view of the night, with ETags and cache headers, so that thousands of readers
(or a CDN in front of them) cost one render per change, not one per request. An ETag is a digest of the
bytes served, so it names the same page alike in every worker and after a restart.

A text page or document over a kilobyte is also kept gzipped, made once with the page, and sent so to a
reader whose Accept-Encoding allows gzip (every browser's does), with an ETag of its own: the digest of
the gzipped bytes. Both answers carry `Vary: Accept-Encoding`.

`Answers` keeps each such response as it was sent, by request target and whether gzip was allowed, and
answers the same request for the same view straight from it, before any routing."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tallyroom.web.site import CACHED, Made, Site, Stamp, View

MAX_AGE = 5
"""Seconds a reader or CDN may reuse a page before asking again: results change by the minute."""

SLOT = "tallyroom.cached"
"""The scope key under which `cached_response` says which view its response was made for."""


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


async def cached_response(
    request: Request,
    key: str,
    media_type: str,
    make: Callable[[View], str | bytes],
    stamp: Stamp | None = None,
) -> Response:
    """`make(view)` as a response for the current view (or, with `stamp`, for any view it stamps alike:
    see `Stamp`); 304 when the reader already has it. A response already made is answered on the event
    loop; making one (a render, perhaps a query) goes to a worker thread, so the loop keeps serving
    readers and live updates meanwhile. Keys are kept apart by the app's flavour (served or baked, and
    its base URL): apps over one site make their pages differently. A baked app compresses nothing: its
    pages are written to files as they are."""
    site = site_of(request)
    key = f"{request.app.state.flavour}{key}"
    version = site.view.version  # what was made is for this view or a newer one
    compress = request.app.state.compressing and compressible(media_type)
    made = site.fresh(key, stamp) or await making_of(request).made(site, key, version, make, compress, stamp)
    served = made
    if made.gzipped is not None and accepts_gzip(request.headers.get("accept-encoding", "")):
        served = made.gzipped
    headers = {"ETag": served.etag, "Cache-Control": f"public, max-age={MAX_AGE}"}
    if made.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    if served is not made:
        headers["Content-Encoding"] = "gzip"
    if served.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    slot = request.scope.get(SLOT)
    if slot is not None:
        slot.append(version)
    return Response(served.body, media_type=media_type, headers=headers)


def compressible(media_type: str) -> bool:
    """Text, JSON and XML are; images (social cards) are compressed already."""
    kind = media_type.partition(";")[0]
    return kind.startswith("text/") or kind.endswith(("/json", "+json", "/xml", "+xml"))


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (RFC 9110 §12.5.3): named, or left to `*`, with a
    weight above zero. No header allows only the content as it is."""
    weights: dict[str, float] = {}
    for coding in accept_encoding.lower().split(","):
        name, *parameters = coding.split(";")
        weight = 1.0
        for parameter in parameters:
            key, _, value = parameter.strip().partition("=")
            if key == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[name.strip()] = weight
    return weights.get("gzip", weights.get("*", 0.0)) > 0


class Making:
    """Responses being made, by key and view. Readers who ask for one meanwhile wait for it on the event
    loop, not each in a worker thread of its own, so the threads stay free for writes. With `inline`
    (a baked app, whose one reader is the bake), a response is made on the loop: there is nobody else
    to serve meanwhile, and a worker thread's round trip costs more than the bake would gain."""

    def __init__(self, inline: bool = False) -> None:
        self.inline = inline
        self.underway: dict[tuple[str, int], asyncio.Future[Made]] = {}

    async def made(
        self,
        site: Site,
        key: str,
        version: int,
        make: Callable[[View], str | bytes],
        compress: bool,
        stamp: Stamp | None = None,
    ) -> Made:
        """`site.cached(key, make, compress, stamp)`, made once for all who ask for it for `version`: in
        a worker thread, or on the loop when `inline`."""
        if self.inline:
            return site.cached(key, make, compress, stamp)
        underway = self.underway.get((key, version))
        if underway is None:
            underway = asyncio.ensure_future(run_in_threadpool(site.cached, key, make, compress, stamp))
            self.underway[key, version] = underway
            underway.add_done_callback(lambda _: self.underway.pop((key, version), None))
        return await asyncio.shield(underway)


def making_of(request: Request) -> Making:
    making: Making = request.app.state.making
    return making


@dataclass(frozen=True)
class Answer:
    """A response as sent, for one view."""

    version: int
    start: Message
    body: Message


class Answers:
    """Answers a GET that `cached_response` answered before, for the same view and the same answer to
    whether gzip is allowed, with the same status, headers and body, without routing it (the middleware
    outside still adds theirs). A request that names an ETag goes through, to be answered 304 or not as
    before."""

    def __init__(self, app: ASGIApp, site: Site) -> None:
        self.app, self.site = app, site
        self.answers: OrderedDict[tuple[str, bytes, bool], Answer] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        encodings, names_etag = "", False
        for name, value in scope["headers"]:
            if name == b"accept-encoding":
                encodings = value.decode("latin-1")
            elif name == b"if-none-match":
                names_etag = True
        target = (scope["path"], scope["query_string"], accepts_gzip(encodings))
        hit = self.answers.get(target)
        if hit is not None and hit.version == self.site.view.version and not names_etag:
            await send({**hit.start, "headers": list(hit.start["headers"])})
            await send(dict(hit.body))
            return
        slot: list[int] = []
        sent: list[Message] = []

        async def sending(message: Message) -> None:
            if len(sent) < 3:  # a start and one body, or more than an answer kept (a stream)
                sent.append({**message, "headers": list(message.get("headers", ()))})  # as it left here
            await send(message)

        scope[SLOT] = slot
        await self.app(scope, receive, sending)
        if slot and len(sent) == 2 and sent[0]["status"] == 200 and not sent[1].get("more_body"):
            body = {k: v for k, v in sent[1].items() if k != "headers"}
            self.answers[target] = Answer(slot[0], sent[0], body)
            self.answers.move_to_end(target)
            if len(self.answers) > CACHED:
                self.answers.popitem(last=False)
