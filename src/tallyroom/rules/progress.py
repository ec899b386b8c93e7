"""How far a night has got, for a council, a region and the whole night (seats, wards, councils)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from typing import Any

from tallyroom.rules.outcome import CouncilOutcome


@dataclass(frozen=True, slots=True)
class Progress:
    seats_declared: int = 0
    seats_up: int = 0
    wards_declared: int = 0
    wards_up: int = 0
    councils: int = 0
    councils_complete: int = 0
    councils_decided: int = 0
    wards_counting: int = 0

    def __add__(self, other: Progress) -> Progress:
        return Progress(*(getattr(self, f) + getattr(other, f) for f in FIELDS))

    def json(self) -> dict[str, Any]:
        return asdict(self)


FIELDS = tuple(f.name for f in fields(Progress))


def of_council(outcome: CouncilOutcome) -> Progress:
    return Progress(
        seats_declared=outcome.seats_declared,
        seats_up=outcome.seats_up,
        wards_declared=outcome.wards_declared,
        wards_up=outcome.wards_up,
        councils=1,
        councils_complete=int(outcome.complete),
        councils_decided=int(outcome.decided),
        wards_counting=outcome.wards_counting,
    )


def of_night(outcomes: Iterable[CouncilOutcome], region_of: Callable[[str], str]) -> dict[str, Any]:
    """The whole night and each region (by council code; "" where the register gives none)."""
    night, regions = Progress(), dict[str, Progress]()
    for outcome in outcomes:
        council = of_council(outcome)
        night += council
        region = region_of(outcome.council.code)
        regions[region] = regions.get(region, Progress()) + council
    return {"night": night.json(), "regions": {name: p.json() for name, p in sorted(regions.items())}}
