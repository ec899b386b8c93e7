"""A poll's Democracy Club ballot id (domain §10): the name the log, the pages and the export give it."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from uk_election_ids.election_ids import IdBuilder

from tallyroom.rules.model import ElectionType, Poll, PollKind


def ballot_id(poll: Poll) -> str:
    """E.g. `local.derby.darley.2021-05-06`. A ValueError when a name has no letter or digit to make
    the id from."""
    return _ballot_id(poll.election_type, poll.election_date, poll.council.name, poll.ward.name, poll.kind)


@lru_cache(maxsize=65536)
def _ballot_id(election_type: ElectionType, day: date, council: str, ward: str, kind: PollKind) -> str:
    """Made once per poll and kept: the slugging in `uk_election_ids` costs more than the rest of a
    poll's check."""
    builder = IdBuilder(election_type.value, day).with_organisation(council)
    if election_type is ElectionType.LOCAL:
        builder = builder.with_division(ward)
    if kind is PollKind.BY_ELECTION:
        builder = builder.with_contest_type("by")
    ballot: str = builder.ballot_id
    return ballot
