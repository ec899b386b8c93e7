"""Where transfers decided a seat in an STV count: a candidate elected who was not among the leaders on
first preferences, for "Sandy Cooper was elected at stage 4 after transfers from Frank Brown and Billy
Adams, overtaking the SNP's Patsy Gowans". Pure: the counts and the ward's candidacies in, facts out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from tallyroom.copy.names import ballot_name
from tallyroom.rules.outcome import WardOutcome
from tallyroom.rules.parties import Party
from tallyroom.rules.stv import StageAction, StvCount, parties_of

MAX_NAMED = 3
"""Seats decided by transfers a story tells one by one: those where the winner came from furthest
behind on first preferences."""


@dataclass(frozen=True)
class Transfer:
    """A seat transfers decided: who won it (`party`) at which `stage`, the candidates whose surplus or
    exclusion passed votes to the winner (`sources`, most votes first; a Northern Irish exclusion of
    several at once names none of them), and the first-preference leaders left out
    (`overtaken`, with their parties). `behind` is the winner's first-preference deficit to the
    lowest of them."""

    ward: str
    name: str
    party: Party
    stage: int
    sources: tuple[str, ...]
    overtaken: tuple[tuple[str, Party], ...]
    behind: int

    @property
    def people(self) -> tuple[str, ...]:
        return (self.name, *self.sources, *(name for name, _ in self.overtaken))


def ward_transfers(ward: str, count: StvCount, parties: Mapping[str, Party]) -> list[Transfer]:
    """The seats of one count that the first preferences alone would have given to someone else."""
    first = count.first_preferences
    leaders = sorted(first, key=lambda n: -first[n])[: count.seats]
    overtaken = [n for n in leaders if n not in count.elected]
    found = []
    for name in (n for n in count.elected if n not in leaders):
        stage = next(s for s in count.stages if name in s.elected)
        gained: dict[str, Decimal] = {}
        for earlier, later in zip(count.stages, count.stages[1 : stage.number], strict=False):
            if later.action is not StageAction.FIRST and len(later.subjects) == 1:
                (subject,) = later.subjects
                gained[subject] = gained.get(subject, Decimal(0)) + later.totals[name] - earlier.totals[name]
        sources = sorted(
            (n for n, v in gained.items() if v > 0 and n not in overtaken), key=lambda n: -gained[n]
        )
        found.append(
            Transfer(
                ward,
                ballot_name(name),
                parties[name],
                stage.number,
                tuple(ballot_name(n) for n in sources),
                tuple((ballot_name(n), parties[n]) for n in overtaken),
                int(min(first[n] for n in overtaken) - first[name]),
            )
        )
    return found


def council_transfers(
    wards: Iterable[tuple[str, WardOutcome]], counts: Mapping[tuple[str, str], StvCount]
) -> tuple[Transfer, ...]:
    """Every seat transfers decided among the wards (each with its name as copy writes it), those from
    furthest behind first. `counts` are by ward code (else name) and kind, as `store.queries` gives them."""
    found = []
    for name, ward in wards:
        poll = ward.result.poll
        count = counts.get((poll.ward.code or poll.ward.name, poll.kind.value))
        if count is not None:
            parties = parties_of(count, poll.candidacies)
            found += ward_transfers(name, count, parties)
    return tuple(sorted(found, key=lambda t: -t.behind))
