"""The JSON API's documents as OpenAPI describes them (contract §2 and §2.1). The API writes the same
dictionaries the command line prints (`tallyroom.serialise`); these models only describe them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Named(BaseModel):
    name: str
    code: str


class Control(BaseModel):
    before: str | None
    after: str | None
    decided: bool
    before_source: str
    """What control before is judged against: `record`, `roll`, `earlier-results`, `new-council` or
    `unknown`."""


class StillToDeclare(BaseModel):
    ward: Named
    seats: int
    status: str
    """`nominated`, `postponed`, `provisional` or `recount`."""


class Change(BaseModel):
    baseline: str | None
    baseline_date: str | None = None
    seats: dict[str, int]


class CouncilOutcome(BaseModel):
    """A council outcome (contract §2), with fields of our own after the contract's."""

    model_config = ConfigDict(extra="allow")

    council: Named
    election_date: str
    total_seats: int | None
    seats_up: int
    seats_declared: int
    majority_threshold: int | None
    won: dict[str, int] | None
    composition: dict[str, int] | None
    control: Control
    outcome: str | None
    change: Change
    headline: str
    seats_up_known: bool
    still_to_declare: list[StillToDeclare]


class Event(BaseModel):
    """A live event (contract §2.1); other types may be added, and carry fields of their own."""

    model_config = ConfigDict(extra="allow")

    seq: int
    type: str
    council: Named


class Progress(BaseModel):
    seats_declared: int
    seats_up: int
    wards_declared: int
    wards_up: int
    councils: int
    councils_complete: int
    councils_decided: int
    wards_counting: int


class NightProgress(BaseModel):
    night: Progress
    regions: dict[str, Progress]


class Headline(BaseModel):
    council: Named
    headline: str


class Night(BaseModel):
    election_date: str
    progress: NightProgress
    councils: list[CouncilOutcome]
    latest: list[Event]


class Story(BaseModel):
    council: Named
    election_date: str
    version: int
    text: str
    published_by: str
    published_at: str


class Accepted(BaseModel):
    new: int
    revised: int
    unchanged: int
    warnings: list[str] = []
    """What was taken but may be a mistake: a result filling more or fewer seats than its poll on the
    card."""
    events: list[Event]


class Waiting(BaseModel):
    """A posted file held for an editor to confirm (`serve --confirm`): the entry's id."""

    waiting: int
    message: str


class Problem(BaseModel):
    error: str
    row: int | None = None
    field: str | None = None


class Watch(BaseModel):
    """A council to watch: whether control can change, and the seats each party able to take a majority
    must still win."""

    council: Named
    prospect: Literal["can-change", "cannot-change", "not-known"]
    control_before: str | None
    majority_threshold: int | None
    seats_up: int
    seats_to_declare: int
    needs: dict[str, int]
    majority_at_risk: bool
