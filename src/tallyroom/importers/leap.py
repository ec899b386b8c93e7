"""The Local Elections Archive Project's yearly CSV: no header, one row per candidate, the date in the
file name (`leap-2019-05-02.csv`).

Columns: council, council code, ward, ward code, candidate, party abbreviation, votes, elected. A ward's
seats are its winners. Uncontested candidates appear with 0 votes and elected 1. "Elected Mayor" rows
carry NULL in every other field and no votes: they are skipped, and said so.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tallyroom.delivery import Batch, Skip
from tallyroom.errors import InputError
from tallyroom.importers.base import (
    CandidateRow,
    Context,
    Fields,
    assemble_polls,
    council_ref,
    parse_flag,
    read_text,
    records,
    require_int,
)
from tallyroom.importers.limits import GSS
from tallyroom.rules.model import Candidacy, CouncilRef, Poll, WardRef

HEADER = ["council", "council_code", "ward", "ward_code", "candidate", "party", "votes", "elected"]
FIELDS = Fields(tie_break="elected", lot="1")
"""A winner chosen by lot is the one of the tied candidates marked elected."""


def election_date(path: Path, context: Context) -> date:
    if context.election_date is not None:
        return context.election_date
    found = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    if not found:
        raise InputError(path, "no election date in the file name (leap-YYYY-MM-DD.csv): give --date")
    return date.fromisoformat(found.group(1))


def read(path: Path, context: Context) -> Batch:
    polling_day = election_date(path, context)
    parties = context.reference.parties
    councils: dict[tuple[str, str], CouncilRef] = {}
    wards: dict[tuple[str, str], WardRef] = {}
    rows, skipped = [], []
    for number, values in records(path, read_text(path), HEADER, first=1):
        council, council_code, ward, ward_code, candidate, party, votes, elected = values
        if ward == "Elected Mayor" or "NULL" in (ward_code, candidate):
            skipped.append(Skip(number, f"{council}: placeholder row with no candidate or votes"))
            continue
        place = wards.get((ward, ward_code))
        if place is None:
            if not GSS.fullmatch(ward_code):
                raise InputError(path, f"not a GSS ward code: {ward_code!r}", number, "ward_code")
            place = wards[ward, ward_code] = WardRef(ward, ward_code)
        if (council, council_code) not in councils:
            councils[council, council_code] = council_ref(
                path, number, context, council, council_code, polling_day
            )
        rows.append(
            CandidateRow(
                row=number,
                election_date=polling_day,
                council=councils[council, council_code],
                ward=place,
                candidacy=Candidacy(
                    name=candidate,
                    party=parties.resolve(party),
                    label=party,
                    votes=require_int(path, number, "votes", votes),
                    elected=parse_flag(path, number, "elected", elected),
                ),
                fields=FIELDS,
            )
        )
    polls = assemble_polls(path, rows, context.reference)
    return Batch(polls=[_unopposed(p) for p in polls], skipped=skipped)


def _unopposed(poll: Poll) -> Poll:
    """LEAP prints an uncontested ward's winners with 0 votes: they had no poll, so no votes."""
    if len(poll.candidacies) <= poll.seats and all(not c.votes for c in poll.candidacies):
        return poll._replace(candidacies=tuple(c._replace(votes=None) for c in poll.candidacies))
    return poll
