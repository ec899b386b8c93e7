"""The facts copy is drawn from: what an outcome says, put as a journalist needs it.

Templates see only these facts, and every number and party a piece of copy names comes from them; the
tests check that by reading the copy back against `numbers` and `parties`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from tallyroom.copy.names import person, proper_form, ward_name
from tallyroom.copy.nations import in_house_style
from tallyroom.copy.style import headline_party
from tallyroom.copy.transfers import MAX_NAMED, Transfer, council_transfers
from tallyroom.rules.change import Baseline
from tallyroom.rules.control import Outcome
from tallyroom.rules.model import BallotFigures
from tallyroom.rules.outcome import CarryOver, ControlBefore, CouncilOutcome, WardOutcome
from tallyroom.rules.parties import NOC, Party
from tallyroom.rules.stv import StvCount


@dataclass(frozen=True)
class Seats:
    party: Party
    seats: int


@dataclass(frozen=True)
class WardFact:
    """A ward (by its name as copy writes it) and a party's seat there. For a gain, `whole` says the
    party now holds every seat of the ward and `from_party` none: only then did it "take" the ward."""

    ward: str
    party: Party
    from_party: Party | None = None
    majority: int | None = None
    runner_up: Party | None = None
    whole: bool = True
    swing: float = 0.0


@dataclass(frozen=True)
class GainGroup:
    """The wards one party took from another, for "X took A, B and C from Y", and the wards where it
    took some seats only (`part`, with how many), for "and a seat in D"."""

    party: Party
    from_party: Party
    wards: tuple[str, ...]
    part: tuple[tuple[str, int], ...] = ()
    seats: int = 0
    """The seats taken, in all its wards."""

    @property
    def named(self) -> tuple[str, ...]:
        return (*self.wards, *(ward for ward, _ in self.part))


class Listing(StrEnum):
    """How a list in copy relates to its count: every item named, or the most newsworthy "including"."""

    ALL = "all"
    INCLUDING = "including"


MAX_NAMED_WARDS = 20
"""Wards changing hands a story names one by one; beyond that it names the `NAMED_OF_MANY_WARDS`
gains with the biggest swing to the winner, as "those with the biggest swings"."""

NAMED_OF_MANY_WARDS = 6

MAX_NAMED_DEFEATS = 3
"""Sitting councillors who lost that a story names one by one; beyond that it names the
`MAX_NAMED_DEFEATS` who polled most votes, as "those who polled most"."""


@dataclass(frozen=True)
class Defeat:
    """A sitting councillor who stood again and lost."""

    name: str
    party: Party
    ward: str
    votes: int = 0


@dataclass(frozen=True)
class SwingFact:
    ward: str
    to: Party
    away: Party
    points: float


@dataclass(frozen=True)
class CouncilFacts:
    council: str
    code: str
    election_date: date
    total_seats: int
    seats_up: int
    seats_declared: int
    threshold: int
    complete: bool
    decided: bool
    all_out: bool
    outcome: str | None
    winner: Party | None
    winner_seats: int
    before: Party | None
    noc_before: bool
    noc_after: bool
    composition: tuple[Seats, ...]
    won: tuple[Seats, ...]
    changes: tuple[Seats, ...]
    baseline_year: int | None
    biggest_winner: Seats | None
    biggest_loser: Seats | None
    gains: tuple[WardFact, ...]
    closest: tuple[WardFact, ...]
    uncontested: tuple[WardFact, ...]
    ties: tuple[WardFact, ...]
    turnout: float | None
    biggest_swing: SwingFact | None = None
    defeated: tuple[Defeat, ...] = ()
    turnout_before: float | None = None
    past: tuple[tuple[int, Party | None], ...] = ()
    """Who controlled the council after each earlier full election in the store (None: no majority)."""
    before_judged: int | None = None
    """The year of the election control before is judged against, when no record of control on the eve
    of poll or councillor roll says who held it then."""
    wards: tuple[str, ...] = ()
    """Every declared ward, by its name as copy writes it."""
    by_elections_only: bool = False
    """The council's only polls of the day are by-elections."""
    eve_changes: tuple[Seats, ...] = ()
    """The change in seats since the eve of poll, where the council has it as well as the change since
    the seats were last fought (`changes`)."""
    transfers: tuple[Transfer, ...] = ()
    """The seats of STV counts that transfers decided, from furthest behind on first preferences."""
    compared: tuple[int, int] | None = None
    """How many of how many seats declared the change since they were last fought covers, where it
    leaves some out (a ward with no earlier result to compare)."""

    @property
    def transfers_named(self) -> tuple[Transfer, ...]:
        return self.transfers[:MAX_NAMED]

    @property
    def first_majority(self) -> bool:
        """The winner held no majority after any of the earlier full elections the store holds."""
        return self.winner is not None and len(self.past) > 1 and all(p != self.winner for _, p in self.past)

    @property
    def gains_listed(self) -> Listing:
        return Listing.ALL if self.wards_changing_hands <= MAX_NAMED_WARDS else Listing.INCLUDING

    @property
    def gain_groups(self) -> tuple[GainGroup, ...]:
        """The gains the story names, grouped by who took them from whom, the largest group first: all of
        them, or the `NAMED_OF_MANY_WARDS` wards with the biggest swing to the winner."""
        ranked = list(dict.fromkeys(g.ward for g in sorted(self.gains, key=lambda g: -g.swing)))
        named = set(ranked if self.gains_listed is Listing.ALL else ranked[:NAMED_OF_MANY_WARDS])
        seats: dict[tuple[Party, Party, str], int] = {}
        whole = {(g.party.id, g.ward): g.whole for g in self.gains}
        for g in self.gains:
            if g.from_party is not None and g.ward in named:
                seats[g.party, g.from_party, g.ward] = seats.get((g.party, g.from_party, g.ward), 0) + 1
        groups: dict[tuple[str, str], GainGroup] = {}
        for (party, from_party, ward), taken in seats.items():
            found = groups.get((party.id, from_party.id)) or GainGroup(party, from_party, ())
            if whole[party.id, ward]:
                found = replace(found, wards=(*found.wards, ward), seats=found.seats + taken)
            else:
                found = replace(found, part=(*found.part, (ward, taken)), seats=found.seats + taken)
            groups[party.id, from_party.id] = found
        return tuple(sorted(groups.values(), key=lambda group: -len(group.named)))

    @property
    def wards_changing_hands(self) -> int:
        return len({g.ward for g in self.gains})

    @property
    def defeats_listed(self) -> Listing:
        return Listing.ALL if len(self.defeated) <= MAX_NAMED_DEFEATS else Listing.INCLUDING

    @property
    def defeats_named(self) -> tuple[Defeat, ...]:
        """The sitting councillors who lost that the story names: all, or those who polled most."""
        if self.defeats_listed is Listing.ALL:
            return self.defeated
        return tuple(sorted(self.defeated, key=lambda d: -d.votes)[:MAX_NAMED_DEFEATS])

    @property
    def numbers(self) -> set[int]:
        """Every number the copy may state."""
        found = {self.total_seats, self.seats_up, self.seats_declared, self.threshold, self.winner_seats}
        found |= {s.seats for s in (*self.composition, *self.won)}
        found |= {abs(s.seats) for s in (*self.changes, *self.eve_changes)}
        found |= {w.majority for w in (*self.closest, *self.ties) if w.majority is not None}
        found |= {len(self.gains), len(self.uncontested), self.wards_changing_hands, len(self.defeated)}
        found |= {len(group.wards) for group in self.gain_groups}
        if self.composition:
            found.add(self.threshold - self.composition[0].seats)
        if self.baseline_year:
            found.add(self.baseline_year)
        if self.compared is not None:
            found |= set(self.compared)
        found |= {year for year, _ in self.past} | {len(self.past)}
        if self.before_judged:
            found.add(self.before_judged)
        if self.winner is not None and self.threshold:
            found.add(self.winner_seats - self.threshold)
        found.add(self.election_date.year)
        found |= {t.stage for t in self.transfers_named} | {len(self.transfers), len(self.transfers_named)}
        return found

    @property
    def parties(self) -> set[str]:
        """Every party the copy may name, in any of the register's forms, and its plural with no article
        as a headline, or a sentence's start ("The Scottish Conservatives are ..."), names it."""
        return {
            form
            for p in self.named_parties
            for form in (p.name, p.plural, headline_party(p), p.short, proper_form(p.name))
        }

    @property
    def named_parties(self) -> list[Party]:
        """Every party the copy may name."""
        named = [s.party for s in (*self.composition, *self.won, *self.changes, *self.eve_changes)]
        named += [w.party for w in (*self.gains, *self.closest, *self.uncontested, *self.ties)]
        named += [w.from_party for w in self.gains if w.from_party]
        named += [w.runner_up for w in self.closest if w.runner_up]
        named += [p for p in (self.winner, self.before) if p]
        named += [d.party for d in self.defeated]
        named += [t.party for t in self.transfers] + [p for t in self.transfers for _, p in t.overtaken]
        named += [p for _, p in self.past if p]
        if self.biggest_swing:
            named += [self.biggest_swing.to, self.biggest_swing.away]
        return named


def council_facts(
    outcome: CouncilOutcome, party: Any, stv: Mapping[tuple[str, str], StvCount] | None = None
) -> CouncilFacts:
    """`party` looks a party up by id (the register's `get`); `stv` holds the council's STV counts by
    ward (code, else name) and kind (`store.queries.stv_counts`): in a ward counted by STV the first
    preferences decide no "closest contest", and the seats transfers decided are told instead."""
    stv = stv or {}
    composition = house_order(Seats(p, n) for p, n in (outcome.composition or {}).items())
    changes = tuple(Seats(p, n) for p, n in (outcome.change.seats.items() if outcome.change else ()))
    eve = [c for c in outcome.changes[1:] if c.baseline is Baseline.EVE_OF_POLL]
    eve_changes = tuple(Seats(p, n) for p, n in eve[0].seats.items()) if eve else ()
    winner = party(outcome.control_after) if outcome.control_after not in (None, NOC) else None
    before = party(outcome.control_before) if outcome.control_before not in (None, NOC) else None
    gains = []
    closest = []
    uncontested = []
    ties = []
    names = {id(ward): _ward_name(ward) for ward in outcome.wards}
    for ward in outcome.wards:
        result = ward.result
        name = names[id(ward)]
        if ward.change is not None:
            now = [c.party.id for c in result.elected]
            swing = ward.swing.points if ward.swing is not None else 0.0
            gains += [
                WardFact(name, g.party, g.from_party, whole=_whole(g.party, g.from_party, now), swing=swing)
                for g in ward.change.gains
                if g.from_party
            ]
        if not result.contested:
            uncontested += [WardFact(name, c.party) for c in result.elected]
        elif (
            result.majority is not None
            and len(result.ranked) > result.poll.seats
            and (result.poll.ward.code or result.poll.ward.name, result.poll.kind.value) not in stv
        ):
            runner_up = result.ranked[result.poll.seats].party
            closest.append(WardFact(name, result.elected[-1].party, None, result.majority, runner_up))
        if result.tie_break is not None:
            ties.append(WardFact(name, result.elected[-1].party, None, 0))
    polled = [w for w in outcome.wards if w.result.contested]
    turnout = _turnout([w.result.poll.figures for w in polled])
    compared = [
        w for w in polled if w.baseline and w.baseline[0].poll and len({id(h.poll) for h in w.baseline}) == 1
    ]
    turnout_before = None
    if compared and len(compared) == len(polled):
        turnout_before = _turnout(
            [w.baseline[0].poll.figures for w in compared if w.baseline and w.baseline[0].poll]
        )
    defeated = [
        Defeat(person(c.name, _earlier_people(w)), c.party, names[id(w)], c.votes or 0)
        for w in polled
        for c in w.result.ranked
        if c.incumbent and c not in w.result.elected
    ]
    swings = [(names[id(w)], w.swing) for w in outcome.wards if w.swing is not None]
    biggest = max(swings, key=lambda item: item[1].points, default=None)
    held = {s.party.id: s.seats for s in composition}
    facts = CouncilFacts(
        council=outcome.council.name,
        code=outcome.council.code,
        election_date=outcome.election_date,
        total_seats=outcome.total_seats or 0,
        seats_up=outcome.seats_up,
        seats_declared=outcome.seats_declared,
        threshold=outcome.majority_threshold or 0,
        complete=outcome.complete,
        decided=outcome.decided,
        all_out=outcome.carry_over_source is CarryOver.ALL_OUT,
        outcome=outcome.outcome.value if outcome.outcome else None,
        winner=winner,
        winner_seats=held.get(winner.id, 0) if winner else 0,
        before=before,
        noc_before=outcome.control_before == NOC,
        noc_after=outcome.control_after == NOC,
        composition=composition,
        won=house_order(Seats(p, n) for p, n in outcome.won.items()),
        changes=changes,
        eve_changes=eve_changes,
        compared=(change.seats_compared, change.seats_compared + change.seats_not_compared)
        if (change := outcome.change) and change.seats_not_compared
        else None,
        baseline_year=outcome.change.baseline_date.year
        if outcome.change and outcome.change.baseline_date
        else None,
        biggest_winner=max((s for s in changes if s.seats > 0), key=lambda s: s.seats, default=None),
        biggest_loser=min((s for s in changes if s.seats < 0), key=lambda s: s.seats, default=None),
        gains=tuple(gains),
        closest=tuple(sorted(closest, key=lambda w: w.majority or 0)[:3]),
        uncontested=tuple(uncontested),
        ties=tuple(ties),
        turnout=turnout,
        biggest_swing=SwingFact(biggest[0], biggest[1].to, biggest[1].away, biggest[1].points)
        if biggest
        else None,
        defeated=tuple(defeated),
        turnout_before=turnout_before,
        past=tuple(
            (day.year, party(control) if control != NOC else None) for day, control in outcome.past_control
        ),
        before_judged=outcome.control_before_as_of.year
        if outcome.control_before_source is ControlBefore.EARLIER_RESULTS and outcome.control_before_as_of
        else None,
        wards=tuple(dict.fromkeys(names.values())),
        by_elections_only=outcome.by_elections_only,
        transfers=council_transfers(((names[id(w)], w) for w in outcome.wards), stv),
    )
    return in_house_style(facts, outcome.council.code)


HOUSE_ORDER = (
    "conservative",
    "labour",
    "liberal-democrats",
    "green",
    "reform-uk",
    "ukip",
    "snp",
    "plaid-cymru",
)
"""The order parties with equal seats are listed in: these first, then others by name, independents last."""


def house_order(seats: Iterable[Seats]) -> tuple[Seats, ...]:
    """Most seats first; equal seats in the house order."""

    def rank(s: Seats) -> tuple[int, int, int, str]:
        known = HOUSE_ORDER.index(s.party.id) if s.party.id in HOUSE_ORDER else len(HOUSE_ORDER)
        return (-s.seats, int(s.party.independent), known, s.party.name)

    return tuple(sorted(seats, key=rank))


def _ward_name(ward: WardOutcome) -> str:
    earlier = [h.poll.ward.name for h in ward.baseline or () if h.poll is not None]
    return ward_name(ward.result.poll.ward.name, earlier)


def _earlier_people(ward: WardOutcome) -> list[str]:
    """Names the earlier polls of a ward give its candidates, fullest first."""
    polls = {id(h.poll): h.poll for h in ward.baseline or () if h.poll is not None}
    return [c.name for poll in polls.values() for c in poll.candidacies]


def _whole(party: Party, from_party: Party, now: list[str]) -> bool:
    """The party holds every seat of the ward now, and the party it gained from none."""
    return all(pid == party.id for pid in now) and from_party.id not in now


def _turnout(figures: list[BallotFigures]) -> float | None:
    """Papers counted over electors where every ward gives both; else the published ward turnouts
    weighted by electorate; else unknown."""
    electorate = sum(f.electorate or 0 for f in figures)
    if not figures or not electorate or any(f.electorate is None for f in figures):
        return None
    if all(f.ballots_counted is not None for f in figures):
        return 100 * sum(f.ballots_counted or 0 for f in figures) / electorate
    if all(f.turnout_published is not None for f in figures):
        return sum((f.turnout_published or 0) * (f.electorate or 0) for f in figures) / electorate
    return None


@dataclass(frozen=True)
class ControlChange:
    council: str
    before: Party | None


VERDICT_SHARE = 0.5
"""The share of the seats up that must be declared before a round-up names big winners and losers."""


@dataclass(frozen=True)
class RegionFacts:
    """Councils of a region (or of the night) taken together."""

    name: str
    councils: int
    changes: tuple[Seats, ...]
    control_gains: tuple[tuple[Party, tuple[ControlChange, ...]], ...]
    control_losses: tuple[tuple[Party, tuple[ControlChange, ...]], ...]
    """Councils a party lost to no overall control (a loss to another party is told as its gain)."""
    holds: tuple[str, ...]
    seats_declared: int = 0
    seats_up: int = 0
    new_councils: tuple[tuple[Party | None, tuple[str, ...]], ...] = ()
    """New councils by who won them (None: no overall control)."""
    counting: tuple[str, ...] = ()
    """Councils with seats still to declare."""

    @property
    def verdict(self) -> bool:
        """Enough of the seats up are declared (`VERDICT_SHARE`) for the round-up to say who is winning."""
        return self.seats_up > 0 and self.seats_declared >= VERDICT_SHARE * self.seats_up

    @property
    def biggest_winner(self) -> Seats | None:
        return max((s for s in self.changes if s.seats > 0), key=lambda s: s.seats, default=None)

    @property
    def biggest_loser(self) -> Seats | None:
        return min((s for s in self.changes if s.seats < 0), key=lambda s: s.seats, default=None)


def region_facts(name: str, councils: list[CouncilFacts]) -> RegionFacts:
    """Net seat changes summed over the councils that have a baseline, control won and lost, new
    councils, and the councils still counting."""
    net: dict[str, int] = {}
    parties: dict[str, Party] = {}
    compared = 0
    gains: dict[str, list[ControlChange]] = {}
    losses: dict[str, list[ControlChange]] = {}
    holds = []
    new: dict[Party | None, list[str]] = {}
    for facts in councils:
        if facts.changes:
            compared += 1
        for s in facts.changes:
            parties[s.party.id] = s.party
            net[s.party.id] = net.get(s.party.id, 0) + s.seats
        if facts.outcome == Outcome.GAIN.value and facts.winner:
            parties[facts.winner.id] = facts.winner
            gains.setdefault(facts.winner.id, []).append(ControlChange(facts.council, facts.before))
        if facts.outcome == Outcome.LOSS_TO_NOC.value and facts.before:
            parties[facts.before.id] = facts.before
            losses.setdefault(facts.before.id, []).append(ControlChange(facts.council, facts.before))
        if facts.outcome in {Outcome.HOLD.value, Outcome.NOC_HOLD.value}:
            holds.append(facts.council)
        if facts.outcome == Outcome.NEW.value:
            new.setdefault(facts.winner, []).append(facts.council)
    order = sorted(net, key=lambda pid: (-net[pid], parties[pid].name))
    return RegionFacts(
        name=name,
        councils=compared,
        changes=tuple(Seats(parties[pid], net[pid]) for pid in order),
        control_gains=tuple((parties[pid], tuple(found)) for pid, found in gains.items()),
        control_losses=tuple((parties[pid], tuple(found)) for pid, found in losses.items()),
        holds=tuple(holds),
        seats_declared=sum(f.seats_declared for f in councils),
        seats_up=sum(f.seats_up for f in councils),
        new_councils=tuple((party, tuple(names)) for party, names in new.items()),
        counting=tuple(f.council for f in councils if not f.complete),
    )
