"""The native ward-level CSV (contract §3.1): one row per candidacy.

Beyond the contract's columns, optional ones: `tie_break` (`lot` on a winner chosen by lot), `kind`
(`ordinary` or `by-election`), `election_type` (`local`, `mayor`, `pcc`), `transfers` (second
preferences added in the final round of a supplementary vote count), `status` and `incumbent` (1 for
a sitting councillor, 0 for anyone else).

`status` says where the poll stands (contract §6): `declared` (the default), a result; `nominated`, a
candidacy on the card, standing tonight with no result yet (`votes` and `elected` blank); `postponed`,
a poll countermanded or cancelled, whose seats are not declared tonight; `provisional`, figures shown
before the declaration; `recount`, figures under a recount. A poll whose candidates are no more than
its seats is returned unopposed: on the card, it is given as declared with `votes` blank.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO, TypeVar

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers.base import (
    CandidateRow,
    Context,
    assemble_polls,
    council_ref,
    csv_rows,
    parse_date,
    parse_flag,
    parse_int,
    require_int,
)
from tallyroom.rules.model import (
    BallotFigures,
    Candidacy,
    DeclarationStatus,
    ElectionType,
    Poll,
    PollKind,
    WardRef,
)

COLUMNS = (
    "election_date",
    "council",
    "council_code",
    "ward",
    "ward_code",
    "seats",
    "candidate",
    "party",
    "votes",
)


E = TypeVar("E", PollKind, ElectionType, DeclarationStatus)
STATUSES = tuple(s for s in DeclarationStatus if s is not DeclarationStatus.SUPERSEDED)
"""What a row may say of its poll: the log marks a revision superseded itself."""


def _enum(path: Path, row: int, name: str, value: str, kind: type[E], default: E) -> E:
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise InputError(path, f"{value!r} is not one of {allowed}", row, name) from None


def _status(path: Path, row: int, value: str) -> DeclarationStatus:
    status = _enum(path, row, "status", value, DeclarationStatus, DeclarationStatus.DECLARED)
    if status not in STATUSES:
        raise InputError(path, f"{value!r} is not one of {', '.join(STATUSES)}", row, "status")
    return status


def read(path: Path, context: Context) -> Batch:
    rows = []
    for number, r in csv_rows(path, COLUMNS):
        day = parse_date(path, number, "election_date", r["election_date"])
        tie = r.get("tie_break", "").lower()
        if tie not in {"", "lot"}:
            raise InputError(path, f"{r['tie_break']!r}: the only method is 'lot'", number, "tie_break")
        votes = parse_int(path, number, "votes", r["votes"])
        candidacy = Candidacy(
            name=r["candidate"],
            party=context.reference.parties.resolve(r["party"]),
            label=r["party"],
            votes=votes,
            elected=parse_flag(path, number, "elected", r.get("elected", "")),
            tie_break_winner=tie == "lot",
            transfers=parse_int(path, number, "transfers", r.get("transfers", "")),
            incumbent=parse_flag(path, number, "incumbent", r.get("incumbent", "")),
        )
        if not r["candidate"]:
            raise InputError(path, "is blank", number, "candidate")
        rows.append(
            CandidateRow(
                row=number,
                election_date=day,
                council=council_ref(path, number, context, r["council"], r["council_code"], day),
                ward=WardRef(r["ward"], r["ward_code"]),
                candidacy=candidacy,
                seats=require_int(path, number, "seats", r["seats"]),
                kind=_enum(path, number, "kind", r.get("kind", ""), PollKind, PollKind.ORDINARY),
                election_type=_enum(
                    path,
                    number,
                    "election_type",
                    r.get("election_type", ""),
                    ElectionType,
                    ElectionType.LOCAL,
                ),
                status=_status(path, number, r.get("status", "")),
                figures=BallotFigures(
                    electorate=parse_int(path, number, "electorate", r.get("electorate", "")),
                    ballots_counted=parse_int(path, number, "ballots", r.get("ballots", "")),
                    rejected=parse_int(path, number, "rejected", r.get("rejected", "")),
                ),
            )
        )
    return Batch(polls=assemble_polls(path, rows))


HEADER = (
    *COLUMNS,
    "elected",
    "electorate",
    "ballots",
    "rejected",
    "tie_break",
    "kind",
    "election_type",
    "transfers",
    "status",
    "incumbent",
)


def write(polls: Iterable[Poll], handle: TextIO) -> None:
    """Polls in the native ward format, so that `read` gives them back. The party column holds the
    register's name for the party, which resolves to the same party whatever label the source used."""
    out = csv.writer(handle, lineterminator="\n")
    out.writerow(HEADER)
    for poll in polls:
        figures = poll.figures
        for c in poll.candidacies:
            out.writerow(
                [
                    poll.election_date.isoformat(),
                    poll.council.name,
                    poll.council.code,
                    poll.ward.name,
                    poll.ward.code,
                    poll.seats,
                    c.name,
                    c.party.name,
                    "" if c.votes is None else c.votes,
                    "" if c.elected is None else int(c.elected),
                    "" if figures.electorate is None else figures.electorate,
                    "" if figures.ballots_counted is None else figures.ballots_counted,
                    "" if figures.rejected is None else figures.rejected,
                    "lot" if c.tie_break_winner else "",
                    poll.kind.value,
                    poll.election_type.value,
                    "" if c.transfers is None else c.transfers,
                    poll.status.value,
                    "" if c.incumbent is None else int(c.incumbent),
                ]
            )
