"""The results desk, behind a login (`signin`): enter, correct and confirm ward results; review, approve
and publish copy; manage users.

A ward result entered here becomes the native ward CSV (contract §3.1) and goes through the ward
importer like any file, so the desk checks exactly what the importers check, and names the row and
field of a mistake. When the desk asks for confirmation, an entry waits, checked, until an editor other
than the person who entered it confirms it; only then is it logged (`entries`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from tallyroom.copy import review
from tallyroom.copy.newsroom import story_key
from tallyroom.errors import InputError
from tallyroom.importers.ward import HEADER
from tallyroom.live.events import Event
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.store.log import AppendReport
from tallyroom.web import accounts, entries
from tallyroom.web.accounts import AccountError, Role
from tallyroom.web.caching import site_of
from tallyroom.web.entries import Decision
from tallyroom.web.signin import back, form_of, page, require, said
from tallyroom.web.site import Site
from tallyroom.web.templating import ward_key

router = APIRouter(include_in_schema=False)
CANDIDATE_ROWS = 12


# The desk's front page


@router.get("/desk", response_class=HTMLResponse)
def desk(request: Request) -> Response:
    user = require(request, Role.REPORTER)
    site = site_of(request)
    return page(
        request,
        "desk.html",
        user,
        title="Results desk",
        message=said(request),
        outcomes=site.view.outcomes,
        waiting=site.view.pending,
        pending=entries.waiting(site),
        shown=entries.shown,
        confirm=request.app.state.confirm,
        may_confirm=user.can(Role.EDITOR),
        flagged=review.flagged(site.engine),
    )


# Entering and correcting a ward result


@router.get("/desk/enter", response_class=HTMLResponse)
def enter_form(request: Request, council: str = "", ward: str = "") -> Response:
    user = require(request, Role.REPORTER)
    site = site_of(request)
    values = _prefill(site, council, ward)
    return page(
        request,
        "enter.html",
        user,
        title="Enter a ward result",
        values=values,
        error=None,
        rows=CANDIDATE_ROWS,
        outcomes=site.view.outcomes,
    )


@router.post("/desk/enter", response_class=HTMLResponse)
async def enter(request: Request) -> Response:
    user = require(request, Role.REPORTER)
    form = await form_of(request)
    site = site_of(request)
    values = {k: str(v) for k, v in form.items() if k != "csrf"}
    body = entry_csv(site, values)
    try:
        if body.count("\n") < 2:
            raise InputError("desk entry", "no candidate was entered", 2, "candidate")
        if request.app.state.confirm:
            await run_in_threadpool(site.check_text, "ward", body.encode())
            code, ward = values.get("council_code", ""), values.get("ward", "")
            await run_in_threadpool(entries.hold, site, body, code, ward, user.name)
            return back(
                "/desk", f"{values.get('ward', '')} is waiting for a second person to confirm it.", request
            )
        found, report = await run_in_threadpool(site.ingest_text, "ward", body.encode(), user.name)
    except InputError as error:
        message = InputError("desk entry", error.message, error.row, error.field)
        return page(
            request,
            "enter.html",
            user,
            400,
            title="Enter a ward result",
            values=values,
            error=str(message),
            rows=CANDIDATE_ROWS,
            outcomes=site.view.outcomes,
        )
    return back("/desk", _done(report, found), request)


def entry_csv(site: Site, values: dict[str, str]) -> str:
    """A desk form as the native ward CSV: one row for each candidate line filled in."""
    code = values.get("council_code", "")
    outcome = site.view.by_code.get(code)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER[:13])
    for i in range(CANDIDATE_ROWS):
        name, party = values.get(f"candidate_{i}", "").strip(), values.get(f"party_{i}", "").strip()
        if not name and not party and not values.get(f"votes_{i}", "").strip():
            continue
        writer.writerow(
            [
                site.day.isoformat(),
                outcome.council.name if outcome else values.get("council", ""),
                code,
                values.get("ward", "").strip(),
                values.get("ward_code", "").strip(),
                values.get("seats", "").strip(),
                name,
                party,
                values.get(f"votes_{i}", "").strip(),
                "1" if values.get(f"elected_{i}") else ("0" if _any_elected(values) else ""),
                values.get("electorate", "").strip(),
                values.get("ballots", "").strip(),
                values.get("rejected", "").strip(),
            ]
        )
    return out.getvalue()


def _any_elected(values: dict[str, str]) -> bool:
    return any(values.get(f"elected_{i}") for i in range(CANDIDATE_ROWS))


def _prefill(site: Site, code: str, key: str) -> dict[str, str]:
    """The form for a ward: its current declaration, for a correction; else its poll on the card, for
    its result (its seats, electorate and candidates, the votes left to fill in)."""
    outcome = site.view.by_code.get(code)
    values = {"council_code": code}
    if outcome is None:
        return values
    ward = next((w for w in outcome.wards if ward_key(w.result.poll.ward) == key), None)
    poll = ward.result.poll if ward else next((p for p in outcome.pending if ward_key(p.ward) == key), None)
    if poll is None:
        return values
    values.update(ward=poll.ward.name, ward_code=poll.ward.code, seats=str(poll.seats))
    figures = poll.figures
    for field, value in (
        ("electorate", figures.electorate),
        ("ballots", figures.ballots_counted),
        ("rejected", figures.rejected),
    ):
        values[field] = "" if value is None else str(value)
    for i, c in enumerate(poll.candidacies[:CANDIDATE_ROWS]):
        values[f"candidate_{i}"], values[f"party_{i}"] = c.name, c.party.name
        values[f"votes_{i}"] = "" if c.votes is None else str(c.votes)
        if ward is not None and c in ward.result.elected:
            values[f"elected_{i}"] = "1"
    return values


def _done(report: AppendReport, found: list[Event]) -> str:
    if not report.new and not report.revised:
        return "That result was already in: nothing changed."
    calls = [e for e in found if e.type == "call"]
    what = "Correction logged." if report.revised else "Result logged."
    called = "".join(f" {e.council.name} called: {e.body['control']} ({e.body['outcome']})." for e in calls)
    return what + called + "".join(f" Check: {warning}." for warning in report.warnings)


# Second-person confirmation


@router.get("/desk/entries/{entry_id}", response_class=PlainTextResponse)
def entry(request: Request, entry_id: int) -> Response:
    """An entry whole, as it was entered (the desk's page shows its first lines)."""
    require(request, Role.REPORTER)
    found = entries.held(site_of(request), entry_id)
    if found is None:
        raise HTTPException(404, "no such entry tonight")
    return PlainTextResponse(found.body, headers={"Cache-Control": "no-store"})


@router.post("/desk/entries/{entry_id}/{decision}")
async def decide(request: Request, entry_id: int, decision: str) -> Response:
    """An editor other than the person who entered it confirms an entry (it is logged, in both names)
    or rejects it."""
    user = require(request, Role.EDITOR)
    await form_of(request)
    if decision not in set(Decision):
        raise HTTPException(404, "confirm or reject")
    site = site_of(request)
    entry = next((e for e in entries.waiting(site) if e.id == entry_id), None)
    if entry is None:
        raise HTTPException(404, "no such entry waiting")
    if entry.entered_by == user.name:
        return back("/desk", "A second person must confirm an entry: you entered this one.", request)
    if decision == Decision.CONFIRM:
        try:
            found, report = await run_in_threadpool(
                site.ingest_text,
                "ward",
                entry.body.encode(),
                accounts.confirmed_by(entry.entered_by, user.name),
            )
        except InputError as error:
            return back("/desk", f"Not logged: {error}", request)
        message = _done(report, found)
    else:
        message = f"{entry.ward}: entry rejected."
    await run_in_threadpool(entries.decided, site, entry_id, Decision(decision), user.name)
    return back("/desk", message, request)


# Copy review


@router.get("/desk/review", response_class=HTMLResponse)
def review_queue(request: Request) -> Response:
    user = require(request, Role.REPORTER)
    site = site_of(request)
    stories = [(o, review.current(site.engine, story_key(o))) for o in site.view.outcomes if o.seats_declared]
    return page(request, "review.html", user, title="Copy review", stories=stories, message=said(request))


@router.get("/desk/review/{code}", response_class=HTMLResponse)
def review_story(request: Request, code: str) -> Response:
    user = require(request, Role.REPORTER)
    site = site_of(request)
    outcome = _council(site, code)
    site.redrafter.drain(only=code)  # the story as the results now stand, even if its redraft is queued
    history = review.versions(site.engine, story_key(outcome))
    return page(
        request,
        "story.html",
        user,
        title=f"Story: {outcome.council.name}",
        outcome=outcome,
        history=history,
        message=said(request),
    )


@router.post("/desk/review/{code}/{action}")
async def review_action(request: Request, code: str, action: str) -> Response:
    """Edit, approve or publish a story: an editor's work."""
    user = require(request, Role.EDITOR)
    form = await form_of(request)
    site = site_of(request)
    key = story_key(_council(site, code))
    steps: dict[str, Callable[[], object]] = {
        "edit": lambda: review.edit(
            site.engine, key, str(form.get("text", "")).replace("\r\n", "\n"), user.name
        ),
        "approve": lambda: review.approve(site.engine, key, user.name),
        "publish": lambda: review.publish(site.engine, key, user.name),
    }
    if action not in steps:
        raise HTTPException(404, "edit, approve or publish")
    try:
        await run_in_threadpool(steps[action])
    except ValueError as error:
        return back(f"/desk/review/{code}", f"Not done: {error}", request)
    if action == "publish":
        await run_in_threadpool(site.touch)
    return back(
        f"/desk/review/{code}",
        {"edit": "Edit saved.", "approve": "Approved.", "publish": "Published."}[action],
        request,
    )


def _council(site: Site, code: str) -> CouncilOutcome:
    found = site.view.by_code.get(code)
    if found is None:
        raise HTTPException(404, "no such council tonight")
    return found


# Users


@router.get("/desk/users", response_class=HTMLResponse)
def users(request: Request) -> Response:
    user = require(request, Role.ADMIN)
    listed = accounts.all_users(site_of(request).engine)
    return page(
        request,
        "users.html",
        user,
        title="Desk users",
        users=listed,
        roles=list(Role),
        message=said(request),
        token=None,
    )


@router.post("/desk/users")
async def manage_users(request: Request) -> Response:
    """Add a user, change a role, disable or enable a user, or issue an API token."""
    admin = require(request, Role.ADMIN)
    form = await form_of(request)
    engine = site_of(request).engine
    action, name = str(form.get("action", "")), str(form.get("name", ""))
    try:
        if action == "add":
            accounts.add_user(engine, name, Role(str(form.get("role", ""))), str(form.get("password", "")))
            message = f"{name} added."
        elif action == "role":
            accounts.change(engine, name, role=Role(str(form.get("role", ""))))
            message = f"{name} is now a {form.get('role')}."
        elif action in {"disable", "enable"}:
            accounts.change(engine, name, disabled=action == "disable")
            message = f"{name} {action}d."
        elif action == "token":
            trusted = form.get("trusted_feed") == "1"
            token = accounts.issue_token(engine, name, trusted_feed=trusted)
            listed = accounts.all_users(engine)
            kind = "trusted-feed token (its results never wait for confirmation)" if trusted else "token"
            message = f"A new API {kind} for {name}; it is shown only this once:"
            return page(
                request,
                "users.html",
                admin,
                title="Desk users",
                users=listed,
                roles=list(Role),
                message=message,
                token=token,
            )
        else:
            raise HTTPException(400, "add, role, disable, enable or token")
    except (AccountError, ValueError) as error:
        message = f"Not done: {error}"
    return back("/desk/users", message, request)
