"""Responses made once per view of the night, with ETags and cache headers, so that thousands of readers
(or a CDN in front of them) cost one render per change, not one per request. An ETag is a digest of the
bytes served, so it names the same page alike in every worker and after a restart."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from tallyroom.web.site import Site, View

MAX_AGE = 5
"""Seconds a reader or CDN may reuse a page before asking again: results change by the minute."""


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


async def cached_response(
    request: Request, key: str, media_type: str, make: Callable[[View], str | bytes]
) -> Response:
    """`make(view)` as a response for the current view; 304 when the reader already has it. A response
    already made is answered on the event loop; making one (a render, perhaps a query) goes to a worker
    thread, so the loop keeps serving readers and live updates meanwhile. Keys are kept apart by the app's
    flavour (served or baked, and its base URL): apps over one site make their pages differently."""
    site = site_of(request)
    key = f"{request.app.state.flavour}{key}"
    made = site.fresh(key)
    if made is None:
        made = await run_in_threadpool(site.cached, key, make)
    headers = {"ETag": made.etag, "Cache-Control": f"public, max-age={MAX_AGE}"}
    if made.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(made.body, media_type=media_type, headers=headers)
