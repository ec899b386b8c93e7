"""Signing in to the results desk: sessions, CSRF tokens, roles, and logins limited.

A session's cookie (signed) carries a random token that the store knows (`accounts.open_session`); the
user is looked up through it on every request, so signing out, a password change, a role changed or a
user disabled takes effect at once, in every worker. Every form carries the session's CSRF token, and
every write checks it.

Logins are limited twice over. Each address has five tries in five minutes (`Throttle`), counted in the
store and recorded before the password is checked, so neither concurrent tries nor several workers
get more. And checking a password (Argon2: 64 MiB, and a fifth of a second of a core) is
bounded in each process (`Hashing`): one at a time, a few more waiting, and the rest answered 429 at
once, so a flood of logins cannot exhaust memory or starve the readers.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy import Engine, delete, func, insert, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tallyroom.store.database import writing
from tallyroom.store.schema import login_attempts
from tallyroom.web import accounts
from tallyroom.web.accounts import Role, User
from tallyroom.web.caching import site_of
from tallyroom.web.templating import render

router = APIRouter(include_in_schema=False)
LOGIN_ATTEMPTS, LOGIN_WINDOW = 5, timedelta(minutes=5)
HASHING_AT_ONCE, HASHING_WAITING = 1, 4
T = TypeVar("T")
SESSION = "session"
"""The key of the session token in the signed cookie."""


class Throttle:
    """At most `limit` logins from one address in `window` that are not known to have succeeded. An
    attempt is recorded before its password is checked (and deleted if it was right), in one writing
    transaction with the count, so concurrent tries cannot all slip in under the limit."""

    def __init__(self, engine: Engine, limit: int = LOGIN_ATTEMPTS, window: timedelta = LOGIN_WINDOW) -> None:
        self.engine, self.limit, self.window = engine, limit, window

    def blocked(self, address: str) -> float:
        """Seconds until `address` may try again (0 when it may now)."""
        now = datetime.now(UTC)
        with self.engine.connect() as conn:
            times = conn.execute(
                select(login_attempts.c.at)
                .where(login_attempts.c.address == address, login_attempts.c.at > now - self.window)
                .order_by(login_attempts.c.at)
                .limit(self.limit)
            ).scalars()
            found: list[datetime] = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in times]
        if len(found) < self.limit:
            return 0.0
        return max((found[0] + self.window - now).total_seconds(), 0.001)

    def attempt(self, address: str) -> int | None:
        """Record a try from `address`, unless it has had its tries: the attempt's id, or None."""
        now = datetime.now(UTC)
        with writing(self.engine) as conn:
            conn.execute(delete(login_attempts).where(login_attempts.c.at <= now - self.window))
            tried = conn.execute(select(func.count()).where(login_attempts.c.address == address)).scalar_one()
            if tried >= self.limit:
                return None
            attempt: int = conn.execute(
                insert(login_attempts).returning(login_attempts.c.id), {"address": address, "at": now}
            ).scalar_one()
            return attempt

    def succeeded(self, attempt: int) -> None:
        with writing(self.engine) as conn:
            conn.execute(delete(login_attempts).where(login_attempts.c.id == attempt))


class Busy(Exception):
    """Too many passwords are being checked already: try again shortly."""


class Hashing:
    """Password checks in one process: `at_once` run together and `waiting` more wait in line; a login
    that finds the line full is turned away at once (Busy), before anything else is done for it."""

    def __init__(self, at_once: int = HASHING_AT_ONCE, waiting: int = HASHING_WAITING) -> None:
        self._slots = asyncio.Semaphore(at_once)
        self._room = at_once + waiting
        self._in_line = 0

    @asynccontextmanager
    async def line(self) -> AsyncIterator[None]:
        if self._in_line >= self._room:
            raise Busy
        self._in_line += 1
        try:
            yield
        finally:
            self._in_line -= 1

    async def check(self, check: Callable[..., T], *args: Any) -> T:
        """`check(*args)` in a worker thread, when a slot is free (call it in the line)."""
        async with self._slots:
            return await run_in_threadpool(check, *args)


# Sessions, users and CSRF


def csrf_token(request: Request) -> str:
    token: str | None = request.session.get("csrf")
    if token is None:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def form_of(request: Request) -> FormData:
    """The posted form, once its CSRF token is checked."""
    form = await request.form()
    sent = str(form.get("csrf", ""))
    if not hmac.compare_digest(sent.encode(), csrf_token(request).encode()):
        raise HTTPException(
            403, "the form has expired or did not come from this site: reload it and try again"
        )
    return form


def current_user(request: Request) -> User | None:
    token = request.session.get(SESSION)
    return accounts.session_user(site_of(request).engine, token) if token else None


def require(request: Request, role: Role) -> User:
    user = current_user(request)
    if user is None:
        raise HTTPException(
            303, "sign in first", headers={"Location": f"/desk/login?next={request.url.path}"}
        )
    if not user.can(role):
        raise HTTPException(403, f"{user.name} is a desk {user.role}: this needs a desk {role} or above")
    return user


def page(
    request: Request, template: str, user: User | None, status: int = 200, **context: Any
) -> HTMLResponse:
    body = render(
        f"desk/{template}",
        site=site_of(request),
        user=user,
        csrf=csrf_token(request),
        live=None,
        roles_admin=Role.ADMIN,
        **context,
    )
    return HTMLResponse(body, status, headers={"Cache-Control": "no-store"})


def back(to: str, message: str, request: Request) -> RedirectResponse:
    request.session["message"] = message
    return RedirectResponse(to, 303)


def said(request: Request) -> str:
    message: str = request.session.pop("message", "")
    return message


# Signing in


@router.get("/desk/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/desk") -> Response:
    return page(request, "login.html", None, title="Sign in to the results desk", next=_local(next), error="")


@router.post("/desk/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await form_of(request)
    address = request.client.host if request.client else "?"
    engine = site_of(request).engine
    throttle: Throttle = request.app.state.throttle
    hashing: Hashing = request.app.state.hashing
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    try:
        async with hashing.line():
            wait = await run_in_threadpool(throttle.blocked, address)
            attempt = None if wait else await run_in_threadpool(throttle.attempt, address)
            if attempt is None:
                wait = wait or await run_in_threadpool(throttle.blocked, address)
                return _refused(
                    request, f"Too many failed attempts: try again in {int(wait) + 1} seconds.", wait
                )
            user = await hashing.check(accounts.authenticate, engine, name, password)
    except Busy:
        return _refused(request, "The desk is busy signing people in: try again in a few seconds.", 5)
    if user is None:
        return page(
            request,
            "login.html",
            None,
            401,
            title="Sign in to the results desk",
            next=_local(str(form.get("next", "/desk"))),
            error="That name and password do not match.",
        )
    await run_in_threadpool(throttle.succeeded, attempt)
    request.session.clear()
    request.session[SESSION] = await run_in_threadpool(accounts.open_session, engine, user.name)
    return RedirectResponse(_local(str(form.get("next", "/desk"))), 303)


def _refused(request: Request, error: str, wait: float) -> Response:
    title = "Sign in to the results desk"
    answer = page(request, "login.html", None, 429, title=title, next="/desk", error=error)
    answer.headers["Retry-After"] = str(int(wait) + 1)
    return answer


@router.post("/desk/logout")
async def logout(request: Request) -> Response:
    await form_of(request)
    token = request.session.get(SESSION)
    if token:
        await run_in_threadpool(accounts.end_session, site_of(request).engine, token)
    request.session.clear()
    return RedirectResponse("/", 303)


def _local(path: str) -> str:
    """Only a path on this site is followed after signing in, never another site."""
    return path if path.startswith("/") and not path.startswith("//") else "/desk"
