"""The public pages: the night, a region, a council, a ward, a mayor or commissioner, and search.

Every page is rendered on the server from the current view and works without JavaScript; a small
script layered on top refreshes the part marked `data-live` when the server sends an event.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, Response

from tallyroom.copy.drafts import bullet, roundup
from tallyroom.copy.facts import CouncilFacts, RegionFacts, council_facts, region_facts
from tallyroom.copy.headlines import headline
from tallyroom.copy.newsroom import story_key
from tallyroom.copy.review import published
from tallyroom.live.night import stv_key
from tallyroom.results import PerOutcome
from tallyroom.rules.ballots import ballot_id
from tallyroom.rules.change import Baseline, Change, WardChange
from tallyroom.rules.counting import PollResult, count, system_of
from tallyroom.rules.model import Candidacy, DeclarationStatus, Poll, PollKind, VotingSystem, WardRef
from tallyroom.rules.outcome import CouncilOutcome, WardOutcome
from tallyroom.rules.parties import NOC, Party, slug
from tallyroom.rules.projection import METHOD as PROJECTION_METHOD
from tallyroom.rules.prospects import watch
from tallyroom.rules.stv import StvCount, parties_of
from tallyroom.serialise import control_name
from tallyroom.web import cards, charts
from tallyroom.web.caching import cached_response, site_of
from tallyroom.web.maps import council_maps, ward_map
from tallyroom.web.palette import Palette
from tallyroom.web.scoreboard import NightRow, scoreboard
from tallyroom.web.site import Site, Stamp, View
from tallyroom.web.stv_chart import stv_stages
from tallyroom.web.templating import figure, path_for, render, ward_key

router = APIRouter(include_in_schema=False)
HTML = "text/html; charset=utf-8"
T = TypeVar("T")
STATUS_WORDS = {
    DeclarationStatus.NOMINATED: "nominated",
    DeclarationStatus.POSTPONED: "postponed",
    DeclarationStatus.PROVISIONAL: "provisional figures",
    DeclarationStatus.RECOUNT: "recount",
}
"""How a poll still to declare stands, in words for a page."""


def change_words(gains: Iterable[tuple[str, str | None]], holds: Iterable[str]) -> str:
    """A ward's change in words, each kind once and counted: "Labour gain from Conservative; Conservative
    hold ×2" (gains as (party, party gained from or None), holds as parties)."""
    found = Counter(
        [f"{party} gain from {loser}" if loser else f"{party} gain" for party, loser in gains]
        + [f"{party} hold" for party in holds]
    )
    return "; ".join(f"{words} \u00d7{n}" if n > 1 else words for words, n in found.items())


def ward_change(change: WardChange) -> str:
    """`change_words` for a ward's change."""
    gains = [(g.party.name, g.from_party.name if g.from_party else None) for g in change.gains]
    return change_words(gains, [p.name for p in change.holds])


def declared_change(body: Mapping[str, Any]) -> str:
    """`change_words` for the gains in a declaration event's body."""
    return change_words([(g["party"], g["from"]) for g in body.get("gains") or ()], ())


@dataclass(frozen=True)
class PartyRow:
    """A party on a council's page. `changes` holds its change in seats against each of the outcome's
    baselines, in the outcome's order; `change` is against the first."""

    party: Party
    won: int
    composition: int | None
    changes: tuple[int, ...]

    @property
    def change(self) -> int | None:
        return self.changes[0] if self.changes else None


class Pages:
    """What pages need from a view, with each council's facts made once per outcome. `baked` pages are
    for a static folder (no desk, no search); `base_url` is the site's public address, if configured."""

    def __init__(self, site: Site, baked: bool = False, base_url: str | None = None) -> None:
        self.site, self.baked, self.base_url = site, baked, base_url
        self._facts = PerOutcome(lambda outcome: council_facts(outcome, self.party))

    def party(self, party_id: str) -> Party:
        return self.site.reference.parties.get(party_id)

    def control(self, control: str | None) -> str:
        return control_name(control, self.party) or "not known"

    def headline(self, outcome: CouncilOutcome) -> str:
        return headline(outcome, self.party)

    def facts(self, outcome: CouncilOutcome) -> CouncilFacts:
        return self._facts(outcome)

    def summary(self, outcomes: tuple[CouncilOutcome, ...], name: str) -> tuple[RegionFacts, list[NightRow]]:
        """Councils won and lost, and seats won with their change, by party."""
        region = region_facts(name, [self.facts(o) for o in outcomes])
        change = {s.party.id: s.seats for s in region.changes}
        gained = {p.id: len(found) for p, found in region.control_gains}
        lost = {p.id: len(found) for p, found in region.control_losses}
        won: dict[str, int] = {}
        controls: dict[str, int] = {}
        parties = {s.party.id: s.party for s in region.changes}
        for o in outcomes:
            for p, n in o.won.items():
                parties[p.id] = p
                won[p.id] = won.get(p.id, 0) + n
            if o.decided and o.control_after and o.control_after != NOC:
                controls[o.control_after] = controls.get(o.control_after, 0) + 1
                parties.setdefault(o.control_after, self.party(o.control_after))
        rows = [
            NightRow(
                p,
                controls.get(pid, 0),
                gained.get(pid, 0),
                lost.get(pid, 0),
                won.get(pid, 0),
                change.get(pid),
            )
            for pid, p in parties.items()
        ]
        rows.sort(key=lambda r: (-r.councils, -r.won, r.party.name))
        return region, rows

    def palette(self, parties: Iterable[Party], outcomes: Iterable[CouncilOutcome]) -> Palette:
        """The page's colours: `parties` in the order shown, then those in control of `outcomes`."""
        controls = [c for o in outcomes for c in (o.control_before, o.control_after) if c and c != NOC]
        return Palette([*parties, *map(self.party, controls)])

    def bullets(self, view: View, outcomes: tuple[CouncilOutcome, ...]) -> list[str]:
        """The live summary: a bullet for each council decided, latest call first."""
        called = {e.council.code: e.seq for e in view.events if e.type in {"call", "complete"}}
        done = sorted((o for o in outcomes if o.decided), key=lambda o: -called.get(o.council.code, 0))
        return [bullet(self.facts(o), self.headline(o)) for o in done]

    def seats(self, outcome: CouncilOutcome) -> tuple[list[tuple[Party, int]], int]:
        """The seats each party holds (the make-up, else the seats won tonight), and the seats there
        are, for the seat bar."""
        rows = self.party_rows(outcome)
        seats = [(r.party, r.composition if r.composition is not None else r.won) for r in rows]
        seats = [(p, n) for p, n in seats if n]
        total = max(outcome.total_seats or outcome.seats_up, sum(n for _, n in seats))  # over-full: flagged
        return seats, total

    def party_rows(self, outcome: CouncilOutcome) -> list[PartyRow]:
        parties = {
            p.id: p
            for p in (
                *(outcome.composition or {}),
                *outcome.won,
                *(p for c in outcome.changes for p in c.seats),
            )
        }
        rows = [
            PartyRow(
                p,
                outcome.won.get(p, 0),
                (outcome.composition or {}).get(p, 0) if outcome.composition is not None else None,
                tuple(c.seats.get(p, 0) for c in outcome.changes),
            )
            for p in parties.values()
        ]
        rows.sort(key=lambda r: (-(r.composition or 0), -r.won, r.party.name))
        return rows


BASELINE_HEADINGS = {
    Baseline.LAST_FOUGHT: "since {year}",
    Baseline.EVE_OF_POLL: "since the eve of poll",
    Baseline.NOTIONAL: "against notional {year}",
}


def baseline_heading(change: Change) -> str:
    """A change column's heading: "Since 2017", "Since the eve of poll"."""
    year = change.baseline_date.year if change.baseline_date else "the last election"
    return BASELINE_HEADINGS[change.baseline].format(year=year).capitalize()


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def searching_of(request: Request) -> Searching:
    searching: Searching = request.app.state.searching
    return searching


async def _page(
    request: Request, key: str, template: str, context: Any, stamp: Stamp | None = None
) -> Response:
    site, pages = site_of(request), pages_of(request)
    return await cached_response(
        request,
        key,
        HTML,
        lambda view: render(
            template,
            site=site,
            pages=pages,
            view=view,
            url=partial(path_for, request.app),
            **context(view, pages),
        ),
        stamp,
    )


async def _outcome(site: Site, code: str) -> CouncilOutcome:
    found = site.view.by_code.get(code) or await run_in_threadpool(site.outcome_of, code)
    if found is None:
        raise HTTPException(404, f"no council with code {code!r} has an election on {site.day:%-d %B %Y}")
    return found


def _council_path(request: Request) -> Callable[[str], str]:
    return lambda code: path_for(request.app, "council", code=code)


def _regions(site: Site, view: View) -> list[str]:
    return sorted({site.region_of(o.council.code) for o in view.outcomes} - {""})


@router.get("/", response_class=HTMLResponse)
async def night(request: Request) -> Response:
    site = site_of(request)

    def context(view: View, pages: Pages) -> dict[str, Any]:
        facts, rows = pages.summary(view.outcomes, "the night")
        palette = pages.palette((r.party for r in rows), view.outcomes)
        return {
            "title": f"Local elections, {site.day:%-d %B %Y}",
            "progress": view.progress["night"],
            "regions": [(r, view.progress["regions"].get(r)) for r in _regions(site, view)],
            "rows": rows,
            "palette": palette,
            "board": scoreboard(rows, view.outcomes),
            "facts": facts,
            "outcomes": view.outcomes,
            "latest": [
                (e, declared_change(e.body))
                for e in itertools.islice((e for e in reversed(view.events) if e.type == "declaration"), 10)
            ],
            "bullets": pages.bullets(view, view.outcomes)[:10],
            "maps": council_maps(view.outcomes, pages.party, _council_path(request), palette),
            "area_shares": site.shares.shares(view.outcomes),
            "projection": site.shares.projection(view.outcomes),
            "method": PROJECTION_METHOD,
            "watching": [watch(o) for o in view.outcomes],
            "live": "/live",
        }

    return await _page(request, "page:night", "night.html", context)


@router.get("/region/{region_slug}", response_class=HTMLResponse)
async def region(request: Request, region_slug: str) -> Response:
    site = site_of(request)
    names = {slug(r): r for r in _regions(site, site.view)}
    if region_slug not in names:
        raise HTTPException(404, "no such region tonight")
    name = names[region_slug]

    def context(view: View, pages: Pages) -> dict[str, Any]:
        outcomes = tuple(o for o in view.outcomes if site.region_of(o.council.code) == name)
        facts, rows = pages.summary(outcomes, name)
        palette = pages.palette((r.party for r in rows), outcomes)
        return {
            "title": f"{name}: local elections, {site.day:%-d %B %Y}",
            "region": name,
            "progress": view.progress["regions"].get(name),
            "rows": rows,
            "palette": palette,
            "board": scoreboard(rows, outcomes),
            "facts": facts,
            "roundup": roundup(facts) if facts.councils else "",
            "outcomes": outcomes,
            "bullets": pages.bullets(view, outcomes),
            "maps": council_maps(
                outcomes, pages.party, _council_path(request), palette, lambda c: site.region_of(c) == name
            ),
            "area_shares": site.shares.shares(outcomes),
            "live": "/live",
        }

    return await _page(request, f"page:region:{region_slug}", "region.html", context)


@router.get("/council/{code}", response_class=HTMLResponse)
async def council(request: Request, code: str) -> Response:
    site = site_of(request)
    await _outcome(site, code)

    def context(view: View, pages: Pages) -> dict[str, Any]:
        outcome = view.by_code[code]
        rows = pages.party_rows(outcome)
        baselines = [baseline_heading(c) for c in outcome.changes]
        seats, total = pages.seats(outcome)
        story = published(site.engine, story_key(outcome))
        palette = pages.palette((r.party for r in rows), [outcome])
        empty = charts.Empty.UNDECLARED if outcome.seats_declared < outcome.seats_up else charts.Empty.VACANT
        return {
            "title": f"{outcome.council.name}: local election results {site.day:%Y}",
            "outcome": outcome,
            "headline": pages.headline(outcome),
            "rows": rows,
            "baselines": baselines,
            "palette": palette,
            "seat_bar": charts.seat_bar(
                seats,
                total,
                outcome.majority_threshold,
                outcome.seats_declared,
                title="Make-up of the council" if outcome.composition is not None else "Seats won",
                palette=palette,
                empty=empty,
            ),
            "hemicycle": charts.hemicycle(
                seats, total, title="The council chamber", palette=palette, empty=empty
            )
            if outcome.composition is not None
            else None,
            "change_bars": charts.change_bars(
                [(r.party, r.change) for r in rows if r.change], title="Change in seats", palette=palette
            ),
            "wards": [
                (w, ward_change(w.change) if w.change else "", _decided_by(w.result, view))
                for w in sorted(outcome.wards, key=lambda w: w.result.poll.ward.name)
            ],
            "decided_heading": _decided_heading(outcome),
            "pending": sorted(outcome.pending, key=lambda p: p.ward.name),
            "standing": STATUS_WORDS,
            "story": story,
            "maps": ward_map(
                outcome, lambda w: path_for(request.app, "ward", code=code, key=ward_key(w)), palette
            ),
            "area_shares": site.shares.shares([outcome]),
            "social": cards.social(
                request,
                outcome.council.name,
                pages.headline(outcome),
                path_for(request.app, "council", code=code),
                path_for(request.app, "council_card", code=code),
            ),
            "live": f"/live?council={code}",
        }

    return await _page(
        request, f"page:council:{code}", "council.html", context, lambda view: view.council_stamp(code)
    )


@router.get("/council/{code}/ward/{key}", response_class=HTMLResponse)
async def ward(request: Request, code: str, key: str) -> Response:
    site = site_of(request)
    outcome = await _outcome(site, code)
    pending = [w for w in site.view.pending.get(code, ()) if ward_key(w) == key]
    if not pending and not any(ward_key(w.result.poll.ward) == key for w in outcome.wards):
        raise HTTPException(404, f"no ward {key!r} in {outcome.council.name} tonight")

    def context(view: View, pages: Pages) -> dict[str, Any]:
        outcome = view.by_code[code]
        here = sorted(
            (w for w in outcome.wards if ward_key(w.result.poll.ward) == key),
            key=lambda w: w.result.poll.kind is not PollKind.ORDINARY,
        )
        found, by_elections = (here[0], here[1:]) if here else (None, [])
        standing = next((p for p in outcome.pending if ward_key(p.ward) == key), None)
        name = found.result.poll.ward.name if found else pending[0].name
        stv = view.counts.get(stv_key(found.result.poll)) if found else None
        return {
            "title": f"{name}, {outcome.council.name}: result",
            "outcome": outcome,
            "name": name,
            "ward": found,
            "by_elections": by_elections,
            "standing": standing,
            "status_words": STATUS_WORDS,
            "shares": _shares(found, stv) if found else None,
            "change": ward_change(found.change) if found and found.change else "",
            "previous": _previous(found) if found else [],
            "social": cards.social(
                request,
                f"{name}, {outcome.council.name}",
                cards.ward_line(found),
                path_for(request.app, "ward", code=code, key=key),
                path_for(request.app, "ward_card", code=code, key=key),
            ),
            "live": f"/live?council={code}",
            "stv": stv,
            "stv_chart": _stv_chart(stv, found) if found and stv else None,
        }

    return await _page(
        request, f"page:ward:{code}:{key}", "ward.html", context, lambda view: view.council_stamp(code)
    )


def _decided_by(result: PollResult, view: View) -> str:
    """What decided a ward, for the council's table of wards: its majority; under STV, where first
    preferences alone decide nothing, the quota and the stage that filled the last seat."""
    if system_of(result.poll) is not VotingSystem.STV:
        return figure(result.majority)
    stv = view.counts.get(stv_key(result.poll))
    if stv is None:
        return "STV" if result.contested else ""
    return f"STV: quota {stv.quota:,}, last seat at stage {stv.last_seat_filled}"


def _decided_heading(outcome: CouncilOutcome) -> str:
    """The heading of that column: "Majority", or "Count" for a council elected by STV."""
    stv = {system_of(w.result.poll) is VotingSystem.STV for w in outcome.wards}
    return "Majority or count" if stv == {True, False} else "Count" if stv == {True} else "Majority"


def ward_palette(ward: WardOutcome) -> Palette:
    """The colours of a ward page: its candidates' parties, most votes first."""
    return Palette(c.party for c in ward.result.ranked)


def _stv_chart(count: StvCount, ward: WardOutcome) -> charts.Chart:
    parties = parties_of(count, ward.result.poll.candidacies)
    return stv_stages(count, parties, palette=ward_palette(ward))


def _shares(ward: WardOutcome, stv: StvCount | None) -> charts.Chart:
    result = ward.result
    return charts.vote_shares(
        [(c.name, c.party, c.votes, c in result.elected) for c in result.ranked],
        title="First preferences" if stv else "Votes cast",
        palette=ward_palette(ward),
    )


def _previous(ward: WardOutcome) -> list[PollResult]:
    """The polls the ward's seats were last fought in, counted."""
    polls: dict[str, Poll] = {}
    for holder in ward.baseline or ():
        if holder.poll is not None:
            polls.setdefault(ballot_id(holder.poll), holder.poll)
    return [count(p) for p in sorted(polls.values(), key=lambda p: p.election_date)]


@router.get("/executive/{ballot}", response_class=HTMLResponse)
async def executive(request: Request, ballot: str) -> Response:
    site = site_of(request)
    if not any(ballot_id(r.poll) == ballot for r in site.view.executive):
        raise HTTPException(404, "no such mayoral or police and crime commissioner election tonight")

    def context(view: View, _pages: Pages) -> dict[str, Any]:
        result = next(r for r in view.executive if ballot_id(r.poll) == ballot)
        office = "Mayor" if result.poll.election_type.value == "mayor" else "Police and crime commissioner"
        return {
            "title": f"{office}: {result.poll.ward.name}",
            "office": office,
            "result": result,
            "live": "/live",
        }

    return await _page(request, f"page:executive:{ballot}", "executive.html", context)


MAX_QUERY, MAX_WORDS = 100, 8
"""The longest search answered, in characters and in words."""

_WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


class SearchIndex(Generic[T]):
    """Places found by the starts of the words of their names: each word maps to the places whose names
    hold it, and the words are kept sorted, so those starting with what was typed are found by
    bisection. Places keep the order they were given in."""

    def __init__(self, places: Iterable[tuple[T, str]]) -> None:
        self.places: list[T] = []
        holding: dict[str, set[int]] = {}
        for i, (place, name) in enumerate(places):
            self.places.append(place)
            for word in words_of(name):
                holding.setdefault(word, set()).add(i)
        self.words = sorted(holding)
        self.holding = holding

    def find(self, words: list[str], limit: int) -> list[T]:
        """The first `limit` places with, for every one of `words`, a word of their name starting so
        (none for no words)."""
        found: set[int] | None = None
        for typed in words:
            matching: set[int] = set()
            for word in itertools.islice(self.words, bisect.bisect_left(self.words, typed), None):
                if not word.startswith(typed):
                    break
                matching |= self.holding[word]
            found = matching if found is None else found & matching
            if not found:
                return []
        return [self.places[i] for i in sorted(found or ())[:limit]]


@dataclass(frozen=True)
class Searchable:
    """A view's councils, wards and candidates, indexed once per view (a ward by its name and its
    council's, a candidate by their name)."""

    councils: SearchIndex[CouncilOutcome]
    wards: SearchIndex[tuple[CouncilOutcome, WardRef]]
    candidates: SearchIndex[tuple[CouncilOutcome, WardRef, Candidacy]]


class Searching:
    """The search index of the current view, made once per view, by the first search after a change."""

    def __init__(self) -> None:
        self._made: tuple[int, Searchable] | None = None
        self._making = threading.Lock()

    def index(self, view: View) -> Searchable:
        made = self._made
        if made is None or made[0] != view.version:
            with self._making:
                made = self._made
                if made is None or made[0] != view.version:
                    made = self._made = (view.version, searchable(view))
        return made[1]


def searchable(view: View) -> Searchable:
    wards = [
        (o, ref)
        for o in view.outcomes
        for ref in [w.result.poll.ward for w in o.wards] + list(view.pending.get(o.council.code, ()))
    ]
    wards.sort(key=lambda cw: (cw[1].name, cw[0].council.name))
    standing = [
        (o, poll.ward, c)
        for o in view.outcomes
        for poll in [w.result.poll for w in o.wards] + list(o.pending)
        for c in poll.candidacies
    ]
    standing.sort(key=lambda oc: (oc[2].name, oc[1].name, oc[0].council.name))
    return Searchable(
        SearchIndex((o, o.council.name) for o in view.outcomes),
        SearchIndex(((o, ref), f"{ref.name} {o.council.name}") for o, ref in wards),
        SearchIndex(((o, ref, c), c.name) for o, ref, c in standing),
    )


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, q: str = "") -> Response:
    """Councils, wards and candidates with, for every word asked for, a word of their name that starts
    with it.
    Looked up in an index made once per view; the answer is not cached, as it varies by query."""
    site = site_of(request)
    words = words_of(q)
    if len(q) > MAX_QUERY or len(words) > MAX_WORDS:
        raise HTTPException(400, f"a search can be at most {MAX_QUERY} characters and {MAX_WORDS} words")
    index = searching_of(request).index(site.view)
    body = render(
        "search.html",
        url=partial(path_for, request.app),
        site=site,
        pages=pages_of(request),
        view=site.view,
        title=f"Search: {q}" if q else "Search",
        q=q,
        councils=index.councils.find(words, 50),
        wards=index.wards.find(words, 100),
        candidates=index.candidates.find(words, 100),
        live=None,
    )
    return HTMLResponse(body, headers={"Cache-Control": "no-cache"})
