"""Signing in to the results desk: sessions, CSRF tokens, roles, and logins limited.

A session's cookie (signed) carries a random token that the store knows (`accounts.open_session`); the
user is looked up through it on every request, so signing out, a password change, a role changed or a
user disabled takes effect at once, in every worker. Every form carries the session's CSRF token, and
every write checks it.

Logins are limited twice over. Each address (an IPv6 host's whole /64 network) has five tries in five
minutes, and each account twenty from anywhere (`Throttle`), counted in the store and recorded before
the password is checked, so neither concurrent tries nor several workers get more. A browser that has
signed in as the account before (its session says so) is held to its address's limit only, so a flood
of guesses at an editor's password cannot keep the editor out. And checking a password (Argon2: 64 MiB,
and a fifth of a second of a core) is bounded in each process (`Hashing`): one at a time, a few more
waiting, and the rest answered 429 at once, so a flood of logins cannot exhaust memory or starve the
readers; such a browser waits in the line however long it is.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlencode

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
from tallyroom.web.templating import path_for, render

router = APIRouter(include_in_schema=False)
HASHING_AT_ONCE, HASHING_WAITING = 1, 4
T = TypeVar("T")
SESSION = "session"
"""The key of the session token in the signed cookie."""
SIGNED_IN_AS = "signed_in_as"
"""The key of the accounts this browser has signed in as (`account_of`), kept when it signs out."""
KEPT_ACCOUNTS = 4
"""How many of them (a desk shared by a few people)."""


class Subject(StrEnum):
    """What failed logins are counted against."""

    ADDRESS = "address"
    ACCOUNT = "account"


LOGIN_WINDOW = timedelta(minutes=5)
LOGIN_LIMITS = {Subject.ADDRESS: 5, Subject.ACCOUNT: 20}
"""Tries in the window that are not known to have succeeded: from one address, and for one account from
anywhere (however many addresses guess at a password, four a minute at most)."""


def address_of(host: str) -> str:
    """The address a login is counted against: an IPv6 host's /64 network, which one subscriber is
    commonly given whole; any other address as it is."""
    try:
        found = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(found, ipaddress.IPv6Address):
        mapped = found.ipv4_mapped  # an IPv4 reader on a dual-stack socket
        return str(mapped) if mapped else str(ipaddress.IPv6Network((found, 64), strict=False))
    return str(found)


def account_of(name: str) -> str:
    """An account tried, by a digest of its name as signing in matches it: a name of any length, and
    nothing of it kept."""
    return hashlib.sha256(name.strip().encode()).hexdigest()[:40]


Subjects = Mapping[Subject, str]


class Throttle:
    """At most `limits[subject]` logins in `window` not known to have succeeded, for each subject of a
    try. An attempt is recorded before its password is checked (and deleted if it was right), in one
    writing transaction with the count, so concurrent tries cannot all slip in under the limit."""

    def __init__(
        self, engine: Engine, limits: Mapping[Subject, int] = LOGIN_LIMITS, window: timedelta = LOGIN_WINDOW
    ) -> None:
        self.engine, self.limits, self.window = engine, limits, window

    def blocked(self, subjects: Subjects) -> float:
        """Seconds until a try for these subjects may be made (0 when it may now)."""
        now = datetime.now(UTC)
        keys = _keys(subjects)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(login_attempts.c.subject, login_attempts.c.at)
                .where(login_attempts.c.subject.in_(keys.values()), login_attempts.c.at > now - self.window)
                .order_by(login_attempts.c.at)
            ).all()
        wait = 0.0
        for subject, key in keys.items():
            times = [at if at.tzinfo else at.replace(tzinfo=UTC) for found, at in rows if found == key]
            if len(times) >= self.limits[subject]:
                wait = max(wait, (times[-self.limits[subject]] + self.window - now).total_seconds(), 0.001)
        return wait

    def attempt(self, subjects: Subjects) -> list[int] | None:
        """Record a try for these subjects, unless one has had its tries: the attempts' ids, or None."""
        now = datetime.now(UTC)
        keys = _keys(subjects)
        with writing(self.engine) as conn:
            conn.execute(delete(login_attempts).where(login_attempts.c.at <= now - self.window))
            counted = conn.execute(
                select(login_attempts.c.subject, func.count())
                .where(login_attempts.c.subject.in_(keys.values()))
                .group_by(login_attempts.c.subject)
            )
            tried: dict[str, int] = {key: n for key, n in counted}
            if any(tried.get(key, 0) >= self.limits[subject] for subject, key in keys.items()):
                return None
            rows = [{"subject": key, "at": now} for key in keys.values()]
            return list(conn.execute(insert(login_attempts).returning(login_attempts.c.id), rows).scalars())

    def succeeded(self, attempts: list[int]) -> None:
        with writing(self.engine) as conn:
            conn.execute(delete(login_attempts).where(login_attempts.c.id.in_(attempts)))


def _keys(subjects: Subjects) -> dict[Subject, str]:
    """Each subject as the store keeps it (`address:203.0.113.7`)."""
    return {subject: f"{subject}:{value}" for subject, value in subjects.items()}


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
    async def line(self, however_long: bool = False) -> AsyncIterator[None]:
        """A place in the line; one that finds it full is Busy, unless it waits `however_long`."""
        if self._in_line >= self._room and not however_long:
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
        back_to = urlencode({"next": request.url.path})  # any character, as a header carries it
        login = request.app.url_path_for("login_form")
        raise HTTPException(303, "sign in first", headers={"Location": f"{login}?{back_to}"})
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
        url=partial(path_for, request.app),
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
    engine = site_of(request).engine
    throttle: Throttle = request.app.state.throttle
    hashing: Hashing = request.app.state.hashing
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    account = account_of(name)
    signed_in_as: list[str] = list(request.session.get(SIGNED_IN_AS, []))
    subjects = {Subject.ADDRESS: address_of(request.client.host if request.client else "?")}
    if account not in signed_in_as:
        subjects[Subject.ACCOUNT] = account
    try:
        async with hashing.line(however_long=account in signed_in_as):
            wait = await run_in_threadpool(throttle.blocked, subjects)
            attempt = None if wait else await run_in_threadpool(throttle.attempt, subjects)
            if attempt is None:
                wait = wait or await run_in_threadpool(throttle.blocked, subjects)
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
    request.session[SIGNED_IN_AS] = [account, *(a for a in signed_in_as if a != account)][:KEPT_ACCOUNTS]
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
    signed_in_as = request.session.get(SIGNED_IN_AS, [])
    request.session.clear()
    request.session[SIGNED_IN_AS] = signed_in_as
    return RedirectResponse("/", 303)


def _local(path: str) -> str:
    """Only a path on this site is followed after signing in, never another site."""
    return path if path.startswith("/") and not path.startswith("//") else "/desk"
