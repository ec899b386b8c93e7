"""From the log to outcomes: gathers what the rules need for each council on a day and computes it.

Every outcome is derived from the log on demand; nothing computed is stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Generic, TypeVar

from sqlalchemy import Engine

from tallyroom.cycles import cycles_left_alone
from tallyroom.published import baselines_for
from tallyroom.reference import Reference
from tallyroom.rules.change import most_common_date
from tallyroom.rules.control import ControlSettings
from tallyroom.rules.counting import PollResult, count
from tallyroom.rules.history import history
from tallyroom.rules.model import (
    CompositionSnapshot,
    CouncilRef,
    CouncilResult,
    DeclarationStatus,
    ElectionType,
    EveOfPoll,
    Poll,
    PollKind,
)
from tallyroom.rules.outcome import CouncilElection, CouncilOutcome, WardOutcome, compute
from tallyroom.rules.parties import Party, slug
from tallyroom.rules.projection import KeyWard, Projection, Tally, key_ward
from tallyroom.rules.roster import roll_forward
from tallyroom.rules.shares import (
    Earlier,
    ShareMethod,
    ShareSums,
    ShareSwing,
    ShareTable,
    share_sums,
    share_table,
    swing,
    table_of,
)
from tallyroom.store import queries

T = TypeVar("T")


@dataclass(frozen=True)
class DayResults:
    """Every council outcome on a day (a council with only by-elections that day among them), and the
    mayoral and commissioner polls."""

    election_date: date
    councils: list[CouncilOutcome]
    executive: list[PollResult]


@dataclass(frozen=True)
class Day:
    """What the log holds for one polling day, sorted for the rules: each council's declared polls and
    its polls still open (on the card, or counting), by-elections among them, the councils whose card is
    loaded, the mayors and commissioners, and for the councils the earlier polls, councillor rolls and
    control records their outcomes need."""

    council_polls: dict[str, list[Poll]]
    open_polls: dict[str, list[Poll]]
    cards: set[str]
    council_results: dict[str, CouncilResult]
    executive: list[Poll]
    earlier: dict[str, list[Poll]]
    snapshots: dict[str, CompositionSnapshot]
    control: dict[str, str]
    eves: dict[str, EveOfPoll]


def load_day(engine: Engine, reference: Reference, on: date, councils: Collection[str] | None = None) -> Day:
    """The day as the log holds it; of only the `councils` named, when given (with no mayors or
    commissioners then)."""
    parties = reference.parties
    today = queries.load_polls(engine, parties, on=on, councils=councils, current=True)
    if councils is not None:
        today = [p for p in today if p.election_type is ElectionType.LOCAL]
    council_results = _only(queries.council_results(engine, parties, on), councils)
    local = [p for p in today if p.election_type is ElectionType.LOCAL]
    codes = {p.council.code for p in local} | set(council_results)
    history = queries.load_polls(engine, parties, before=on, councils=codes) if codes else []
    by_council: dict[str, list[Poll]] = defaultdict(list)
    still_open: dict[str, list[Poll]] = defaultdict(list)
    for poll in local:
        declared = poll.status is DeclarationStatus.DECLARED
        (by_council if declared else still_open)[poll.council.code].append(poll)
    earlier: dict[str, list[Poll]] = defaultdict(list)
    for poll in history:
        if poll.election_type is ElectionType.LOCAL:
            earlier[poll.council.code].append(poll)
    return Day(
        council_polls=dict(by_council),
        open_polls=dict(still_open),
        cards=queries.card_councils(engine, on),
        council_results=council_results,
        executive=[
            p
            for p in today
            if p.election_type is not ElectionType.LOCAL and p.status is DeclarationStatus.DECLARED
        ],
        earlier=dict(earlier),
        snapshots=_only(queries.snapshots_before(engine, parties, on), councils),
        control=_only(queries.control_records(engine, on), councils),
        eves=_only(queries.eves(engine, parties, on), councils),
    )


def _only(by_council: dict[str, T], councils: Collection[str] | None) -> dict[str, T]:
    return by_council if councils is None else {c: v for c, v in by_council.items() if c in councils}


def outcomes(
    engine: Engine,
    reference: Reference,
    on: date,
    settings: ControlSettings | None = None,
    councils: Collection[str] | None = None,
) -> DayResults:
    """Every council outcome on a day, or those of the `councils` named. The cycle collector is paused
    while they are read and worked out: the polls decoded and the outcomes make many objects and next
    to no cycles, and a collection of every object would otherwise come in the middle (a national
    night's outcomes read afresh in a new process 278-283 to 219-233 ms)."""
    with cycles_left_alone():
        day = load_day(engine, reference, on, councils)
        found = []
        for code in sorted(_councils_of(day), key=lambda c: _name(c, day)):
            election = council_election(
                reference,
                _council(code, day),
                on,
                day.council_polls.get(code, []),
                day.earlier.get(code, []),
                pending=tuple(day.open_polls.get(code, ())),
                card=code in day.cards,
                snapshot=day.snapshots.get(code),
                control_before=day.control.get(code),
                eve=day.eves.get(code),
                council_result=day.council_results.get(code),
                settings=settings,
            )
            found.append(compute(election))
        return DayResults(on, found, [count(p) for p in day.executive])


def _councils_of(day: Day) -> set[str]:
    """The councils with anything on the day: polls declared or open, a council result, an eve of poll."""
    return set(day.council_polls) | set(day.open_polls) | set(day.council_results) | set(day.eves)


def find_council(
    found: Iterable[CouncilOutcome], reference: Reference, name_or_code: str, on: date
) -> CouncilOutcome | None:
    """The outcome of the council with this code or any of its names (as the register knows them)."""
    known = reference.councils.find(name_or_code, on)
    wanted = {name_or_code.casefold(), *((known.code.casefold(), known.name.casefold()) if known else ())}
    return next((o for o in found if {o.council.code.casefold(), o.council.name.casefold()} & wanted), None)


def in_region(found: Iterable[CouncilOutcome], reference: Reference, region: str) -> list[CouncilOutcome]:
    wanted = region.casefold()
    return [
        o for o in found if (c := reference.councils.get(o.council.code)) and c.region.casefold() == wanted
    ]


def _council(code: str, day: Day) -> CouncilRef:
    polls = day.council_polls.get(code) or day.open_polls.get(code)
    if polls:
        return polls[0].council
    return day.council_results[code].council if code in day.council_results else day.eves[code].council


def _name(code: str, day: Day) -> str:
    return _council(code, day).name


def council_election(
    reference: Reference,
    council: CouncilRef,
    on: date,
    declared: list[Poll],
    earlier: list[Poll],
    *,
    pending: tuple[Poll, ...] = (),
    card: bool = False,
    snapshot: CompositionSnapshot | None = None,
    control_before: str | None = None,
    eve: EveOfPoll | None = None,
    council_result: CouncilResult | None = None,
    settings: ControlSettings | None = None,
) -> CouncilElection:
    """Everything the rules need for one council's election: its declared and pending polls, its
    earlier polls (rolled into a roster, read against the register), and what else is known of the eve
    of poll. A councillor roll older than the council's last election in the store is not the eve of
    poll, and is left out."""
    settings = settings or ControlSettings()
    register = reference.councils
    past = history(council.code, on, earlier, register)
    if snapshot is not None and past.rounds and snapshot.taken < past.rounds[-1].election_date:
        snapshot = None
    return CouncilElection(
        council=council,
        election_date=on,
        cycle=register.cycle(council.code, on),
        total_seats=council_result.total_seats
        if council_result is not None
        else register.total_seats(council.code, on),
        results=tuple(count(p) for p in declared),
        pending=pending,
        card=card,
        seats_up_expected=register.seats_up(council.code, on),
        roster=roll_forward(past.rounds, on),
        missing_rounds=past.missing,
        snapshot=snapshot,
        roll_seats=register.total_seats(council.code, snapshot.taken) if snapshot else None,
        control_before=control_before,
        eve=eve,
        council_result=council_result,
        new_council=register.is_new(council.code, on) or (eve is not None and eve.new_council),
        settings=settings,
        past_control=past.control_after(settings),
    )


@lru_cache(maxsize=4)
def earlier_polls(engine: Engine, reference: Reference, on: date) -> Earlier:
    """Every poll in the store before `on`, indexed to find the poll each ward was last fought in. Read
    once a night: the results of earlier years do not change on the night."""
    return Earlier(queries.load_polls(engine, reference.parties, before=on))


def share_pairs(
    found: Iterable[CouncilOutcome],
    earlier: Earlier,
    reference: Reference,
    council: str | None = None,
    region: str | None = None,
    ward: str | None = None,
) -> list[tuple[Poll, Poll | None]]:
    """The declared ordinary polls of the outcomes (of one council by code, one region, wards of one
    name), each with the poll its seats were last fought in, if the store has it: what shares, share
    change and the projection are worked out from."""
    pairs: list[tuple[Poll, Poll | None]] = []
    for outcome in found:
        known = reference.councils.get(outcome.council.code)
        if council is not None and outcome.council.code != council:
            continue
        if region is not None and (known is None or known.region.casefold() != region.casefold()):
            continue
        pairs += [
            (w.result.poll, _last_fought(w, earlier))
            for w in outcome.wards
            if w.result.poll.kind is PollKind.ORDINARY
            and (ward is None or slug(w.result.poll.ward.name) == slug(ward))
        ]
    return pairs


def _last_fought(ward: WardOutcome, earlier: Earlier) -> Poll | None:
    """The poll that elected the councillors a ward's poll replaces, where the roster has them all from
    one poll (it knows terms served late: the seats of 2020 fought in 2021 are up in 2024); else the
    ward's latest poll a full term before (`Earlier.last_fought`)."""
    polls = {id(h.poll): h.poll for h in ward.baseline or () if h.poll is not None}
    return next(iter(polls.values())) if len(polls) == 1 else earlier.last_fought(ward.result.poll)


@dataclass(frozen=True)
class AreaShares:
    """Shares by both methods (top vote first) and swings for a ward, a council, a region or the night."""

    area: str
    tables: tuple[ShareTable, ...]
    swings: tuple[ShareSwing, ...]


def area_shares(
    pairs: list[tuple[Poll, Poll | None]], area: str, between: Sequence[tuple[Party, Party]] = ()
) -> AreaShares:
    """The shares of `pairs`, and the swing between each pair of parties in `between`; by default
    between the first two parties by top-vote share."""
    return shares_of(tuple(share_table(pairs, method) for method in ShareMethod), area, between)


def shares_of(
    tables: tuple[ShareTable, ...], area: str, between: Sequence[tuple[Party, Party]] = ()
) -> AreaShares:
    """An area's shares from its tables (top vote first), with the swings `area_shares` gives."""
    if not between:
        first = [p.party for p in tables[0].parties if not p.party.independent][:2]
        between = [(first[0], first[1])] if len(first) == 2 else []
    return AreaShares(area, tables, tuple(swing(tables[0], to, away) for to, away in between))


@dataclass(frozen=True)
class NightProjection:
    """A day's projection, and where each baseline year's shares came from: `published`, or this
    projection of that year (for a year without a published figure)."""

    election_date: date
    projection: Projection
    baselines: dict[int, tuple[str, dict[str, float]]]
    names: dict[str, str]
    """Party names by id, as the polls name them."""


Pair = tuple[Poll, Poll | None]


class PerOutcome(Generic[T]):
    """`make(outcome)` kept for each council, and made again only once the night has computed the
    council's outcome anew (a new object): what a page or document takes from every council then costs
    a declaration its own council, not the night."""

    def __init__(self, make: Callable[[CouncilOutcome], T]) -> None:
        self._make = make
        self._made: dict[str, tuple[CouncilOutcome, T]] = {}

    def __call__(self, outcome: CouncilOutcome) -> T:
        made = self._made.get(outcome.council.code)
        if made is None or made[0] is not outcome:
            made = self._made[outcome.council.code] = (outcome, self._make(outcome))
        return made[1]


@dataclass(frozen=True)
class _CouncilShares:
    """What one outcome of a council gives the night's shares and projection."""

    pairs: list[Pair]
    key_wards: list[KeyWard]
    sums: dict[ShareMethod, ShareSums]


class NightShares:
    """Shares, swing and the projection of one night, worked out a council at a time: each council's
    wards are paired with the polls they were last fought in, summed by party and made key wards, once
    per outcome (`PerOutcome`)."""

    def __init__(self, engine: Engine, reference: Reference, on: date) -> None:
        self.engine, self.reference, self.on = engine, reference, on
        self._council = PerOutcome(self._shares_of)

    def earlier(self) -> Earlier:
        return earlier_polls(self.engine, self.reference, self.on)

    def _shares_of(self, outcome: CouncilOutcome) -> _CouncilShares:
        pairs = share_pairs([outcome], self.earlier(), self.reference)
        wards = [w for now, last in pairs if (w := key_ward(now, last)) is not None]
        return _CouncilShares(pairs, wards, {method: share_sums(pairs, method) for method in ShareMethod})

    def pairs(self, found: Iterable[CouncilOutcome]) -> list[Pair]:
        return [pair for outcome in found for pair in self._council(outcome).pairs]

    def shares(self, found: Iterable[CouncilOutcome]) -> AreaShares:
        """The shares and swing of the outcomes' declared wards, for a page."""
        made = [self._council(outcome) for outcome in found]
        return shares_of(tuple(table_of(m, [c.sums[m] for c in made]) for m in ShareMethod), "")

    def projection(self, found: Iterable[CouncilOutcome]) -> NightProjection:
        """The projected national share from the key wards of the outcomes `found` (`rules.projection`).
        A baseline year with no published figure is projected in turn from its own results in the store."""
        found = list(found)
        tally = Tally()
        for outcome in found:
            for ward in self._council(outcome).key_wards:
                tally.add(ward)
        pairs = self.pairs(found)
        baselines = {y: ("published", shares) for y, shares in baselines_for(self.on.year).items()}
        names = {p: self.reference.parties.get(p).name for _, shares in baselines.values() for p in shares}
        names |= {c.party.id: c.party.name for now, _ in pairs for c in now.candidacies}
        projected = tally.projection({y: shares for y, (_, shares) in baselines.items()})
        for year in projected.missing_baselines:
            days = [last.election_date for _, last in pairs if last and last.election_date.year == year]
            day = most_common_date(days)
            if day is not None:
                earlier = _past_projection(self.engine, self.reference, day)
                if earlier.projection.wards_used:
                    baselines[year] = ("projected", earlier.projection.shares)
                    names = earlier.names | names
        if projected.missing_baselines:
            projected = tally.projection({y: shares for y, (_, shares) in baselines.items()})
        used = {y: baselines[y] for y in projected.baseline_years}
        return NightProjection(self.on, projected, used, names)


def projection(engine: Engine, reference: Reference, on: date) -> NightProjection:
    """The day's projection, from its outcomes worked out afresh."""
    return NightShares(engine, reference, on).projection(outcomes(engine, reference, on).councils)


@lru_cache(maxsize=4)
def _past_projection(engine: Engine, reference: Reference, on: date) -> NightProjection:
    """A past night's projection, the baseline of a later one: worked out once."""
    return projection(engine, reference, on)
