"""A council's outcome after (part of) an election: make-up, threshold, control, call and change.

Everything the outcome needs is handed in as a `CouncilElection`; nothing here reads a file or a
database. The whole council afterwards is the seats won plus the seats not up (§1.4). Those carry
over from, in order of preference: nothing, when every seat is up; the councillor roll on the eve of
poll; the roster rolled forward from earlier elections in the store.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from functools import partial
from typing import TypeVar

from tallyroom.rules.change import (
    Baseline,
    Change,
    Swing,
    WardChange,
    most_common_date,
    net_change,
    ward_change,
    ward_swing,
)
from tallyroom.rules.control import (
    ControlGroup,
    ControlSettings,
    Outcome,
    Seat,
    ThresholdBasis,
    call,
    control_of,
    group_of,
    groups,
    majority_threshold,
    outcome,
)
from tallyroom.rules.councils import Cycle
from tallyroom.rules.counting import PollResult
from tallyroom.rules.model import (
    CompositionSnapshot,
    Councillor,
    CouncilRef,
    CouncilResult,
    DeclarationStatus,
    EveOfPoll,
    Poll,
    PollKind,
)
from tallyroom.rules.parties import Party, slug
from tallyroom.rules.roster import Holder, Roster

T = TypeVar("T")


class CarryOver(StrEnum):
    """Where the seats not up come from (§1.4)."""

    ALL_OUT = "all-out"
    """None are: every seat was up."""
    ROLL = "roll"
    """The councillor roll on the eve of poll."""
    RECORD = "record"
    """A news agency's record of the seats each party held and defended on the eve of poll."""
    EARLIER_RESULTS = "earlier-results"
    """The council's earlier results in the store, rolled forward seat by seat."""
    COUNCIL_RESULT = "council-result"
    """A council's result in seats per party (a news agency's), which gives the make-up whole."""


class ControlBefore(StrEnum):
    """What control before the poll is judged against (§6.4): the eve of poll, from a record of control
    or a councillor roll, or, failing both, the make-up after the last election in the store."""

    RECORD = "record"
    ROLL = "roll"
    EARLIER_RESULTS = "earlier-results"
    NEW_COUNCIL = "new-council"
    UNKNOWN = "unknown"


def is_all_out(seats_up: int, total_seats: int | None, cycle: Cycle = Cycle.NONE) -> bool:
    """Whether every seat of the council is up: the register says the year's election is all-out, or
    the seats up reach the council's size."""
    return cycle is Cycle.ALL_OUT or (total_seats is not None and seats_up >= total_seats)


@dataclass(frozen=True, slots=True)
class CouncilElection:
    """What is known of one council's election at a moment.

    `past_control` is who controlled the council after each earlier all-out election in the store.
    `cycle` is the council's cycle this year by the register: at an all-out election every seat is up,
    declared or not (a postponed poll stays undeclared). `results` are the declared polls, `pending`
    the polls not yet declared. `card` is set when tonight's polls are all known from nominations;
    without one, `seats_up_expected` is how many seats the year's ordinary election fills, where the
    register (or a news agency's nominations) says. `roster` is who held each seat on the eve of poll by
    the store's earlier results, and `missing_rounds` the years of elections the register knows of that
    the roster lacks; `snapshot` a councillor roll from before the poll, and `roll_seats` the council's
    size when it was taken; `control_before` an explicit record of control on the eve of poll, and
    `eve` a news agency's record of the make-up then. `counting` names the wards (code, else name)
    whose count has been heard under way (an STV count's stages read out), declared or not yet.
    """

    council: CouncilRef
    election_date: date
    total_seats: int | None
    cycle: Cycle = Cycle.NONE
    results: tuple[PollResult, ...] = ()
    pending: tuple[Poll, ...] = ()
    card: bool = False
    seats_up_expected: int | None = None
    roster: Roster | None = None
    missing_rounds: tuple[int, ...] = ()
    snapshot: CompositionSnapshot | None = None
    roll_seats: int | None = None
    control_before: str | None = None
    eve: EveOfPoll | None = None
    council_result: CouncilResult | None = None
    new_council: bool = False
    settings: ControlSettings = field(default_factory=ControlSettings)
    past_control: tuple[tuple[date, str], ...] = ()
    counting: frozenset[str] = frozenset()
    worked_out: dict[int, tuple[object, object]] = field(default_factory=dict, compare=False, repr=False)
    """What has been worked out for a poll or a result already (its ward outcome, the most seats each
    group can win in it), by identity, kept for the next computation of the same council: an election
    made from this one with `replace` shares it, so a night recomputing a council after each declaration
    works out each ward once. A cache only: every figure is the same without it."""


def _worked_out(election: CouncilElection, item: object, make: Callable[[], T]) -> T:
    """`make()` for `item` (a poll or a result), once per election and the elections made from it."""
    hit = election.worked_out.get(id(item))
    if hit is None or hit[0] is not item:
        hit = election.worked_out[id(item)] = (item, make())
    found: T = hit[1]  # type: ignore[assignment]
    return found


@dataclass(frozen=True, slots=True)
class WardOutcome:
    result: PollResult
    baseline: tuple[Holder, ...] | None
    change: WardChange | None
    swing: Swing | None = None


@dataclass(frozen=True, slots=True)
class CouncilOutcome:
    council: CouncilRef
    election_date: date
    total_seats: int | None
    seats_up: int
    seats_declared: int
    wards_up: int
    wards_declared: int
    majority_threshold: int | None
    won: dict[Party, int]
    composition: dict[Party, int] | None
    control_before: str | None
    control_before_source: ControlBefore
    control_after: str | None
    decided: bool
    settled_by_seats_not_up: bool
    outcome: Outcome | None
    carry_over_source: CarryOver | None
    changes: tuple[Change, ...]
    wards: tuple[WardOutcome, ...]
    flags: tuple[str, ...]
    past_control: tuple[tuple[date, str], ...] = ()
    control_before_as_of: date | None = None
    """When what control before is read from was so: the roll's date, or the last election's."""
    pending: tuple[Poll, ...] = ()
    """The polls still to declare, each with where it stands (nominated, postponed, provisional...)."""
    seats_up_known: bool = True
    seats_postponed: int = 0
    by_elections_only: bool = False
    """The council fills only casual vacancies tonight: by-elections, no ordinary election."""
    reach: dict[str, int] | None = None
    """The most seats each party can still win in the polls to declare (one per candidate standing, up to
    each ward's seats), by party id; None where some of those seats have no known candidates."""
    wards_counting: int = 0
    """Wards not declared whose count is under way: provisional figures or a recount, or an STV count's
    stages read out (a Northern Irish count may run into a second day)."""

    @property
    def complete(self) -> bool:
        """Every seat to be declared tonight is declared (a postponed poll's are declared another day)."""
        return self.seats_up_known and self.seats_declared + self.seats_postponed >= self.seats_up

    @property
    def change(self) -> Change | None:
        return self.changes[0] if self.changes else None


def tally(parties: Sequence[Party]) -> dict[Party, int]:
    by_id = {p.id: p for p in parties}
    counted = Counter(p.id for p in parties)
    return {by_id[pid]: n for pid, n in sorted(counted.items(), key=lambda kv: (-kv[1], by_id[kv[0]].name))}


def compute(election: CouncilElection) -> CouncilOutcome:
    """The council's outcome from its ward results; where a news agency has sent the council's result
    whole (seats per party), from that, until the wards' results are all in (those in so far are
    shown with it)."""
    result = election.council_result
    if result is None:
        return _from_polls(election)
    if not election.results:
        return _from_council_result(election, result)
    wards = _from_polls(election)
    if wards.complete:
        return wards
    whole = _from_council_result(election, result)
    stands = (
        f"{wards.seats_declared} of {wards.seats_up} seats declared ward by ward so far: the council's "
        "result as the news agency sent it stands until every ward is in"
    )
    return replace(
        whole,
        wards=wards.wards,
        wards_up=wards.wards_up,
        wards_declared=wards.wards_declared,
        flags=(*whole.flags, stands),
    )


def _seats_up(election: CouncilElection, polls: Sequence[Poll]) -> tuple[int, bool]:
    """How many seats are up tonight, and whether that is known: every seat at an all-out election;
    else the polls on the card, or the by-elections of a council with no ordinary election tonight; else
    a news agency's eve-of-poll figure, or the register's for the year's ordinary election, with any
    by-election seen beside it; else only what has arrived, which may not be all (§1.4)."""
    arrived = sum(p.seats for p in polls)
    total = election.total_seats
    if total is not None and is_all_out(arrived, total, election.cycle):
        return max(arrived, total), True
    if election.card or (polls and all(p.kind is PollKind.BY_ELECTION for p in polls)):
        return arrived, True  # by-elections alone: each is announced, and fills the seats it says
    expected = election.eve.seats_up if election.eve and election.eve.seats_up else election.seats_up_expected
    if expected is not None:
        ordinary = sum(p.seats for p in polls if p.kind is PollKind.ORDINARY)
        return max(ordinary, expected) + arrived - ordinary, True
    return arrived, False


def _from_polls(election: CouncilElection) -> CouncilOutcome:
    flags: list[str] = []
    polls = [r.poll for r in election.results] + list(election.pending)
    seats_up, seats_up_known = _seats_up(election, polls)
    seats_declared = sum(r.poll.seats for r in election.results)
    total = election.total_seats
    won_seats = [Seat(c.party, c.name, r.poll.ward.name) for r in election.results for c in r.elected]
    for r in election.results:
        flags.extend(f"{r.poll.ward.name}: {flag}" for flag in r.flags)

    if seats_up_known:
        carry, carry_source = _carry_over(election, polls, seats_up, flags)
    else:
        flags.append(
            "how many seats are up tonight is not known (no card of nominations is loaded and the register "
            f"has no figure for {election.election_date.year}): the council is not called until it is"
        )
        carry, carry_source = None, None
    threshold = None
    if total:
        filled = total if carry is None else min(total, len(carry) + seats_up)
        basis = filled if election.settings.threshold_basis is ThresholdBasis.FILLED_SEATS else total
        threshold = majority_threshold(basis)
    before, before_source, before_as_of = _control_before(election, flags)

    after: str | None = None
    settled_by_seats_not_up = False
    possible = _possible(election, seats_up - seats_declared)
    if carry is not None and threshold is not None:
        carried = groups(carry, election.settings)
        settled_by_seats_not_up = call(carried, None, seats_up, threshold) is not None
        declared = carried + groups(won_seats, election.settings)
        after = call(declared, possible, seats_up - seats_declared, threshold)
    composition = None
    if carry is not None:
        composition = tally([s.party for s in [*carry, *won_seats]])
        if seats_declared == seats_up and total is not None and sum(composition.values()) != total:
            flags.append(f"make-up adds up to {sum(composition.values())} seats, not {total}")

    wards, changes = _changes(election)
    return CouncilOutcome(
        council=election.council,
        election_date=election.election_date,
        total_seats=total,
        seats_up=seats_up,
        seats_declared=seats_declared,
        wards_up=len(polls),
        wards_declared=len(election.results),
        majority_threshold=threshold,
        won=tally([s.party for s in won_seats]),
        composition=composition,
        control_before=before,
        control_before_source=before_source,
        control_before_as_of=before_as_of,
        control_after=after,
        decided=after is not None,
        settled_by_seats_not_up=settled_by_seats_not_up,
        outcome=outcome(before, after, election.new_council) if after is not None else None,
        carry_over_source=carry_source,
        changes=changes,
        wards=wards,
        flags=tuple(flags),
        past_control=election.past_control,
        pending=election.pending,
        seats_up_known=seats_up_known,
        seats_postponed=sum(p.seats for p in election.pending if p.status is DeclarationStatus.POSTPONED),
        by_elections_only=bool(polls) and all(p.kind is PollKind.BY_ELECTION for p in polls),
        reach=None if possible is None else {g.party: n for g, n in possible.items() if not g.holder},
        wards_counting=len(_counting(election)),
    )


def _counting(election: CouncilElection) -> set[str]:
    """The wards not declared whose count is under way."""
    declared = {r.poll.ward.code or r.poll.ward.name for r in election.results}
    shown = {p.ward.code or p.ward.name for p in election.pending if p.status.counting}
    return (shown | election.counting) - declared


def most_vacancies(total: int) -> int:
    """More vacancies than this on a councillor roll means its next-election dates are wrong, not that
    the seats are empty: a tenth of the council, and at least two."""
    return max(2, total // 10)


def _carry_over(
    election: CouncilElection, polls: Sequence[Poll], seats_up: int, flags: list[str]
) -> tuple[list[Seat] | None, CarryOver | None]:
    total = election.total_seats
    if is_all_out(seats_up, total):
        return [], CarryOver.ALL_OUT
    if total is None:
        flags.append("council size unknown: make-up and control cannot be worked out")
        return None, None
    if election.snapshot is not None:
        sitting, notes = _sitting(election.snapshot, election.election_date, polls)
        if total - most_vacancies(total) <= len(sitting) + seats_up <= total:
            flags.extend(notes)
            if len(sitting) + seats_up < total:
                flags.append(
                    f"{total - seats_up - len(sitting)} seat(s) not up are vacant on the councillor roll"
                )
            return sitting, CarryOver.ROLL
        flags.append(
            f"the councillor roll of {election.snapshot.taken} has {len(sitting)} seats not up where {total} "
            f"less the {seats_up} up is {total - seats_up}: its next-election dates do not fit; not used"
        )
    if election.eve is not None and election.eve.defending is not None:
        kept = Counter(election.eve.seats_held)
        kept.subtract(election.eve.defending)
        if min(kept.values(), default=0) >= 0 and sum(kept.values()) + seats_up <= total:
            return [Seat(p, "", f"{p.id}-{i}") for p, n in kept.items() for i in range(n)], CarryOver.RECORD
        flags.append("the eve-of-poll record's seats held and defended do not fit the seats up: not used")
    if election.roster is not None and election.missing_rounds:
        flags.append(
            f"the council's election of {_years(election.missing_rounds)} is not in the store and no "
            "councillor roll is loaded: seats not up are unknown"
        )
        return None, None
    if election.roster is not None:
        for vacancies in (False, True):
            staying, assumed = _staying(election.roster, polls, vacancies)
            if len(staying) + seats_up == total:
                flags.extend(assumed)
                return staying, CarryOver.EARLIER_RESULTS
        flags.append(
            f"earlier results leave {len(staying)} seats not up where {total} less the {seats_up} up "
            f"is {total - seats_up}: seats not up are unknown"
        )
        return None, None
    flags.append("no earlier results or councillor roll: seats not up are unknown")
    return None, None


def _years(years: Sequence[int]) -> str:
    return " and ".join(", ".join(str(y) for y in years).rsplit(", ", 1))


def _sitting(snapshot: CompositionSnapshot, on: date, polls: Sequence[Poll]) -> tuple[list[Seat], list[str]]:
    """The councillors on a roll whose seats are not up. A poll that fills more seats in a ward than
    the roll has councillors due there also fills a casual vacancy arising since the roll was taken:
    that seat's holder, still on the roll, is taken to be the one next due (who left is not known)."""
    due = set(snapshot.due(on))
    due_in = Counter(slug(c.ward) for c in due)
    staying = [c for c in snapshot.councillors if c not in due]
    staying_in: dict[str, list[Councillor]] = {}
    for c in staying:
        staying_in.setdefault(slug(c.ward), []).append(c)
    notes = []
    for poll in polls:
        ward = slug(poll.ward.name)
        here = staying_in.get(ward, [])
        extra = max(0, poll.seats - due_in[ward])
        for left in sorted(here, key=lambda c: (c.next_election or on, c.name))[:extra]:
            staying.remove(left)
            here.remove(left)
            notes.append(f"{poll.ward.name}: {left.name}'s seat, vacated since the roll, is taken to be up")
    return [Seat(c.party, c.name, c.ward) for c in staying], notes


def _staying(roster: Roster, polls: Sequence[Poll], vacancies: bool) -> tuple[list[Seat], list[str]]:
    """The seats the polls leave in place. With `vacancies`, a poll filling more seats than there are
    ended terms in its ward is taken to fill casual vacancies too (§2.5), and each such poll is noted."""
    roster = roster.copy()
    notes = []
    for poll in polls:
        key = roster.find(poll.ward)
        if key is None:
            continue
        assumed = roster.vacancies_assumed(key, poll.seats, poll.election_date) if vacancies else 0
        if assumed:
            notes.append(
                f"{poll.ward.name}: {poll.seats} seats up where {poll.seats - assumed} term(s) ended; "
                "the casual vacancy is taken to be the longest-serving other councillor's seat"
            )
        for holder in roster.due(key, poll.seats, poll.election_date, vacancies):
            roster.wards[key].remove(holder)
    return [Seat(h.party, h.name, ward) for ward, hs in roster.wards.items() for h in hs], notes


def _control_before(
    election: CouncilElection, flags: list[str]
) -> tuple[str | None, ControlBefore, date | None]:
    """Control on the eve of poll: a record of it, else the councillor roll against the council's size
    when the roll was taken, else the make-up after the last election in the store (flagged: that is
    not the eve of poll, which by-elections and defections may have changed)."""
    if election.new_council:
        return None, ControlBefore.NEW_COUNCIL, None
    if election.control_before is not None:
        return election.control_before, ControlBefore.RECORD, None
    if election.eve is not None and election.eve.seats_held:
        eve = election.eve
        held = [Seat(p, "", f"{p.id}-{i}") for p, n in eve.seats_held.items() for i in range(n)]
        then = sum(eve.seats_held.values()) if eve.boundary_change else election.total_seats or len(held)
        control = control_of(held, majority_threshold(then), election.settings)
        return control, ControlBefore.RECORD, eve.election_date
    if election.snapshot is not None:
        seats = [Seat(c.party, c.name, c.ward) for c in election.snapshot.councillors]
        size = election.roll_seats or election.total_seats
        if size:
            control = control_of(seats, majority_threshold(size), election.settings)
            return control, ControlBefore.ROLL, election.snapshot.taken
    roster = election.roster
    if (
        roster is not None
        and not election.missing_rounds
        and (roster.seeded or len(roster.holders()) == election.total_seats)
    ):
        # The make-up after the last election, against that council's size (boundaries may have changed).
        seats = [Seat(h.party, h.name, ward) for ward, hs in roster.wards.items() for h in hs]
        last = max((h.elected for h in roster.holders()), default=election.election_date)
        flags.append(
            f"control before is judged against the make-up after the {last.year} election: no record of "
            "control on the eve of poll or councillor roll is loaded"
        )
        control = control_of(seats, majority_threshold(len(seats)), election.settings)
        return control, ControlBefore.EARLIER_RESULTS, last
    return None, ControlBefore.UNKNOWN, None


def _possible(election: CouncilElection, remaining: int) -> dict[ControlGroup, int] | None:
    """The most seats each group can win in the polls still to declare (§6.5); None when some of the
    undeclared seats have no known candidates (a postponed poll), so anyone might win them."""
    contested = [p for p in election.pending if p.status is not DeclarationStatus.POSTPONED]
    if sum(p.seats for p in contested) < remaining:
        return None
    possible: Counter[ControlGroup] = Counter()
    for poll in contested:
        possible.update(_worked_out(election, poll, partial(_most_seats, poll, election.settings)))
    return dict(possible)


def _most_seats(poll: Poll, settings: ControlSettings) -> Counter[ControlGroup]:
    """The most seats each group can win in one poll: one per candidate standing, up to its seats."""
    standing = Counter(group_of(Seat(c.party, c.name, poll.ward.name), settings) for c in poll.candidacies)
    return Counter({group: min(n, poll.seats) for group, n in standing.items()})


def _changes(election: CouncilElection) -> tuple[tuple[WardOutcome, ...], tuple[Change, ...]]:
    wards: list[WardOutcome] = []
    pairs: list[tuple[list[Party], list[Party]]] = []
    baseline_dates: list[date] = []
    not_compared = 0
    for result in election.results:
        ward = _worked_out(election, result, partial(_ward_outcome, election.roster, result))
        wards.append(ward)
        if ward.baseline is None:
            not_compared += result.poll.seats
            continue
        pairs.append(([c.party for c in result.elected], [h.party for h in ward.baseline]))
        baseline_dates.extend(h.elected for h in ward.baseline)
    changes: list[Change] = []
    compared = sum(len(now) for now, _ in pairs)
    if compared:
        changes.append(
            Change(
                Baseline.LAST_FOUGHT,
                most_common_date(baseline_dates),
                net_change(pairs),
                compared,
                not_compared,
            )
        )
    eve = _eve_of_poll_change(election)
    if eve is not None:
        changes.append(eve)
    return tuple(wards), tuple(changes)


def _ward_outcome(roster: Roster | None, result: PollResult) -> WardOutcome:
    """A declared ward against the seats it fills, as the roster has them: gains, holds and swing."""
    now = [c.party for c in result.elected]
    replaced = roster.replaced_by(result) if roster is not None else None
    if replaced is None or len(replaced) != len(now):
        return WardOutcome(result, None, None)
    last_polls = {id(h.poll): h.poll for h in replaced if h.poll is not None}
    swing = ward_swing(result.poll, *last_polls.values()) if len(last_polls) == 1 else None
    return WardOutcome(result, tuple(replaced), ward_change(now, [h.party for h in replaced]), swing)


def _eve_of_poll_change(election: CouncilElection) -> Change | None:
    """Seats won against the parties holding the seats up on the eve of poll, council-wide (§7.1)."""
    snapshot = election.snapshot
    if snapshot is None or not election.results:
        return None
    up = [c.party for c in snapshot.due(election.election_date)]
    if is_all_out(sum(r.poll.seats for r in election.results), election.total_seats, election.cycle):
        up = [c.party for c in snapshot.councillors]
    won = [c.party for r in election.results for c in r.elected]
    if not up or len(up) != len(won):
        return None
    return Change(Baseline.EVE_OF_POLL, snapshot.taken, net_change([(won, up)]), len(won), 0)


def _from_council_result(election: CouncilElection, result: CouncilResult) -> CouncilOutcome:
    """An outcome from seats per party alone: independents count one seat each for control."""
    seats = [Seat(p, "", f"{p.id}-{i}") for p, n in result.seats_after.items() for i in range(n)]
    threshold = majority_threshold(result.total_seats)
    flags: list[str] = []
    before, before_source, before_as_of = _control_before(election, flags)
    after = control_of(seats, threshold, election.settings)
    won = dict(result.seats_won or {})
    seats_up = sum(won.values()) if won else result.total_seats
    return CouncilOutcome(
        council=election.council,
        election_date=election.election_date,
        total_seats=result.total_seats,
        seats_up=seats_up,
        seats_declared=seats_up,
        wards_up=0,
        wards_declared=0,
        majority_threshold=threshold,
        won=tally([p for p, n in won.items() for _ in range(n)]),
        composition=tally([s.party for s in seats]),
        control_before=before,
        control_before_source=before_source,
        control_before_as_of=before_as_of,
        control_after=after,
        decided=True,
        settled_by_seats_not_up=False,
        outcome=outcome(before, after, election.new_council),
        carry_over_source=CarryOver.COUNCIL_RESULT,
        changes=(),
        wards=(),
        flags=tuple(flags),
    )
