"""The single transferable vote count (§5), stage by stage, in exact fixed-point arithmetic.

Scotland counts by the Scottish Local Government Elections Order 2007, Schedule 1, rules 45-52: every
paper a candidate holds passes on a surplus at `surplus × its value ÷ the candidate's votes`, worked to
five decimal places and truncated; the largest surplus goes first; an excluded candidate's papers pass on
at the values they came with, all in one stage; ties look back to the most recent stage at which the
candidates differed. Northern Ireland (§5.3) works to two places, passes on only the last parcel a
candidate received, defers a surplus that could not change who is excluded, excludes the lowest together
when their votes cannot catch the next, and looks back to the earliest stage at which they differed.

Values are integers scaled by 10^places; the stages report them as `Decimal`. A tie the look-back cannot
settle is settled by `lot` (the candidates in the order drawn: the first drawn among the tied is excluded,
or has its surplus transferred, first), or raises `UnresolvedTie`: never a silent random choice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple

from tallyroom.rules.counting import TieBreak, UnresolvedTie
from tallyroom.rules.model import Candidacy
from tallyroom.rules.parties import Party, PartyRegister


class StvRules(StrEnum):
    """Which statutory rules count the papers."""

    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern-ireland"

    @property
    def places(self) -> int:
        """Decimal places of a transfer value, the remainder ignored."""
        return 5 if self is StvRules.SCOTLAND else 2

    @classmethod
    def of_council(cls, council_code: str) -> StvRules:
        """The rules a council's counts follow, by the nation its GSS code names (N: Northern Ireland)."""
        return cls.NORTHERN_IRELAND if council_code.startswith("N") else cls.SCOTLAND


class StageAction(StrEnum):
    FIRST = "first preferences"
    SURPLUS = "surplus"
    EXCLUSION = "exclusion"


class Paper(NamedTuple):
    """A distinct sequence of preferences (candidate numbers from 0) and how many voters used it. (A
    named tuple: a ward can have tens of thousands, and these are cheaper to build.)"""

    voters: int
    ranking: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage: the first preferences, one surplus transferred or one exclusion. `non_transferable`
    (papers with no further preference, at their value) and `lost` (fractions dropped by truncation) run
    from the first stage, so the totals, `non_transferable` and `lost` add up to the valid papers."""

    number: int
    action: StageAction
    subjects: tuple[str, ...]
    transfer_value: Decimal | None
    totals: dict[str, Decimal]
    non_transferable: Decimal
    lost: Decimal
    elected: tuple[str, ...]
    tie: TieBreak | None = None


@dataclass(frozen=True, slots=True)
class StvCount:
    rules: StvRules
    seats: int
    valid: int
    quota: int
    stages: tuple[Stage, ...]
    elected: tuple[str, ...]

    @property
    def first_preferences(self) -> dict[str, Decimal]:
        return self.stages[0].totals

    @property
    def last_seat_filled(self) -> int:
        """The stage at which the last seat was filled."""
        return max(s.number for s in self.stages if s.elected)


def parties_of(count: StvCount, candidacies: Iterable[Candidacy]) -> dict[str, Party]:
    """Each of the count's candidates' party, from the poll's candidacies. Sources print a name their
    own way ("Frank Brown" on a results sheet, "Frank BROWN" in the ballot file), so names match
    whatever their case and spacing; a name still unmatched takes the party of the one candidacy left,
    and otherwise is shown as of a party not known, never a failure."""
    by_key = {_name_key(c.name): c.party for c in candidacies}
    names = count.stages[0].totals
    found = {name: by_key.pop(_name_key(name)) for name in names if _name_key(name) in by_key}
    left = [name for name in names if name not in found]
    if len(left) == 1 and len(by_key) == 1:
        found[left[0]] = next(iter(by_key.values()))
    return {name: found.get(name) or PartyRegister.local_party("party not known") for name in names}


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


NON_TRANSFERABLE = "non-transferable"
"""The name a published stage sheet gives its line of non-transferable papers."""


def differences(count: StvCount, published: Mapping[int, Mapping[str, Decimal]]) -> list[str]:
    """Where a published stage sheet (stage number to candidate, or `NON_TRANSFERABLE`, to votes) and
    the count disagree. A published figure with fewer decimal places matches the count's figure cut or
    rounded to its places; names match whatever their case."""
    found = []
    if max(published, default=0) > len(count.stages):
        found.append(f"the sheet has {max(published)} stages, the count {len(count.stages)}")
    for stage in count.stages:
        sheet = {name.casefold(): votes for name, votes in published.get(stage.number, {}).items()}
        if not sheet:
            continue
        ours = {name.casefold(): (name, votes) for name, votes in stage.totals.items()}
        ours[NON_TRANSFERABLE] = (NON_TRANSFERABLE, stage.non_transferable)
        for name in sheet.keys() - ours.keys():
            found.append(f"stage {stage.number}: {name!r} is not a candidate")
        for key, (name, votes) in ours.items():
            given = sheet.get(key)
            if given is not None and not _agrees(votes, given):
                found.append(f"stage {stage.number}: {name} {given} published, {votes} counted")
    return found


def _agrees(counted: Decimal, published: Decimal) -> bool:
    places = Decimal(1).scaleb(min(int(published.as_tuple().exponent), 0))
    return published in (counted.quantize(places, ROUND_DOWN), counted.quantize(places, ROUND_HALF_UP))


def quota(valid: int, seats: int) -> int:
    """The Droop quota (§5.1): `floor(valid / (seats + 1)) + 1`."""
    return valid // (seats + 1) + 1


def count_stv(
    candidates: Sequence[str],
    seats: int,
    papers: Iterable[Paper],
    rules: StvRules = StvRules.SCOTLAND,
    lot: Sequence[str] = (),
) -> StvCount:
    """Count the papers for `seats` seats among `candidates` (distinct names). A ValueError when a paper
    names no candidate, names one twice or has no voters, or when there are no seats."""
    if seats < 1:
        raise ValueError("an STV count needs at least one seat")
    if len(set(candidates)) != len(candidates):
        raise ValueError("candidate names must be distinct")
    return _Count(tuple(candidates), seats, list(papers), rules, tuple(lot)).run()


class _Count:
    """The running state of one count: where every distinct paper lies and at what value."""

    def __init__(
        self, names: tuple[str, ...], seats: int, papers: list[Paper], rules: StvRules, lot: tuple[str, ...]
    ) -> None:
        for paper in papers:
            if paper.voters < 1 or not paper.ranking or len(set(paper.ranking)) != len(paper.ranking):
                raise ValueError(f"a paper needs at least one voter and distinct preferences: {paper}")
            if min(paper.ranking) < 0 or max(paper.ranking) >= len(names):
                raise ValueError(f"a paper names a candidate who is not standing: {paper}")
        self.names, self.seats, self.rules, self.lot = names, seats, rules, lot
        self.scale: int = 10**rules.places
        self.counts = [p.voters for p in papers]
        self.rankings = [p.ranking for p in papers]
        self.position = [0] * len(papers)
        self.value = [self.scale] * len(papers)
        self.valid = sum(self.counts)
        self.quota: int = quota(self.valid, seats) * self.scale
        self.total = [0] * len(names)
        self.parcels: list[list[list[int]]] = [[] for _ in names]
        self.continuing = set(range(len(names)))
        self.elected: list[int] = []
        self.pending: list[int] = []
        self.non_transferable = 0
        self.lost = 0
        self.stage_start = 0
        self.history: list[tuple[int, ...]] = []
        self.stages: list[Stage] = []

    def run(self) -> StvCount:
        first: list[list[int]] = [[] for _ in self.names]
        for paper, ranking in enumerate(self.rankings):
            first[ranking[0]].append(paper)
            self.total[ranking[0]] += self.counts[paper] * self.scale
        for candidate, parcel in enumerate(first):
            if parcel:
                self.parcels[candidate].append(parcel)
        self.record(StageAction.FIRST, (), None, None)
        while len(self.elected) < self.seats:
            vacancies = self.seats - len(self.elected)
            if len(self.continuing) <= vacancies:
                self.elect_the_rest(sorted(self.continuing, key=lambda c: -self.total[c]))
                break
            leader = self.last_vacancy()
            if leader is not None:
                self.elect_the_rest([leader])
                break
            self.next_stage(vacancies)
        return StvCount(
            self.rules,
            self.seats,
            self.valid,
            self.quota // self.scale,
            tuple(self.stages),
            tuple(self.names[c] for c in self.elected),
        )

    def next_stage(self, vacancies: int) -> None:
        self.stage_start = len(self.elected)
        surpluses = sum(self.total[c] - self.quota for c in self.pending)
        bulk = self.bulk_exclusion(surpluses, vacancies) if self.rules is StvRules.NORTHERN_IRELAND else None
        if self.pending and bulk is None:
            most = max(self.total[c] for c in self.pending)
            candidate, tie = self.break_tie([c for c in self.pending if self.total[c] == most], lowest=False)
            value = self.transfer_surplus(candidate)
            self.record(StageAction.SURPLUS, (candidate,), value, tie)
            return
        tie = None
        if bulk is None:
            least = min(self.total[c] for c in self.continuing)
            lowest, tie = self.break_tie([c for c in self.continuing if self.total[c] == least], lowest=True)
            bulk = [lowest]
        self.exclude(bulk)
        self.record(StageAction.EXCLUSION, tuple(bulk), None, tie)

    def last_vacancy(self) -> int | None:
        """Northern Ireland: with one seat left, a candidate with at least the votes of all the others
        together (with any surplus not yet transferred) is elected at once."""
        if self.rules is not StvRules.NORTHERN_IRELAND or self.seats - len(self.elected) != 1:
            return None
        others = sum(self.total[c] for c in self.continuing) + sum(
            self.total[c] - self.quota for c in self.pending
        )
        leader = max(self.continuing, key=lambda c: self.total[c])
        return leader if self.total[leader] >= others - self.total[leader] else None

    def bulk_exclusion(self, surpluses: int, vacancies: int) -> list[int] | None:
        """Northern Ireland: the most of the lowest candidates whose votes together, with the surpluses not
        yet transferred, are fewer than the next candidate's; None if not even the lowest one is."""
        ranked = sorted(self.continuing, key=lambda c: self.total[c])
        for size in range(len(ranked) - vacancies, 0, -1):
            if sum(self.total[c] for c in ranked[:size]) + surpluses < self.total[ranked[size]]:
                return ranked[:size]
        return None

    def break_tie(self, tied: list[int], lowest: bool) -> tuple[int, TieBreak | None]:
        """The candidate lowest (for exclusion) or highest (for a surplus) at the stage the rules look back
        to, else the first drawn by lot."""
        if len(tied) == 1:
            return tied[0], None
        names = tuple(self.names[c] for c in sorted(tied))
        stages = range(len(self.history))
        for stage in reversed(stages) if self.rules is StvRules.SCOTLAND else stages:
            votes = self.history[stage]
            pick = min if lowest else max
            mark = pick(votes[c] for c in tied)
            tied = [c for c in tied if votes[c] == mark]
            if len(tied) == 1:
                return tied[0], TieBreak(f"stage {stage + 1}", names, (self.names[tied[0]],))
        drawn = [c for c in (self.names.index(n) for n in self.lot if n in self.names) if c in tied]
        if not drawn:
            raise UnresolvedTie(f"a tie between {', '.join(names)} needs a lot", names)
        return drawn[0], TieBreak("lot", names, (self.names[drawn[0]],))

    def transfer_surplus(self, candidate: int) -> int:
        """Pass on a surplus; returns the transfer value of a paper the candidate received at value 1."""
        self.pending.remove(candidate)
        surplus = self.total[candidate] - self.quota
        before = self.non_transferable + sum(self.total)
        if self.rules is StvRules.SCOTLAND:
            held = [p for parcel in self.parcels[candidate] for p in parcel]
            votes = self.total[candidate]
            self.total[candidate] = self.quota
            self.move(held, lambda p: surplus * self.value[p] // votes)
            self.lost += before - self.non_transferable - sum(self.total)
            return surplus * self.scale // votes
        parcel = self.parcels[candidate][-1]
        onward = [p for p in parcel if self.next_preference(p) is not None]
        transferable = sum(self.counts[p] for p in onward)
        value = min(self.value[parcel[0]], surplus // transferable) if transferable else 0
        self.total[candidate] = self.quota
        self.move(onward, lambda _: value)
        self.non_transferable += before - self.non_transferable - sum(self.total)
        return value

    def exclude(self, candidates: list[int]) -> None:
        """Scotland passes on all the papers at once; Northern Ireland the first preferences first, then
        the transferred papers from the highest value down, electing between sub-parcels."""
        self.continuing -= set(candidates)
        papers = [p for c in candidates for parcel in self.parcels[c] for p in parcel]
        for c in candidates:
            self.total[c] = 0
            self.parcels[c] = []
        if self.rules is StvRules.SCOTLAND:
            self.move(papers, lambda p: self.value[p])
            return
        parcels: dict[tuple[bool, int], list[int]] = {}
        for paper in papers:
            parcels.setdefault((self.position[paper] == 0, self.value[paper]), []).append(paper)
        for key in sorted(parcels, reverse=True):
            self.move(parcels[key], lambda p: self.value[p])
            self.elect_with_quota()

    def next_preference(self, paper: int) -> int | None:
        ranking = self.rankings[paper]
        for candidate in ranking[self.position[paper] + 1 :]:
            if candidate in self.continuing:
                return candidate
        return None

    def move(self, papers: list[int], value_of: Callable[[int], int]) -> None:
        """Each paper to its next continuing preference at `value_of(paper)`, or to the non-transferable."""
        received: dict[int, list[int]] = {}
        for paper in papers:
            value = value_of(paper)
            ranking, position = self.rankings[paper], self.position[paper] + 1
            while position < len(ranking) and ranking[position] not in self.continuing:
                position += 1
            self.position[paper], self.value[paper] = position, value
            if position == len(ranking):
                self.non_transferable += self.counts[paper] * value
            else:
                self.total[ranking[position]] += self.counts[paper] * value
                received.setdefault(ranking[position], []).append(paper)
        for candidate, parcel in received.items():
            self.parcels[candidate].append(parcel)

    def elect_with_quota(self) -> None:
        reached = sorted(
            (c for c in self.continuing if self.total[c] >= self.quota), key=lambda c: -self.total[c]
        )
        for candidate in reached:
            self.continuing.discard(candidate)
            self.elected.append(candidate)
            if self.total[candidate] > self.quota:
                self.pending.append(candidate)

    def elect_the_rest(self, rest: list[int]) -> None:
        """Rule 52: the last vacancies filled at the end of the last stage; no more transfers."""
        self.elected.extend(rest)
        self.continuing.clear()
        last = self.stages[-1]
        self.stages[-1] = replace(last, elected=last.elected + tuple(self.names[c] for c in rest))

    def record(
        self, action: StageAction, subjects: tuple[int, ...], value: int | None, tie: TieBreak | None
    ) -> None:
        self.elect_with_quota()
        self.history.append(tuple(self.total))
        self.stages.append(
            Stage(
                len(self.stages) + 1,
                action,
                tuple(self.names[c] for c in subjects),
                None if value is None else self.decimal(value),
                {name: self.decimal(v) for name, v in zip(self.names, self.total, strict=True)},
                self.decimal(self.non_transferable),
                self.decimal(self.lost),
                tuple(self.names[c] for c in self.elected[self.stage_start :]),
                tie,
            )
        )

    def decimal(self, value: int) -> Decimal:
        return Decimal(value).scaleb(-self.rules.places)
