"""Counting one poll: block voting, ties by lot, uncontested wards and the supplementary vote (§2-§4).

The count never invents votes. Where the published figures tie for a seat the winner must be marked as
chosen by lot; the tie is recorded, not broken with an extra vote. Ballot invariants that fail are
flagged on the result, never used to reject it (§3.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

from uk_election_ids.metadata_tools import VotingSystemMatcher

from tallyroom.rules.model import (
    BallotFigures,
    Candidacy,
    DeclarationStatus,
    ElectionType,
    Poll,
    VotingSystem,
)


class CountError(ValueError):
    """The figures cannot produce a result: a supplementary vote count without its second round, or a
    tie nobody resolved (`UnresolvedTie`)."""


class UnresolvedTie(CountError):
    """A tie that decides a seat with no winner chosen by lot (§2.2), between the candidates named."""

    def __init__(self, message: str, between: tuple[str, ...]) -> None:
        super().__init__(message)
        self.between = between


@dataclass(frozen=True, slots=True)
class TieBreak:
    method: str
    between: tuple[str, ...]
    winners: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SupplementaryCount:
    """The rounds of a supplementary vote count (§4.1). `final` is empty when round one decided it."""

    first_round: dict[str, int]
    finalists: tuple[str, ...]
    final: dict[str, int]


@dataclass(frozen=True, slots=True)
class PollResult:
    """A counted poll: who is elected, in finishing order, and what the figures say."""

    poll: Poll
    ranked: tuple[Candidacy, ...]
    elected: tuple[Candidacy, ...]
    contested: bool
    majority: int | None
    tie_break: TieBreak | None = None
    sv: SupplementaryCount | None = None
    flags: tuple[str, ...] = ()

    @property
    def votes_cast(self) -> int:
        """The candidates' votes added up: 0 where uncontested, and more than the ballots where each
        elector had a vote for each of several seats."""
        return sum(c.votes or 0 for c in self.ranked)


NATIONS = {"E": "ENG", "W": "WLS", "S": "SCT", "N": "NIR"}
"""The nation of a council, by the first letter of its GSS code."""


@cache
def voting_system(election_type: ElectionType, on: date, nation: str = "ENG") -> VotingSystem:
    """By Democracy Club's data, keyed by type, nation and date (§4.2, §10): councils FPTP in England and
    Wales, STV in Scotland and Northern Ireland; mayors and commissioners SV before 4 May 2023.

    The data's date ranges end on their last day (`:2023-05-03` for SV, then `2023-05-04:`), but
    uk-election-ids reads an end as the first day after, so a range's last day matches none: that day
    takes the system of the day before, the range it ends."""
    try:
        return _matched(election_type, on, nation)
    except ValueError:
        return _matched(election_type, on - timedelta(days=1), nation)


def _matched(election_type: ElectionType, on: date, nation: str) -> VotingSystem:
    if election_type is ElectionType.LOCAL:
        matcher = VotingSystemMatcher(f"local.placeholder.placeholder.{on.isoformat()}", nation=nation)
    else:
        matcher = VotingSystemMatcher(f"{election_type.value}.placeholder.{on.isoformat()}")
    return VotingSystem(matcher.get_voting_system())


def system_of(poll: Poll) -> VotingSystem:
    """How the poll is counted, by its council's nation, its type and its day."""
    return voting_system(poll.election_type, poll.election_date, NATIONS.get(poll.council.code[:1], "ENG"))


@lru_cache(maxsize=200_000)
def count(poll: Poll) -> PollResult:
    """The poll counted by its voting system. Polls are values, so a poll counted before (a night
    recomputed) is answered from memory."""
    system = system_of(poll)
    if system is VotingSystem.SV and is_contested(poll):
        return count_supplementary(poll)
    if system is VotingSystem.STV and is_contested(poll):
        return count_as_published(poll)
    return count_block(poll)


def count_as_published(poll: Poll) -> PollResult:
    """An STV poll without its stage-by-stage sheet: the winners are those published, in order of first
    preferences (§5.4); no majority is measured."""
    ranked = tuple(sorted(poll.candidacies, key=lambda c: (not c.elected, -(c.votes or 0), c.name)))
    elected = tuple(c for c in ranked if c.elected)
    flags = (
        () if len(elected) == poll.seats else (f"{len(elected)} published winners for {poll.seats} seats",)
    )
    return PollResult(poll, ranked, elected, True, None, flags=flags)


def unopposed(poll: Poll) -> bool:
    """No more candidates than seats: all of them are elected at the close of nominations (§2.4)."""
    return len(poll.candidacies) <= poll.seats


def card_of(poll: Poll) -> Poll:
    """A poll as its card gives it, before any count: who stands, for how many seats, and the
    electorate; a poll returned unopposed is already its result."""
    if unopposed(poll):
        return poll
    return poll._replace(
        status=DeclarationStatus.NOMINATED,
        candidacies=tuple(
            c._replace(votes=None, elected=None, tie_break_winner=False, transfers=None)
            for c in poll.candidacies
        ),
        figures=BallotFigures(electorate=poll.figures.electorate),
    )


def is_contested(poll: Poll) -> bool:
    """A poll returned unopposed, or with no votes published, was not contested (§2.4)."""
    return not unopposed(poll) and any(c.votes is not None for c in poll.candidacies)


def count_block(poll: Poll) -> PollResult:
    """First past the post with one vote per seat: the top `seats` candidates by votes win (§2.1-§2.3)."""
    seats = poll.seats
    if not is_contested(poll):
        flagged = tuple(c for c in poll.candidacies if c.elected)
        elected = flagged if flagged else tuple(poll.candidacies[:seats])
        unfilled = () if len(elected) == seats else (f"{seats - len(elected)} seat(s) left unfilled",)
        return PollResult(poll, elected, elected, contested=False, majority=None, flags=unfilled)

    ranked = tuple(sorted(poll.candidacies, key=lambda c: (-(c.votes or 0), not c.elected, c.name)))
    flags = list(ballot_flags(poll))
    tie = _tie_at_the_line(poll, ranked)
    if tie is not None:
        ranked = _order_tied(ranked, tie)
    elected = ranked[:seats]
    published = tuple(c for c in poll.candidacies if c.elected)
    if any(c.elected is not None for c in poll.candidacies) and set(published) != set(elected):
        flags.append(
            "published winners differ from the vote count: "
            + ", ".join(sorted(c.name for c in published))
            + " published; "
            + ", ".join(sorted(c.name for c in elected))
            + " by votes"
        )
        elected = tuple(c for c in ranked if c.elected)
        majority = None  # a loser has as many votes as a winner, or more: no margin to measure
    else:
        majority = (elected[-1].votes or 0) - (ranked[seats].votes or 0) if elected else None
    return PollResult(poll, ranked, elected, True, majority, tie_break=tie, flags=tuple(flags))


def _tie_at_the_line(poll: Poll, ranked: tuple[Candidacy, ...]) -> TieBreak | None:
    """The tie, if any, between the last seat and the best loser. It must have been settled by lot."""
    seats = poll.seats
    line = ranked[seats - 1].votes
    if line != ranked[seats].votes:
        return None
    tied = [c for c in ranked if c.votes == line]
    places = seats - sum(1 for c in ranked if (c.votes or 0) > (line or 0))
    winners = [c for c in tied if c.tie_break_winner or c.elected]
    if len(winners) != places:
        names = ", ".join(c.name for c in tied)
        raise UnresolvedTie(
            f"{poll.ward.name}: {names} tie on {line} votes for {places} seat(s); "
            "mark the winner(s) chosen by lot",
            tuple(c.name for c in tied),
        )
    return TieBreak("lot", tuple(c.name for c in tied), tuple(c.name for c in winners))


def _order_tied(ranked: tuple[Candidacy, ...], tie: TieBreak) -> tuple[Candidacy, ...]:
    def key(c: Candidacy) -> tuple[int, bool]:
        return (-(c.votes or 0), c.name not in tie.winners)

    return tuple(sorted(ranked, key=key))


def ballot_flags(poll: Poll) -> list[str]:
    """The invariants of §3.3 that these figures break."""
    figures = poll.figures
    votes = [c.votes for c in poll.candidacies if c.votes is not None]
    flags: list[str] = []
    valid = figures.valid_ballots
    if valid is not None:
        if any(v > valid for v in votes):
            flags.append(f"a candidate has more votes than the {valid} valid ballot papers")
        if sum(votes) > valid * poll.seats:
            flags.append(f"votes total {sum(votes)}, more than {valid} papers x {poll.seats} seats")
    if (
        figures.electorate is not None
        and figures.ballots_counted is not None
        and figures.ballots_counted > figures.electorate
    ):
        flags.append(f"{figures.ballots_counted} papers counted but only {figures.electorate} electors")
    return flags


def count_supplementary(poll: Poll) -> PollResult:
    """The supplementary vote (§4.1): a winner on first choices needs more than half; else the top two
    go on, and second choices on the others' papers are added to them (so no more than those papers)."""
    first = {c.name: c.votes or 0 for c in poll.candidacies}
    total = sum(first.values())
    by_first = sorted(poll.candidacies, key=lambda c: -(c.votes or 0))
    leader = by_first[0]
    if (leader.votes or 0) * 2 > total:
        sv = SupplementaryCount(first, (), {})
        return PollResult(
            poll, tuple(by_first), (leader,), True, (leader.votes or 0) - (by_first[1].votes or 0), sv=sv
        )
    if len(by_first) > 2 and (by_first[1].votes or 0) == (by_first[2].votes or 0):
        raise UnresolvedTie(
            f"{poll.ward.name}: a tie for second place on first choices needs a lot",
            tuple(c.name for c in by_first if c.votes == by_first[1].votes),
        )
    finalists = by_first[:2]
    missing = [c.name for c in finalists if c.transfers is None and len(by_first) > 2]  # two: none to add
    if missing:
        raise CountError(f"{poll.ward.name}: no second-round votes for {', '.join(missing)}")
    knocked_out = total - sum(first[c.name] for c in finalists)
    added = sum(c.transfers or 0 for c in finalists)
    if added > knocked_out:
        raise CountError(
            f"{poll.ward.name}: {added:,} second-round votes added to the top two, more than the"
            f" {knocked_out:,} first choices of the candidates knocked out"
        )
    final = {c.name: (c.votes or 0) + (c.transfers or 0) for c in finalists}
    ranked_final = sorted(finalists, key=lambda c: -final[c.name])
    winner, runner_up = ranked_final
    if final[winner.name] == final[runner_up.name]:
        if not (winner.tie_break_winner or runner_up.tie_break_winner):
            raise UnresolvedTie(
                f"{poll.ward.name}: the final round is tied; mark the winner chosen by lot",
                (winner.name, runner_up.name),
            )
        if runner_up.tie_break_winner:
            winner, runner_up = runner_up, winner
    ranked = (winner, runner_up, *by_first[2:])
    sv = SupplementaryCount(first, tuple(c.name for c in finalists), final)
    majority = final[winner.name] - final[runner_up.name]
    return PollResult(poll, ranked, (winner,), True, majority, sv=sv)
