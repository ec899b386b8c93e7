"""Signing in to the results desk: sessions, CSRF tokens, roles, and failed logins limited.

A session (a signed cookie) holds the user's name; the user is looked up again on every request, so a
role changed or a user disabled takes effect at once. Every form carries the session's CSRF token, and
every write checks it.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tallyroom.web import accounts
from tallyroom.web.accounts import Role, User
from tallyroom.web.caching import site_of
from tallyroom.web.templating import render

router = APIRouter(include_in_schema=False)
LOGIN_ATTEMPTS, LOGIN_WINDOW = 5, 300.0


class Throttle:
    """At most `limit` failed logins from one address in `window` seconds."""

    def __init__(self, limit: int = LOGIN_ATTEMPTS, window: float = LOGIN_WINDOW) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, who: str) -> float:
        """Seconds until `who` may try again (0 when they may now)."""
        found = self._failures.get(who)
        if not found:
            return 0.0
        while found and found[0] < time.monotonic() - self.window:
            found.popleft()
        return found[0] + self.window - time.monotonic() if len(found) >= self.limit else 0.0

    def failed(self, who: str) -> None:
        self._failures.setdefault(who, deque()).append(time.monotonic())


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
    name = request.session.get("user")
    if not name:
        return None
    found = accounts.user(site_of(request).engine, name)
    return found if found and not found.disabled else None


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
    throttle: Throttle = request.app.state.throttle
    wait = throttle.blocked(address)
    if wait:
        return page(
            request,
            "login.html",
            None,
            429,
            title="Sign in to the results desk",
            next="/desk",
            error=f"Too many failed attempts: try again in {int(wait) + 1} seconds.",
        )
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    user = await run_in_threadpool(accounts.authenticate, site_of(request).engine, name, password)
    if user is None:
        throttle.failed(address)
        return page(
            request,
            "login.html",
            None,
            401,
            title="Sign in to the results desk",
            next=_local(str(form.get("next", "/desk"))),
            error="That name and password do not match.",
        )
    request.session.clear()
    request.session["user"] = user.name
    return RedirectResponse(_local(str(form.get("next", "/desk"))), 303)


@router.post("/desk/logout")
async def logout(request: Request) -> Response:
    await form_of(request)
    request.session.clear()
    return RedirectResponse("/", 303)


def _local(path: str) -> str:
    """Only a path on this site is followed after signing in, never another site."""
    return path if path.startswith("/") and not path.startswith("//") else "/desk"
