"""The JSON API: the documents the command line prints with `--json` (contract §2, §2.1), live events,
feeds and the CSV export, and one write, `POST /api/declarations`, for machines with a desk token."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from tallyroom import serialise, serialise_shares
from tallyroom.copy.newsroom import story_key
from tallyroom.copy.review import published, published_on
from tallyroom.errors import InputError
from tallyroom.live.events import Event
from tallyroom.results import area_shares, find_council, in_region, share_pairs
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.rules.prospects import watch
from tallyroom.store import queries
from tallyroom.store.database import StoreError
from tallyroom.store.log import AppendReport
from tallyroom.web import entries, export, feeds, schemas
from tallyroom.web.accounts import Role, by_token
from tallyroom.web.caching import cached_response, site_of
from tallyroom.web.site import Site, Stamp, View

BLT = "application/x-blt"
"""The media type of an STV ward's papers posted to /api/declarations."""

router = APIRouter()
NO_FEED: dict[str, Any] = {
    "description": "The site has no public address (serve --base-url) for the feed's links",
    "content": {"text/html": {}},
}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def _json(request: Request, key: str, make: Any, stamp: Stamp | None = None) -> Response:
    return await cached_response(request, key, "application/json", lambda view: dumps(make(view)), stamp)


def council_json(site: Site, view: View, code: str) -> dict[str, Any]:
    """A council as `council --json` prints it."""
    return serialise.council_outcome(
        view.by_code[code], site.reference.parties.get, wards=True, stv=view.stv(code)
    )


def _known_region(site: Site, region: str | None) -> None:
    """An HTTPException 404 for a region the register does not name, as the command line refuses it."""
    if region and site.reference.councils.region(region) is None:
        regions = ", ".join(site.reference.councils.regions)
        raise HTTPException(404, f"no region {region!r}; regions: {regions}")


async def _council(site: Site, name_or_code: str) -> CouncilOutcome:
    found = find_council(site.view.outcomes, site.reference, name_or_code, site.day)
    if found is None and (known := site.reference.councils.find(name_or_code, site.day)) is not None:
        found = await run_in_threadpool(site.outcome_of, known.code)  # perhaps just in, at another worker
    if found is None:
        raise HTTPException(404, f"no election for {name_or_code!r} on {site.day}")
    return found


@router.get("/health", tags=["service"], response_model=None)
async def health() -> Response:
    """A trivial answer, for load balancers and for measuring the server itself."""
    return JSONResponse({"ok": True})


@router.get("/api/night", response_model=schemas.Night, tags=["results"])
async def night(request: Request) -> Response:
    """The night: progress, every council's outcome, and the latest events."""
    site = site_of(request)
    return await _json(
        request,
        "api:night",
        lambda view: {
            "election_date": site.day.isoformat(),
            "progress": view.progress,
            "councils": [site.listing(o) for o in view.outcomes],
            "latest": [e.json() for e in view.events[-20:][::-1]],
        },
    )


@router.get("/api/watch", response_model=list[schemas.Watch], tags=["results"])
async def watch_list(request: Request) -> Response:
    """Councils to watch: where control can still change hands, from the card, the eve of poll and the
    seats declared so far, with the seats each party needs for a majority."""
    party = site_of(request).reference.parties.get
    return await _json(
        request, "api:watch", lambda view: serialise.watch_list(map(watch, view.outcomes), party)
    )


@router.get(
    "/api/councils",
    response_model=list[schemas.CouncilOutcome],
    tags=["results"],
    responses={404: {"model": schemas.Problem}},
)
async def councils(request: Request, region: str | None = None) -> Response:
    """Every council with an election tonight, as `councils --json` prints them."""
    site = site_of(request)
    _known_region(site, region)

    def make(view: View) -> list[dict[str, Any]]:
        found = in_region(view.outcomes, site.reference, region) if region else view.outcomes
        return [site.listing(o) for o in found]

    return await _json(request, f"api:councils:{(region or '').casefold()}", make)


@router.get(
    "/api/councils/{name_or_code}",
    response_model=schemas.CouncilOutcome,
    responses={404: {"model": schemas.Problem}},
    tags=["results"],
)
async def council(request: Request, name_or_code: str) -> Response:
    """One council, with its wards, as `council --json` prints it."""
    site = site_of(request)
    outcome = await _council(site, name_or_code)
    return await _json(
        request,
        f"api:council:{outcome.council.code}",
        lambda v: council_json(site, v, outcome.council.code),
        lambda v: v.council_stamp(outcome.council.code),
    )


@router.get(
    "/api/headlines",
    response_model=list[schemas.Headline],
    tags=["results"],
    responses={404: {"model": schemas.Problem}},
)
async def headlines(request: Request, region: str | None = None) -> Response:
    """One headline per council, most newsworthy first."""
    site = site_of(request)
    _known_region(site, region)

    def make(view: View) -> list[dict[str, Any]]:
        found = in_region(view.outcomes, site.reference, region) if region else view.outcomes
        return serialise.headlines(found, site.reference.parties.get)

    return await _json(request, f"api:headlines:{(region or '').casefold()}", make)


@router.get("/api/progress", response_model=schemas.NightProgress, tags=["results"])
async def progress(request: Request) -> Response:
    """Seats, wards and councils declared, for the night and each region."""
    return await _json(request, "api:progress", lambda view: view.progress)


@router.get("/api/events", response_model=list[schemas.Event], tags=["live"])
async def events(request: Request, after: Annotated[int, Query(ge=0)] = 0) -> Response:
    """The events since `after` (a seq), oldest first, of those the server keeps."""
    found = [e.json() for e in site_of(request).view.events_after(after)]
    return Response(dumps(found), media_type="application/json", headers={"Cache-Control": "no-cache"})


@router.get("/api/executive", tags=["results"])
async def executive(request: Request) -> Response:
    """Mayors and police and crime commissioners elected tonight, with each round's votes."""
    return await _json(
        request, "api:executive", lambda view: [serialise.executive(r) for r in view.executive]
    )


@router.get("/api/shares", tags=["results"], responses={404: {"model": schemas.Problem}})
async def shares(
    request: Request, council: str | None = None, region: str | None = None, ward: str | None = None
) -> Response:
    """Vote share by top vote and total votes, change since the seats were last fought, and the swing
    between the first two parties, for a ward, a council, a region or the night, as `shares --json`."""
    site = site_of(request)
    _known_region(site, region)
    known = site.reference.councils.find(council, site.day) if council else None
    if council and known is None:
        raise HTTPException(404, f"no council called {council!r}")
    area = " / ".join(a for a in (known.name if known else "", region or "", ward or "") if a) or "the night"

    def make(view: View) -> dict[str, Any]:
        code = known.code if known else None
        found = [o for o in view.outcomes if code is None or o.council.code == code]
        pairs = share_pairs(found, site.shares.earlier(), site.reference, code, region, ward)
        return serialise_shares.shares(area_shares(pairs, area))

    return await _json(request, f"api:shares:{area.casefold()}", make)


@router.get("/api/projection", tags=["results"])
async def projection(request: Request) -> Response:
    """A projected national share from the key wards declared so far (projection, not PNS), as
    `projection --json`."""
    site = site_of(request)
    return await _json(
        request,
        "api:projection",
        lambda view: serialise_shares.projection(site.shares.projection(view.outcomes)),
    )


@router.get(
    "/api/stories/{name_or_code}",
    response_model=schemas.Story,
    responses={404: {"model": schemas.Problem}},
    tags=["copy"],
)
async def story(request: Request, name_or_code: str) -> Response:
    """A council's published story: only what an editor has published, never a draft."""
    site = site_of(request)
    outcome = await _council(site, name_or_code)
    version = await run_in_threadpool(published, site.engine, story_key(outcome))
    if version is None:
        raise HTTPException(404, f"no story published for {outcome.council.name}")
    return JSONResponse(
        {
            "council": {"name": outcome.council.name, "code": outcome.council.code},
            "election_date": site.day.isoformat(),
            "version": version.version,
            "text": version.text,
            "published_by": version.author,
            "published_at": version.at.isoformat(),
        }
    )


@router.get(
    "/live",
    tags=["live"],
    response_class=StreamingResponse,
    responses={422: {"model": schemas.Problem, "description": "Last-Event-ID is not an event's number"}},
)
def live(council: str | None = None, last_event_id: Annotated[int | None, Header()] = None) -> None:
    """Server-sent events (contract §2.1 objects), for one council or all; a reconnecting reader gets
    the events it missed since `Last-Event-ID` (event numbers come from the log, so any worker will do).
    \f
    `live_stream.LiveStream` answers these before any routing: the route describes them."""


def feed_base(request: Request) -> str:
    """The site's configured public address, which every link in a feed starts with: without one
    there are no feeds (never a Host header's value, nor a guess)."""
    base: str | None = request.app.state.base_url
    if base is None:
        raise HTTPException(404, "no feeds: the site's public address is not configured (--base-url)")
    return base


def _as_new_as_the_night(view: View) -> datetime | None:
    """When a feed with nothing in it yet was last updated: at the night's newest event, which the log
    dates alike in every worker and at every bake; None before any."""
    return max((e.at for e in view.events if e.at is not None), default=None)


@router.get("/feeds/declarations.atom", tags=["feeds"], response_class=Response, responses={404: NO_FEED})
async def declarations_feed(request: Request) -> Response:
    """An Atom feed of the latest declarations, linking to the site's configured address."""
    site, base = site_of(request), feed_base(request)

    def make(view: View) -> str:
        declared = [e for e in view.events if e.type == "declaration"]
        night = None if declared else _as_new_as_the_night(view)
        return feeds.declarations_feed(declared, base, night, election_date=site.day)

    return await cached_response(request, "feed:declarations", "application/atom+xml", make)


@router.get("/feeds/stories.atom", tags=["feeds"], response_class=Response, responses={404: NO_FEED})
async def stories_feed(request: Request) -> Response:
    """An Atom feed of published stories, linking to the site's configured address."""
    site, base = site_of(request), feed_base(request)

    def make(view: View) -> str:
        stories = published_on(site.engine, site.day)
        found = [v for o in view.outcomes if (v := stories.get(story_key(o))) is not None]
        return feeds.stories_feed(
            found, base, None if found else _as_new_as_the_night(view), election_date=site.day
        )

    return await cached_response(request, "feed:stories", "application/atom+xml", make)


@router.get("/export/results.csv", tags=["feeds"], response_class=Response)
async def results_csv(request: Request) -> Response:
    """Every candidacy declared tonight, one row each, in Democracy Club's columns and then ours."""
    site = site_of(request)

    def make(_view: View) -> str:
        return export.results_csv(queries.load_polls(site.engine, site.reference.parties, on=site.day))

    response = await cached_response(request, "export:results", "text/csv; charset=utf-8", make)
    response.headers["Content-Disposition"] = f'attachment; filename="results-{site.day}.csv"'
    return response


@router.get("/export/stages.csv", tags=["feeds"], response_class=Response)
async def stages_csv(request: Request) -> Response:
    """Every STV count of tonight whose papers the log holds, stage by stage: one row per candidate per
    stage, in the columns of a published stage sheet."""
    site = site_of(request)

    def make(view: View) -> str:
        polls = queries.load_polls(site.engine, site.reference.parties, on=site.day)
        return export.stages_csv(polls, view.counts)

    response = await cached_response(request, "export:stages", "text/csv; charset=utf-8", make)
    response.headers["Content-Disposition"] = f'attachment; filename="stages-{site.day}.csv"'
    return response


@router.post(
    "/api/declarations",
    response_model=schemas.Accepted,
    responses={
        202: {"model": schemas.Waiting},
        400: {"model": schemas.Problem},
        401: {"model": schemas.Problem},
        403: {"model": schemas.Problem},
        413: {"model": schemas.Problem},
        415: {"model": schemas.Problem},
        503: {"model": schemas.Problem},
    },
    tags=["desk"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string", "description": "ward CSV, contract §3.1"}},
                BLT: {
                    "schema": {"type": "string", "description": "an STV ward's papers (BLT), with ?council="}
                },
            },
        }
    },
)
async def declarations(
    request: Request, authorization: Annotated[str, Header()] = "", council: str | None = None
) -> Response:
    """Ward results as the native ward CSV (contract §3.1), sent as `text/csv` with a desk user's
    token (`Authorization: Bearer ...`), of at most 5 MB; or a Scottish ward's papers as a BLT file,
    sent as `application/x-blt` with `?council=NAME_OR_CODE`, counted by STV and announced stage by
    stage. The file is taken whole or not at all. When the desk asks for confirmation (`serve
    --confirm`), a CSV waits, checked, for an editor to confirm it (202, with the entry's id), and papers
    are refused, unless the token was issued as a trusted machine feed."""
    site = site_of(request)
    scheme, _, token = authorization.partition(" ")
    found = (
        await run_in_threadpool(by_token, site.engine, token.strip()) if scheme.lower() == "bearer" else None
    )
    if found is None:
        return JSONResponse({"error": "a desk token is needed"}, 401, headers={"WWW-Authenticate": "Bearer"})
    user = found.user
    if not user.can(Role.REPORTER):
        return JSONResponse({"error": f"{user.name} may not enter results"}, 403)
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media not in ("text/csv", BLT):
        return JSONResponse(
            {"error": f"send the ward CSV (contract §3.1) as text/csv, or papers as {BLT}"}, 415
        )
    if media == BLT and not council:
        return JSONResponse({"error": "name the ward's council: ?council=NAME_OR_CODE"}, 400)
    held = request.app.state.confirm and not found.trusted_feed
    if media == BLT and held:
        return JSONResponse(
            {"error": "papers wait for no editor: post them with a trusted feed's token"}, 403
        )
    body = await request.body()  # the app's body limit answers 413 as soon as a body passes it
    try:
        if held:
            entry = await run_in_threadpool(_hold, site, body, user.name)
            return JSONResponse(
                {"waiting": entry, "message": "the results wait for an editor to confirm them"}, 202
            )
        if media == BLT:
            events, report = await run_in_threadpool(site.ingest_text, "blt", body, user.name, council)
        else:
            events, report = await run_in_threadpool(site.ingest_text, "ward", body, user.name)
    except (InputError, StoreError) as error:
        return _refusal(error)
    return _taken(events, report)


@router.post(
    "/api/stages",
    response_model=schemas.Accepted,
    responses={
        400: {"model": schemas.Problem},
        401: {"model": schemas.Problem},
        403: {"model": schemas.Problem},
        503: {"model": schemas.Problem},
    },
    tags=["desk"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string", "description": "stage sheet, contract §6"}}
            },
        }
    },
)
async def stages(request: Request, authorization: Annotated[str, Header()] = "") -> Response:
    """STV stages as they are read out at the count, as a stage sheet (contract §6) sent as `text/csv`
    with a desk user's token: logged as tonight's and announced at once as `stage` events (the papers or
    the result follow); a stage sent again with the same figures is unchanged and announced once. Under
    `serve --confirm`, an editor's or a trusted feed's token only."""
    site = site_of(request)
    scheme, _, token = authorization.partition(" ")
    found = (
        await run_in_threadpool(by_token, site.engine, token.strip()) if scheme.lower() == "bearer" else None
    )
    if found is None:
        return JSONResponse({"error": "a desk token is needed"}, 401, headers={"WWW-Authenticate": "Bearer"})
    needed = Role.EDITOR if request.app.state.confirm and not found.trusted_feed else Role.REPORTER
    if not found.user.can(needed):
        return JSONResponse({"error": f"{found.user.name} may not announce stages"}, 403)
    try:
        events, report = await run_in_threadpool(site.read_out, await request.body(), found.user.name)
    except (InputError, StoreError) as error:
        return _refusal(error)
    return _taken(events, report)


def _refusal(error: InputError | StoreError) -> JSONResponse:
    """A posted body the log did not take: bad input (400, naming its row and field), or a store that
    cannot write now (503: try again)."""
    if isinstance(error, StoreError):
        return JSONResponse({"error": str(error)}, 503, headers={"Retry-After": "5"})
    said = InputError("request body", error.message, error.row, error.field)
    return JSONResponse({"error": str(said), "row": error.row, "field": error.field}, 400)


def _taken(events: list[Event], report: AppendReport) -> JSONResponse:
    """What the log took of a posted body, and the events it announced."""
    body = {"new": report.new, "revised": report.revised, "unchanged": report.unchanged}
    return JSONResponse({**body, "warnings": report.warnings, "events": [e.json() for e in events]})


def _hold(site: Site, body: bytes, entered_by: str) -> int:
    """A posted file checked and kept for an editor to confirm: the entry's id."""
    polls = site.check_text("ward", body).polls
    if not polls:
        raise InputError("request body", "no ward result in the file", 2, "ward")
    councils = list(dict.fromkeys(p.council.code for p in polls))
    wards = ", ".join(dict.fromkeys(f"{p.ward.name} ({p.council.name})" for p in polls))
    return entries.hold(site, body.decode("utf-8", "replace"), councils[0], wards, entered_by)
