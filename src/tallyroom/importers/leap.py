"""The Local Elections Archive Project's yearly CSV: no header, one row per candidate, the date in the
file name (`leap-2019-05-02.csv`).

Columns: council, council code, ward, ward code, candidate, party abbreviation, votes, elected. A ward's
seats are its winners. Uncontested candidates appear with 0 votes and elected 1. "Elected Mayor" rows
carry NULL in every other field and no votes: they are skipped, and said so.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from tallyroom.importers.base import (
    Batch,
    CandidateRow,
    Context,
    InputError,
    Skip,
    assemble_polls,
    mark_by_elections,
    parse_flag,
    read_text,
    require_int,
    rows_of,
)
from tallyroom.importers.ward import council_ref
from tallyroom.rules.model import Candidacy, Poll, WardRef

HEADER = ["council", "council_code", "ward", "ward_code", "candidate", "party", "votes", "elected"]
GSS = re.compile(r"^[ENSW]\d{8}$")


def election_date(path: Path, context: Context) -> date:
    if context.election_date is not None:
        return context.election_date
    found = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    if not found:
        raise InputError(path, "no election date in the file name (leap-YYYY-MM-DD.csv): give --date")
    return date.fromisoformat(found.group(1))


def read(path: Path, context: Context) -> Batch:
    polling_day = election_date(path, context)
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    rows, skipped = [], []
    for number, r in rows_of(path, reader, HEADER, first=1):
        if r["ward"] == "Elected Mayor" or "NULL" in (r["ward_code"], r["candidate"]):
            skipped.append(Skip(number, f"{r['council']}: placeholder row with no candidate or votes"))
            continue
        if not GSS.match(r["ward_code"]):
            raise InputError(path, f"not a GSS ward code: {r['ward_code']!r}", number, "ward_code")
        votes = require_int(path, number, "votes", r["votes"])
        rows.append(
            CandidateRow(
                row=number,
                election_date=polling_day,
                council=council_ref(path, number, context, r["council"], r["council_code"], polling_day),
                ward=WardRef(r["ward"], r["ward_code"]),
                candidacy=Candidacy(
                    name=r["candidate"],
                    party=context.reference.parties.resolve(r["party"]),
                    label=r["party"],
                    votes=votes,
                    elected=parse_flag(path, number, "elected", r["elected"]),
                ),
            )
        )
    polls = mark_by_elections(assemble_polls(path, rows), context.reference)
    return Batch(polls=[_unopposed(p) for p in polls], skipped=skipped)


def _unopposed(poll: Poll) -> Poll:
    """LEAP prints an uncontested ward's winners with 0 votes: they had no poll, so no votes."""
    if len(poll.candidacies) <= poll.seats and all(not c.votes for c in poll.candidacies):
        return replace(poll, candidacies=tuple(replace(c, votes=None) for c in poll.candidacies))
    return poll
