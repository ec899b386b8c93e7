"""The domain's plain objects: councils, wards, polls, candidacies and council-level results.

Nothing here reads a file or a database. Importers build these objects; the store keeps them;
the counting and council rules read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from tallyroom.rules.parties import Party


class PollKind(StrEnum):
    ORDINARY = "ordinary"
    BY_ELECTION = "by-election"


class ElectionType(StrEnum):
    """The Democracy Club election type of a poll (domain §10)."""

    LOCAL = "local"
    MAYOR = "mayor"
    PCC = "pcc"


class DeclarationStatus(StrEnum):
    """Where a poll stands (§11.1). Only a declared result counts. Before it, the poll is on the card:
    `nominated` (its candidates known, no figures yet) or `postponed` (countermanded or cancelled: no
    result tonight); then `provisional` figures, perhaps a `recount`, leave it pending until declared. A
    `superseded` revision arrived after a newer one and never counts."""

    NOMINATED = "nominated"
    POSTPONED = "postponed"
    PROVISIONAL = "provisional"
    RECOUNT = "recount"
    DECLARED = "declared"
    SUPERSEDED = "superseded"

    @property
    def on_card(self) -> bool:
        """A poll known before its count: nominated, or postponed."""
        return self in (DeclarationStatus.NOMINATED, DeclarationStatus.POSTPONED)

    @property
    def counting(self) -> bool:
        """Figures shown but not declared: the count is still open."""
        return self in (DeclarationStatus.PROVISIONAL, DeclarationStatus.RECOUNT)


class VotingSystem(StrEnum):
    """How a poll is counted (Democracy Club's names). Block voting is first past the post with one
    vote per seat; the single transferable vote elects Scottish and Northern Irish councils."""

    FPTP = "FPTP"
    SV = "sv"
    STV = "STV"


@dataclass(frozen=True, slots=True)
class CouncilRef:
    """A council as sources name it: the GSS code is the identity, the name is for people."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class WardRef:
    name: str
    code: str = ""


class Candidacy(NamedTuple):
    """A candidate standing in a poll. (Candidacies and polls are named tuples: as immutable as frozen
    dataclasses, and several times cheaper to build, which a night of 25,000 candidacies notices.)

    `party` comes from the party register; `label` is the description as the source printed it.
    `votes` is None when the poll was uncontested. `elected` is the published flag, or None when the
    source gives none and the count decides. `tie_break_winner` marks a winner chosen by lot (§2.2).
    `transfers` holds second-preference votes added in the final round of a supplementary vote count.
    `incumbent` is set where the source says whether the candidate was a sitting councillor.
    """

    name: str
    party: Party
    label: str
    votes: int | None
    elected: bool | None = None
    tie_break_winner: bool = False
    transfers: int | None = None
    incumbent: bool | None = None


@dataclass(frozen=True, slots=True)
class BallotFigures:
    """Ballot paper figures for a poll (§3.1); every field is optional."""

    electorate: int | None = None
    ballots_counted: int | None = None
    rejected: int | None = None
    turnout_published: float | None = None

    @property
    def valid_ballots(self) -> int | None:
        if self.ballots_counted is None or self.rejected is None:
            return None
        return self.ballots_counted - self.rejected


NO_FIGURES = BallotFigures()


class Poll(NamedTuple):
    """One contest in one ward (or mayoral or police area) on one day."""

    election_date: date
    council: CouncilRef
    ward: WardRef
    seats: int
    candidacies: tuple[Candidacy, ...]
    kind: PollKind = PollKind.ORDINARY
    election_type: ElectionType = ElectionType.LOCAL
    figures: BallotFigures = NO_FIGURES
    status: DeclarationStatus = DeclarationStatus.DECLARED


@dataclass(frozen=True, slots=True)
class ReadOut:
    """One stage of an STV count as read out at the count, before its papers or its declaration (a line
    of a stage sheet): each candidate's votes at the end of the stage, the papers that went no further
    under the sheet's own name for them (`rules.stv.NON_TRANSFERABLE`)."""

    election_date: date
    council: CouncilRef
    ward: WardRef
    stage: int
    totals: dict[str, Decimal]


@dataclass(frozen=True, slots=True)
class CouncilResult:
    """A council's result known only as seats per party (the `council` format, news agency totals)."""

    election_date: date
    council: CouncilRef
    total_seats: int
    seats_after: dict[Party, int]
    seats_won: dict[Party, int] | None = None


@dataclass(frozen=True, slots=True)
class ControlRecord:
    """Who controlled a council on the eve of poll: a party id, or NOC."""

    election_date: date
    council: CouncilRef
    control_before: str


@dataclass(frozen=True, slots=True)
class EveOfPoll:
    """A council on the eve of poll as a news agency's nominations give it (PA): the seats each party
    holds (`seats_held`, the whole council's make-up), the seats each defends tonight (`defending`, when
    given), how many seats are up, and whether the council is new or on new boundaries. It names no
    wards or candidates."""

    election_date: date
    council: CouncilRef
    seats_held: dict[Party, int]
    seats_up: int | None = None
    defending: dict[Party, int] | None = None
    new_council: bool = False
    boundary_change: bool = False


@dataclass(frozen=True, slots=True)
class Councillor:
    """A sitting councillor in a composition snapshot (Open Council Data roll)."""

    council: CouncilRef
    ward: str
    name: str
    party: Party
    next_election: date | None


@dataclass(frozen=True, slots=True)
class CompositionSnapshot:
    """Everyone sitting on one council at a moment, as a councillor roll gives it."""

    council: CouncilRef
    taken: date
    councillors: tuple[Councillor, ...]

    def due(self, on: date) -> tuple[Councillor, ...]:
        """The councillors whose seats are up at an election on `on`, by the roll's next-election dates."""
        return tuple(
            c for c in self.councillors if c.next_election is not None and c.next_election.year == on.year
        )
