"""A poll's Democracy Club ballot id (domain §10): the name the log, the pages and the export give it."""

from __future__ import annotations

from uk_election_ids.election_ids import IdBuilder

from tallyroom.rules.model import ElectionType, Poll, PollKind


def ballot_id(poll: Poll) -> str:
    """E.g. `local.derby.darley.2021-05-06`. A ValueError when a name has no letter or digit to make
    the id from."""
    builder = IdBuilder(poll.election_type.value, poll.election_date).with_organisation(poll.council.name)
    if poll.election_type is ElectionType.LOCAL:
        builder = builder.with_division(poll.ward.name)
    if poll.kind is PollKind.BY_ELECTION:
        builder = builder.with_contest_type("by")
    ballot: str = builder.ballot_id
    return ballot
