"""Vote share, share change and swing for a ward, a council, a region or the night (§3.4, §8.1, §8.2).

A ward is compared with the poll its seats were last fought in: the poll that elected the councillors
it replaces, where the roster knows them (see `tallyroom.results`), else the same ward's latest ordinary
poll held at least a four-year term before (`Earlier.last_fought`). There a ward is known by its GSS
code, and by its name only where one side has no code (a source that prints names only).

Shares over many wards add up each party's votes, by the method, over the wards; change is measured
over the comparable wards only (contested both times), with the same method both times. Each
independent is a party of their own within a ward (§3.4) and all independents are pooled in the totals.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tallyroom.rules.model import DeclarationStatus, ElectionType, Poll, PollKind
from tallyroom.rules.parties import Party, slug
from tallyroom.rules.roster import TERM


class ShareMethod(StrEnum):
    """How a party's votes in a ward are counted (§3.4)."""

    TOP_VOTE = "top-vote"
    TOTAL_VOTES = "total-votes"


class Standing(StrEnum):
    """Whether a party stood in the comparable wards now, at the baseline, or both (§8.1)."""

    BOTH = "both"
    NEW = "new"
    """Stood only now: its change is its whole share ("+x (new)")."""
    GONE = "did-not-stand"
    """Stood only at the baseline ("-y (did not stand)")."""


def ward_votes(poll: Poll, method: ShareMethod = ShareMethod.TOP_VOTE) -> dict[str, int]:
    """Each party's votes in a contested poll by the method, keyed by party id, each independent by
    `id#name`; empty for a poll with no votes (uncontested)."""
    votes: dict[str, int] = {}
    for c in poll.candidacies:
        if c.votes is None:
            return {}
        key = f"{c.party.id}#{c.name}" if c.party.independent else c.party.id
        if method is ShareMethod.TOP_VOTE:
            votes[key] = max(votes.get(key, 0), c.votes)
        else:
            votes[key] = votes.get(key, 0) + c.votes
    return votes if sum(votes.values()) else {}


def top_vote_shares(poll: Poll) -> dict[str, float]:
    """Each party's share by the top-vote method (§3.4), as a fraction; empty for an uncontested poll."""
    votes = ward_votes(poll)
    total = sum(votes.values())
    return {key: v / total for key, v in votes.items()}


def butler_swing(now: dict[str, float], before: dict[str, float], to: str, away: str) -> float:
    """Swing from `away` to `to` in percentage points of fractional shares (§8.2): the mean of one's gain
    and the other's loss in share; positive is a swing to `to`."""
    return ((now.get(to, 0) - before.get(to, 0)) + (before.get(away, 0) - now.get(away, 0))) / 2 * 100


class Earlier:
    """A council's (or the night's) earlier polls, indexed to find the poll a ward was last fought in."""

    def __init__(self, polls: Iterable[Poll]) -> None:
        self._by_code: dict[tuple[str, str], list[Poll]] = defaultdict(list)
        self._by_name: dict[tuple[str, str], list[Poll]] = defaultdict(list)
        for p in polls:
            if (
                p.kind is PollKind.ORDINARY
                and p.election_type is ElectionType.LOCAL
                and p.status is DeclarationStatus.DECLARED
            ):
                if p.ward.code:
                    self._by_code[p.council.code, p.ward.code].append(p)
                self._by_name[p.council.code, slug(p.ward.name)].append(p)

    def last_fought(self, poll: Poll) -> Poll | None:
        """The ward's latest ordinary poll a full term before this one: by code, or by name where either
        side has no code."""
        council, code = poll.council.code, poll.ward.code
        found = list(self._by_code.get((council, code), ())) if code else []
        found += [
            p for p in self._by_name.get((council, slug(poll.ward.name)), ()) if not (code and p.ward.code)
        ]
        due = [p for p in found if p.election_date <= poll.election_date - TERM]
        return max(due, key=lambda p: p.election_date, default=None)


def _party_of(key: str) -> str:
    return key.split("#", 1)[0]


@dataclass(frozen=True, slots=True)
class PartyShare:
    """One party's figures: `share` of all votes in the contested wards; `now` and `before` over the
    comparable wards; `change` in points (its whole share for a new party, minus its baseline share
    for one that did not stand now). Percentages."""

    party: Party
    votes: int
    share: float
    now: float | None
    before: float | None
    standing: Standing | None

    @property
    def change(self) -> float | None:
        return None if self.now is None or self.before is None else self.now - self.before


@dataclass(frozen=True, slots=True)
class ShareTable:
    method: ShareMethod
    wards: int
    """Contested wards counted."""
    wards_compared: int
    """Of those, wards contested at the baseline too."""
    baseline_years: tuple[int, ...]
    parties: tuple[PartyShare, ...]

    def party(self, party_id: str) -> PartyShare | None:
        return next((p for p in self.parties if p.party.id == party_id), None)

    @property
    def baseline_label(self) -> str:
        return "/".join(str(y) for y in self.baseline_years)


@dataclass(frozen=True, slots=True)
class ShareSwing:
    """Butler swing from `away` to `to` over the comparable wards, in points; None, with the reason,
    where one of them did not stand at the baseline (or now)."""

    to: Party
    away: Party
    points: float | None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ShareSums:
    """What a share table adds up over some wards (`share_sums`). The sums of several sets of wards, in
    order, add up (`table_of`) to the table of them all: an area's table is made from its councils'
    sums, each made once."""

    parties: dict[str, Party]
    total: Counter[str]
    now: Counter[str]
    before: Counter[str]
    wards: int
    compared: int
    years: Counter[int]


def share_sums(pairs: Iterable[tuple[Poll, Poll | None]], method: ShareMethod) -> ShareSums:
    """Each party's votes over the contested polls of `pairs` (a poll, and the poll its seats were last
    fought in or None), and over the comparable ones, now and before."""
    parties: dict[str, Party] = {}
    total: Counter[str] = Counter()
    now: Counter[str] = Counter()
    before: Counter[str] = Counter()
    wards = compared = 0
    years: Counter[int] = Counter()
    for poll, last in pairs:
        votes = ward_votes(poll, method)
        if not votes:
            continue
        wards += 1
        parties.update((c.party.id, c.party) for c in poll.candidacies)
        _add(total, votes)
        old = ward_votes(last, method) if last is not None else {}
        if last is None or not old:
            continue
        compared += 1
        years[last.election_date.year] += 1
        parties.update((c.party.id, c.party) for c in last.candidacies)
        _add(now, votes)
        _add(before, old)
    return ShareSums(parties, total, now, before, wards, compared, years)


def table_of(method: ShareMethod, sums: Iterable[ShareSums]) -> ShareTable:
    """The table, by `method`, of the wards the `sums` were made over (by the same method)."""
    parties: dict[str, Party] = {}
    total: Counter[str] = Counter()
    now: Counter[str] = Counter()
    before: Counter[str] = Counter()
    years: Counter[int] = Counter()
    wards = compared = 0
    for part in sums:
        parties.update(part.parties)
        total.update(part.total)
        now.update(part.now)
        before.update(part.before)
        years.update(part.years)
        wards += part.wards
        compared += part.compared
    return ShareTable(
        method, wards, compared, tuple(sorted(years)), tuple(_party_shares(parties, total, now, before))
    )


def share_table(pairs: Iterable[tuple[Poll, Poll | None]], method: ShareMethod) -> ShareTable:
    """Shares over the contested polls of `pairs` (a poll, and the poll its seats were last fought in or
    None), and change over the comparable ones."""
    return table_of(method, [share_sums(pairs, method)])


def _add(into: Counter[str], votes: dict[str, int]) -> None:
    for key, v in votes.items():
        into[_party_of(key)] += v


def _percent(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


def _party_shares(
    parties: dict[str, Party], total: Counter[str], now: Counter[str], before: Counter[str]
) -> Iterable[PartyShare]:
    all_votes, now_votes, before_votes = total.total(), now.total(), before.total()
    order = sorted(parties, key=lambda pid: (-total[pid], -before[pid], parties[pid].name))
    for pid in order:
        compared = bool(now[pid] or before[pid])
        standing = None
        if compared:
            standing = (
                Standing.BOTH if now[pid] and before[pid] else Standing.NEW if now[pid] else Standing.GONE
            )
        yield PartyShare(
            party=parties[pid],
            votes=total[pid],
            share=_percent(total[pid], all_votes),
            now=_percent(now[pid], now_votes) if compared else None,
            before=_percent(before[pid], before_votes) if compared else None,
            standing=standing,
        )


def swing(table: ShareTable, to: Party, away: Party) -> ShareSwing:
    """Butler swing between two parties over the table's comparable wards (§8.2). A party that did not
    stand at the baseline has no swing: "did not stand in 2019"."""
    changes: list[float] = []
    for party in (to, away):
        found = table.party(party.id)
        if found is None or found.change is None or found.standing is not Standing.BOTH:
            return ShareSwing(to, away, None, _did_not_stand(party, found, table.baseline_label))
        changes.append(found.change)
    return ShareSwing(to, away, (changes[0] - changes[1]) / 2)


def _did_not_stand(party: Party, found: PartyShare | None, baseline: str) -> str:
    if found is not None and found.standing is Standing.NEW:
        return f"{party.name} did not stand in {baseline}"
    if found is not None and found.standing is Standing.GONE:
        return f"{party.name} did not stand this time"
    return f"{party.name} did not stand in the comparable wards"
