"""The web application: public pages, the JSON API with its OpenAPI description, feeds, live updates
and the results desk, over one `Site` (the night being served)."""

from __future__ import annotations

import asyncio
import gc
import os
import secrets
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tallyroom import __version__, reference
from tallyroom.copy import drafts
from tallyroom.copy.newsroom import Redrafter
from tallyroom.rules.control import ControlSettings, ThresholdBasis
from tallyroom.store.database import StoreError, connect, database_url
from tallyroom.web import accounts, api, apidocs, cards, desk, embed, hexmap, pages, signin, templating
from tallyroom.web.caching import Answers, Making
from tallyroom.web.live_stream import LiveStream
from tallyroom.web.relay import Poller, Relay
from tallyroom.web.site import Site
from tallyroom.web.templating import render

MAX_BODY = 5 * 1024 * 1024
"""The largest request body taken, counted as it arrives (a whole county's wards are a few hundred
kilobytes): past it the request is answered 413 and the rest is not read."""

NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""FastAPI's own OpenTelemetry, switched off: no span, metric or log of a request is made, and no
request pays for asking whether the process has providers to send them to (a tenth of the time of a
cached page served over HTTP). `serve --telemetry` switches it on."""

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Adds the security headers, a content security policy among them, to every response (but one
    made for an unhandled error, which never passes here: `create_app` adds them to that itself). An
    embed (`/embed/...`) may be framed by `embed_ancestors`; nothing else may be framed."""

    def __init__(self, app: ASGIApp, embed_ancestors: Sequence[str] = embed.ANYWHERE) -> None:
        self.app = app
        self.headers = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
        self.embeds = [(name.encode(), value.encode()) for name, value in embed_headers(embed_ancestors)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = self.embeds if scope["path"].startswith(embed.PREFIX) else self.headers
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, sending)


def embed_headers(ancestors: Sequence[str]) -> list[tuple[str, str]]:
    """The security headers of an embed: framing allowed by `ancestors`, the rest as every page's."""
    policy = SECURITY_HEADERS["content-security-policy"].replace(
        "frame-ancestors 'none'", f"frame-ancestors {embed.frame_ancestors(ancestors)}"
    )
    kept = {k: v for k, v in SECURITY_HEADERS.items() if k != "x-frame-options"}
    return list((kept | {"content-security-policy": policy}).items())


class HeadAsGet:
    """Answers HEAD as the same GET would be answered, without its body (RFC 9110 §9.3.2), on every
    page and document (the routes take GET only). The answer ends after its headers, and the app is
    then told the reader has gone, so a stream (`/live`) ends too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        ended = False

        async def sending(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not ended:
                ended = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        async def receiving() -> Message:
            return {"type": "http.disconnect"} if ended else await receive()

        await self.app({**scope, "method": "GET"}, receiving, sending)


def create_app(
    site: Site,
    *,
    secret: str | None = None,
    confirm: bool = False,
    secure_cookies: bool = False,
    base_url: str | None = None,
    allowed_hosts: Sequence[str] = ("*",),
    baked: bool = False,
    embed_ancestors: Sequence[str] = embed.ANYWHERE,
    telemetry: bool = False,
) -> FastAPI:
    """The app for one night. `secret` signs session cookies (give the same one to every worker);
    `confirm` holds desk entries, and results posted with a token not issued as a trusted feed, for an
    editor to confirm before they reach the log; `secure_cookies` sends the session cookie over HTTPS
    only; `base_url` is the site's public address, for the links in feeds and social cards (without it
    there are no feeds, and pages carry no social tags); `allowed_hosts` are the host names readers may
    ask for (others are answered 400), as Starlette's TrustedHostMiddleware takes them; `baked` makes
    the pages for a static folder (`publish`: no desk, no search, JSON at `.json`); `embed_ancestors`
    are the sites that may frame an embed (CSP source expressions); `telemetry` reports each
    request to the process's OpenTelemetry providers (FastAPI's own telemetry; else `NO_TELEMETRY`)."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        """While serving: live readers on this loop; stories redrafted beside the writes; what other
        workers and commands write to the log heard and taken in."""
        site.broadcaster.attach(asyncio.get_running_loop())
        helpers: list[Relay | Poller | Redrafter] = [site.redrafter, Poller(site)]
        if site.engine.dialect.name == "postgresql":  # other workers may share the database
            helpers.append(Relay(site))
        for helper in helpers:
            helper.start()
        yield
        for helper in reversed(helpers):
            helper.stop()

    app = FastAPI(
        title="tallyroom",
        summary="Election-night results for UK local elections.",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        max_body_size=MAX_BODY,
        telemetry={} if telemetry else NO_TELEMETRY,
    )
    app.state.site = site
    app.state.base_url = base_url.rstrip("/") if base_url else None
    app.state.flavour = f"{'baked' if baked else 'served'}:{app.state.base_url or ''}:"
    app.state.compressing = not baked  # a baked page is written to a file as it is
    app.state.making = Making(inline=baked)
    app.state.pages = pages.Pages(site, baked=baked, base_url=app.state.base_url)
    app.state.searching = pages.Searching()
    app.state.confirm = confirm
    app.state.throttle = signin.Throttle(site.engine)
    app.state.hashing = signin.Hashing()
    app.add_middleware(Answers, site=site)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret or secrets.token_urlsafe(32),
        session_cookie="tallyroom_session",
        max_age=accounts.SESSION_HOURS * 3600,
        same_site="lax",
        https_only=secure_cookies,
    )
    app.add_middleware(LiveStream, site=site)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts), www_redirect=False)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders, embed_ancestors=tuple(embed_ancestors))
    app.include_router(cards.router)  # first, as routes are matched in order: a bake asks for
    app.include_router(pages.router)  # thousands of cards and pages
    app.include_router(api.router)
    app.include_router(signin.router)
    app.include_router(desk.router)
    app.include_router(apidocs.router)
    app.include_router(embed.router)
    app.mount("/static", StaticFiles(packages=[("tallyroom.web", "static")]), name="static")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if request.url.path.startswith(("/api/", "/live")):
            return JSONResponse({"error": error.detail}, error.status_code, headers=error.headers)
        title = "Not found" if error.status_code == 404 else "Something went wrong"
        body = render(
            "error.html", status=error.status_code, detail=error.detail, site=site, title=title, live=None
        )
        return HTMLResponse(body, error.status_code, headers=error.headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(StoreError)
    async def store_unavailable(request: Request, error: Exception) -> Response:
        """The database is not answering (restarting, say): nothing was written; try again shortly."""
        detail = "the database is not answering: nothing was written, try again in a few seconds"
        return await http_error(request, HTTPException(503, detail, headers={"Retry-After": "5"}))

    @app.exception_handler(Exception)
    async def server_error(request: Request, _error: Exception) -> Response:
        """An unhandled error: answered outside every middleware, so it carries the headers itself."""
        detail = "the server failed to answer this request"
        return await http_error(request, HTTPException(500, detail, headers=SECURITY_HEADERS))

    return app


SWITCH_SECONDS = 0.0005
"""How long a thread holds the GIL while another waits for it. Python's 5 ms makes a write, which
gives the GIL up at every database call, wait up to 5 ms to take it back from an event loop busy
with readers, each time: a declaration then took hundreds of milliseconds to reach the readers."""


def ready(site: Site) -> None:
    """What the first pages would each wait for, made ready before serving: every template compiled,
    the hex layouts read, and the earlier polls that shares are measured against (a second or more,
    which the readers of a night's first declarations waited for)."""
    for env in (templating.environment(), drafts.environment()):
        for name in env.list_templates():
            env.get_template(name)
    hexmap.districts()
    hexmap.upper_tier()
    hexmap.ward_layouts()
    site.shares.earlier()


def settle(site: Site) -> None:
    """Before serving: the site made `ready`, and the reference data and the night, made once, set
    aside from the garbage collector, whose full passes over them would otherwise pause every reader
    (85-200 ms measured); threads take turns with the event loop at `SWITCH_SECONDS`."""
    ready(site)
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_SECONDS)


def from_environment() -> FastAPI:
    """The app as each of several workers builds it (`serve --workers N` sets the environment): the
    database, the day, the control settings, the session secret, whether entries need confirming,
    whether cookies are for HTTPS only, the site's address, the host names allowed, the sites that
    may frame an embed, and whether requests are reported to OpenTelemetry."""
    site = Site.open(
        connect(database_url(None)),
        reference.load(),
        date.fromisoformat(os.environ["TALLYROOM_DAY"]),
        ControlSettings(
            os.environ.get("TALLYROOM_INDEPENDENTS_CAN_CONTROL") == "1",
            ThresholdBasis(os.environ.get("TALLYROOM_THRESHOLD_BASIS", ThresholdBasis.TOTAL_SEATS)),
        ),
    )
    settle(site)
    return create_app(
        site,
        secret=os.environ["TALLYROOM_SECRET"],
        confirm=os.environ.get("TALLYROOM_CONFIRM") == "1",
        secure_cookies=os.environ.get("TALLYROOM_SECURE_COOKIES") == "1",
        base_url=os.environ.get("TALLYROOM_BASE_URL") or None,
        allowed_hosts=os.environ.get("TALLYROOM_ALLOWED_HOSTS", "*").split(","),
        embed_ancestors=os.environ.get("TALLYROOM_EMBED_ANCESTORS", "").split() or embed.ANYWHERE,
        telemetry=os.environ.get("TALLYROOM_TELEMETRY") == "1",
    )
