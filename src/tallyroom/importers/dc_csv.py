"""Democracy Club's candidates CSV, as YourNextRepresentative (YNR) exports it (contract §6, `dc-csv`).

One row per candidacy, in the columns of the candidates site's data export (YNR
`ynr/apps/data_exports/csv_fields.py`): its core columns `person_id`, `person_name`, `election_id`,
`ballot_paper_id`, `election_date`, `election_current`, `party_name`, `party_id`, `post_label`,
`cancelled_poll` and `seats_contested` are always there and, but for `election_current`, required
here; the others are read where the export has them: `by_election`, `gss`, `post_id`,
`organisation_name` and `party_description_text` (its `election` and `candidacy` groups), and
`votes_cast`, `elected`, `tied_vote_winner`, `turnout_reported`, `spoilt_ballots`, `total_electorate`
and `turnout_percentage` (its `results` group). Other columns are ignored.

YNR writes the file with PostgreSQL's `COPY ... WITH (FORMAT CSV)`: true and false are `t` and `f`, an
unknown value an empty cell. Older exports, written by Python, said `True` and `False`; both are read,
in any case, and anything else in a true-or-false column is an error.

Each ballot (`ballot_paper_id`, a Democracy Club id, domain §10) is one poll. Its id gives the date, the
type and the organisation, and `.by.` marks a by-election (`by_election`, where given, must agree, as it
does in YNR, which derives it from the id; `election_id` must be one of the ballot's groups and
`election_date` its date). Only `local` ballots are council polls; `mayor` and `pcc` ballots are
executive polls; every other type (`parl`, `sp`, `senedd`, `gla`, `nia`, ...) is skipped, row by row,
saying so. The council is the register's, found by the id's organisation slug (`sheffield`), else by
`organisation_name`; a local ballot whose council the register does not hold is an error, a mayoral or
commissioner ballot is skipped. The ward is `post_label`, with the GSS code from `gss`, else from a
`post_id` such as `gss:E05010867` or `MTW:E05010881` (a post without one, `ROT:anston-and-woodsetts`, is
known by name alone). Parties are resolved from `party_id` (`PP53`, `party:53`, `joint-party:53-119`,
`ynmp-party:2` for independents) by the party register, else from `party_name`; the label kept is
`party_description_text`, the ballot's wording, else the party name.

Where a ballot stands (domain §11) is read from all its rows together:

* No candidate has `votes_cast` or is `elected`: the ballot is on the card, `nominated` (an `f` in
  `elected` before any result means nothing has been decided and is dropped).
* Some candidate has votes or is elected: it is declared. Where any candidate is elected, a blank
  `elected` is not elected (older exports left losers blank); where none is, the count decides. Votes
  must be given for every candidate or none. A ballot declared with winners but no votes (YNR holds
  some) lists its winners first, as the count of a poll without votes takes the first candidates.
* `cancelled_poll` true: Every Election cancels a ballot with no more candidates than seats as well as
  one countermanded (domain §2.4: `EQUAL_CANDIDATES`, `UNDER_CONTESTED`, `CANDIDATE_DEATH`). So a
  cancelled ballot with more candidates than `seats_contested` is `postponed`, with no votes or
  winners, and one with no more is returned unopposed, as below.

A ballot without votes and with no more candidates than seats is returned unopposed, all its candidates
elected, whether or not YNR has marked them so yet (`assemble_polls` declares it).

Ballot-level columns (`election_id`, `election_date`, `post_label`, `gss`, `post_id`,
`organisation_name`, `seats_contested`, `cancelled_poll`, `by_election` and the four figures) repeat on
every row of a ballot and must agree; two ballots may not make one poll, nor may one person stand twice
on a ballot. The figures are read as `dc.ballot_figures` says. Errors name the row (the header is row 1)
and the column; a file with any error loads nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from uk_election_ids.election_ids import IdBuilder

from tallyroom.delivery import Batch, Skip
from tallyroom.errors import InputError
from tallyroom.importers.base import (
    CandidateRow,
    Context,
    Fields,
    assemble_polls,
    csv_rows,
    parse_date,
    parse_int,
    require_int,
)
from tallyroom.importers.dc import TYPES, At, ballot_figures, parse_ballot_id
from tallyroom.importers.limits import GSS
from tallyroom.rules.model import (
    BallotFigures,
    Candidacy,
    CouncilRef,
    DeclarationStatus,
    ElectionType,
    PollKind,
    WardRef,
)

REQUIRED = (
    "person_id",
    "person_name",
    "election_id",
    "ballot_paper_id",
    "election_date",
    "party_name",
    "party_id",
    "post_label",
    "cancelled_poll",
    "seats_contested",
)
"""YNR's core columns, which every export has (`election_current` is not needed)."""

BALLOT_COLUMNS = (
    "election_id",
    "election_date",
    "post_label",
    "gss",
    "post_id",
    "organisation_name",
    "seats_contested",
    "cancelled_poll",
    "by_election",
    "turnout_reported",
    "spoilt_ballots",
    "total_electorate",
    "turnout_percentage",
)
"""Columns that describe the ballot, not the candidacy: the same on every row of a ballot."""

FIELDS = Fields(
    council="organisation_name",
    council_code="ballot_paper_id",
    ward="post_label",
    ward_code="gss",
    votes="votes_cast",
    elected="elected",
    electorate="total_electorate",
    ballots="turnout_reported",
    rejected="spoilt_ballots",
    transfers="votes_cast",
    tie_break="tied_vote_winner",
    lot="t",
)

TYPE_NAMES = {
    "parl": "UK Parliament",
    "sp": "Scottish Parliament",
    "senedd": "Senedd",
    "naw": "National Assembly for Wales",
    "gla": "London Assembly",
    "nia": "Northern Ireland Assembly",
    "europarl": "European Parliament",
    "ref": "referendum",
}
TRUE, FALSE = {"t", "true"}, {"f", "false"}
_PERCENTAGE = re.compile(r"[0-9]{1,3}(?:\.[0-9]+)?")


@dataclass
class _Row:
    number: int
    values: dict[str, str]
    votes: int | None
    elected: bool | None


@dataclass
class _Ballot:
    ballot_id: str
    builder: IdBuilder
    election_type: ElectionType
    rows: list[_Row]


def read(path: Path, context: Context) -> Batch:
    ballots: dict[str, _Ballot] = {}
    skipped: list[Skip] = []
    for number, values in csv_rows(path, REQUIRED):
        ballot_id = values["ballot_paper_id"]
        builder = parse_ballot_id(ballot_id, At(path, number, "ballot_paper_id"))
        _check_election(path, number, values, builder)
        election_type = TYPES.get(builder.election_type)
        if election_type is None:
            kind = TYPE_NAMES.get(builder.election_type, builder.election_type)
            reason = f"{ballot_id}: a {kind} ({builder.election_type}) ballot, not a local, mayor or pcc poll"
            skipped.append(Skip(number, reason))
            continue
        row = _Row(
            number,
            values,
            parse_int(path, number, "votes_cast", values.get("votes_cast", "")),
            flag(path, number, "elected", values.get("elected", "")),
        )
        _check_ballot_values(path, number, values)
        ballot = ballots.setdefault(ballot_id, _Ballot(ballot_id, builder, election_type, []))
        ballot.rows.append(row)
    rows: list[CandidateRow] = []
    for ballot in ballots.values():
        council = _council(path, ballot, context)
        if council is None:
            reason = f"{ballot.ballot_id}: {ballot.builder.organisation!r} is not in the council register"
            skipped.extend(Skip(r.number, reason) for r in ballot.rows)
            continue
        rows.extend(_candidate_rows(path, ballot, council, context))
    _one_ballot_a_poll(path, rows, ballots)
    skipped.sort(key=lambda skip: skip.row)
    return Batch(polls=assemble_polls(path, rows), skipped=skipped)


def flag(path: Path, row: int, name: str, value: str) -> bool | None:
    """A true-or-false cell as YNR writes it (`t`/`f`; older exports `True`/`False`); blank is None."""
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    if lowered == "":
        return None
    raise InputError(path, f"not t or f (true or false): {value!r}", row, name)


def _check_election(path: Path, row: int, values: dict[str, str], builder: IdBuilder) -> None:
    """The row's election and date are the ballot's; a by-election flag agrees with the id."""
    elections = [i for i in builder.ids if i != builder.ballot_id or not builder.division]
    if values["election_id"] not in elections:
        message = (
            f"{values['election_id']!r} is not an election of ballot {builder.ballot_id} "
            f"({', '.join(elections)})"
        )
        raise InputError(path, message, row, "election_id")
    day = parse_date(path, row, "election_date", values["election_date"])
    if day.isoformat() != builder.date:
        raise InputError(path, f"{day} where the ballot id says {builder.date}", row, "election_date")
    by_election = flag(path, row, "by_election", values.get("by_election", ""))
    if by_election is not None and by_election != (builder.contest_type == "by"):
        says = "a by-election" if builder.contest_type == "by" else "not a by-election (no '.by.')"
        message = f"{values['by_election']!r} where the ballot id says {says}"
        raise InputError(path, message, row, "by_election")


def _check_ballot_values(path: Path, row: int, values: dict[str, str]) -> None:
    """The ballot's numbers and flags as every row gives them, so that a bad value is named on its own
    row before the rows of a ballot are compared."""
    require_int(path, row, "seats_contested", values["seats_contested"])
    flag(path, row, "cancelled_poll", values["cancelled_poll"])
    for column in ("turnout_reported", "spoilt_ballots", "total_electorate"):
        parse_int(path, row, column, values.get(column, ""))
    percentage(path, row, values.get("turnout_percentage", ""))


def percentage(path: Path, row: int, value: str) -> float | None:
    if not value:
        return None
    if not _PERCENTAGE.fullmatch(value) or float(value) > 100:
        raise InputError(path, f"not a percentage: {value!r}", row, "turnout_percentage")
    return float(value)


def _council(path: Path, ballot: _Ballot, context: Context) -> CouncilRef | None:
    """The council by the id's organisation slug, else by `organisation_name`. None for a mayoral or
    commissioner ballot the register does not hold (skipped); an error for a local one."""
    first = ballot.rows[0]
    on = date.fromisoformat(ballot.builder.date)
    named = first.values.get("organisation_name", "")
    for name in ((ballot.builder.organisation or "").replace("-", " "), named):
        council = context.reference.councils.find(name, on) if name else None
        if council is not None:
            return CouncilRef(council.code, council.name)
    if ballot.election_type is not ElectionType.LOCAL:
        return None
    what = f"council {ballot.builder.organisation!r}" + (f" ({named!r})" if named else "")
    field = "organisation_name" if named else "ballot_paper_id"
    raise InputError(path, f"{what} is not in the council register", first.number, field)


def _candidate_rows(path: Path, ballot: _Ballot, council: CouncilRef, context: Context) -> list[CandidateRow]:
    first = ballot.rows[0]
    _same_ballot(path, ballot)
    seats = require_int(path, first.number, "seats_contested", first.values["seats_contested"])
    if seats < 1:
        raise InputError(path, f"no seats to fill: {seats}", first.number, "seats_contested")
    status, rows = _status(path, ballot, seats)
    figures = _figures(path, first, [r.votes for r in rows if r.votes is not None])
    built = []
    seen: dict[str, int] = {}
    for row in rows:
        values = row.values
        person = values["person_id"] or values["person_name"]
        if person in seen:
            name, also = values["person_name"], seen[person]
            message = f"{name!r} stands twice on {ballot.ballot_id} (also row {also})"
            raise InputError(path, message, row.number, "person_id" if values["person_id"] else "person_name")
        seen[person] = row.number
        if not values["person_name"]:
            raise InputError(path, "is blank", row.number, "person_name")
        party_name = values["party_name"]
        lot = flag(path, row.number, "tied_vote_winner", values.get("tied_vote_winner", ""))
        candidacy = Candidacy(
            name=values["person_name"],
            party=context.reference.parties.resolve_first([values["party_id"]], party_name),
            label=values.get("party_description_text", "") or party_name,
            votes=row.votes,
            elected=row.elected,
            tie_break_winner=bool(lot),
        )
        built.append(
            CandidateRow(
                row=row.number,
                election_date=date.fromisoformat(ballot.builder.date),
                council=council,
                ward=_ward(first.values),
                candidacy=candidacy,
                seats=seats,
                kind=PollKind.BY_ELECTION if ballot.builder.contest_type == "by" else PollKind.ORDINARY,
                election_type=ballot.election_type,
                figures=figures,
                status=status,
                fields=FIELDS,
            )
        )
    return built


def _status(path: Path, ballot: _Ballot, seats: int) -> tuple[DeclarationStatus, list[_Row]]:
    """Where the ballot stands, and its rows with `elected` read accordingly (see the module's notes)."""
    rows = ballot.rows
    first = rows[0]
    cancelled = flag(path, first.number, "cancelled_poll", first.values["cancelled_poll"])
    with_votes = [r for r in rows if r.votes is not None]
    won = any(r.elected for r in rows)
    if not with_votes and (not won or len(rows) <= seats):
        for row in rows:
            row.elected = None  # nothing decided yet, or every candidate returned unopposed
        if cancelled and len(rows) > seats:
            return DeclarationStatus.POSTPONED, rows
        return DeclarationStatus.NOMINATED, rows  # `assemble_polls` declares an unopposed return
    if cancelled and len(rows) > seats:
        given = with_votes[0] if with_votes else next(r for r in rows if r.elected)
        field = "votes_cast" if with_votes else "elected"
        message = f"a cancelled poll with more candidates than its {seats} seat(s) has no result"
        raise InputError(path, message, given.number, field)
    if with_votes and len(with_votes) < len(rows):
        blank = next(r for r in rows if r.votes is None)
        message = f"blank where other candidates on {ballot.ballot_id} have votes"
        raise InputError(path, message, blank.number, "votes_cast")
    for row in rows:
        row.elected = bool(row.elected) if won else None
    if won and not with_votes:
        rows = sorted(rows, key=lambda r: not r.elected)  # winners first: no votes to rank them by
    return DeclarationStatus.DECLARED, rows


def _same_ballot(path: Path, ballot: _Ballot) -> None:
    """Every row of a ballot says the same of it."""
    first = ballot.rows[0]
    for row in ballot.rows[1:]:
        for column in BALLOT_COLUMNS:
            mine, theirs = row.values.get(column, ""), first.values.get(column, "")
            if mine != theirs:
                message = f"{mine!r} where row {first.number} of {ballot.ballot_id} says {theirs!r}"
                raise InputError(path, message, row.number, column)


def _ward(values: dict[str, str]) -> WardRef:
    """The post, with its GSS code from `gss`, else from the post id, where it has one."""
    code = values.get("gss", "")
    if not code:
        code = values.get("post_id", "").rpartition(":")[2]
        code = code if GSS.fullmatch(code) else ""
    return WardRef(values["post_label"], code)


def _figures(path: Path, first: _Row, votes: list[int]) -> BallotFigures:
    values, row = first.values, first.number
    return ballot_figures(
        electorate=parse_int(path, row, "total_electorate", values.get("total_electorate", "")),
        reported=parse_int(path, row, "turnout_reported", values.get("turnout_reported", "")),
        spoilt=parse_int(path, row, "spoilt_ballots", values.get("spoilt_ballots", "")),
        turnout=percentage(path, row, values.get("turnout_percentage", "")),
        votes=votes,
    )


def _one_ballot_a_poll(path: Path, rows: list[CandidateRow], ballots: dict[str, _Ballot]) -> None:
    """Two ballots that would make one poll (the same council, ward and kind) are an error: their
    candidates would otherwise be merged."""
    by_row = {r.number: b.ballot_id for b in ballots.values() for r in b.rows}
    seen: dict[tuple[object, ...], str] = {}
    for row in rows:
        ward = row.ward.code or row.ward.name
        key = (row.election_date, row.election_type, row.council.code, ward, row.kind)
        ballot_id = by_row[row.row]
        if seen.setdefault(key, ballot_id) != ballot_id:
            message = f"{ballot_id} is the same poll as {seen[key]} ({row.council.name}, {row.ward.name})"
            raise InputError(path, message, row.row, "ballot_paper_id")
