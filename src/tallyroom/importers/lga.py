"""The LGA "publishing election results" CSV, as councils publish it (Trafford's file is the sample).

One row per candidate, 33 columns, many elections in one file, each row with its own `ElectionDate`.

What the sample shows about the schema:

- `TypeofElection` says which elections are council ones and which are by-elections. Trafford's values
  are `DistrictAndBorough`, `DistrictAndBoroughByElection`, `Parliamentary` and
  `ParliamentaryByelection`. A by-election is a value ending in `ByElection` (any case): the date
  cannot tell, since Trafford's Broadheath by-election of 4 May 2017 fell on an ordinary polling day.
  A scheduled seat and a casual vacancy filled together (two winners in a ward in 2018, 2021, 2022)
  are one ordinary poll (domain §2.5) and carry the ordinary value. Only principal council elections
  (`LOCAL_TYPES`, with or without the by-election suffix) are loaded; other rows are skipped, saying
  why.
- `VotesCast` is the number of ballot papers counted, valid plus rejected, not a sum of votes: in
  multi-member wards it is about a third of the votes given (Altrincham 2023: 3,222 against 9,344
  votes for three seats), in single-member wards it is about the votes plus the rejected papers, and
  `PercentageTurnout` is `VotesCast / EligibleElectorate`. Figures are kept as published, even where
  they do not add up (Hale Barns 2021: 5,300 papers against a published turnout of 43.5%).
- The rejected papers are the sum of the five `BallotsRejected*` columns; when all five are blank
  (Trafford 2018 and 2021, several by-elections) the number is unknown, not zero.
- There is no seats column: a poll fills as many seats as it has `ELECTED` rows.

Candidate names join forenames and surname, preferring the `CommonlyUsed*` forms where given; a
surname printed in capitals (`JERROME`, as on the statement of persons nominated) is written in
the usual way (`Jerrome`).
"""

from __future__ import annotations

import re
from pathlib import Path

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
)
from tallyroom.importers.limits import GSS
from tallyroom.rules.model import BallotFigures, Candidacy, CouncilRef, PollKind, WardRef

COLUMNS = (
    "ElectionDate",
    "TypeofElection",
    "OrganisationLabel",
    "ElectedBodyURI",
    "ElectedBodyLabel",
    "ElectoralAreaURI",
    "ElectoralAreaLabel",
    "CandidateSurname",
    "CandidateForenames",
    "PoliticalPartyURI",
    "PoliticalPartyLabel",
    "VotesWon",
    "Elected",
    "VotesCast",
    "EligibleElectorate",
    "PercentageTurnout",
)
REJECTED = (
    "BallotsRejectedOfficialMark",
    "BallotsRejectedMultipleVote",
    "BallotsRejectedIdentification",
    "BallotsRejectedInPart",
    "BallotsRejectedUnmarked",
)
# Principal council elections. Only `DistrictAndBorough` is seen in a real file (Trafford); the others are
# assumed by analogy for county, unitary and London borough councils. A value not listed is skipped with
# its name in the reason, so a new spelling shows up in the import report rather than vanishing.
LOCAL_TYPES = ("DistrictAndBorough", "County", "Unitary", "LondonBorough", "MetropolitanBorough")
BY_ELECTION = "byelection"
ELECTED = {"ELECTED": True, "NOT ELECTED": False}
FIELDS = Fields(
    council="ElectedBodyLabel",
    council_code="ElectedBodyURI",
    ward="ElectoralAreaLabel",
    ward_code="ElectoralAreaURI",
    votes="VotesWon",
    elected="Elected",
    electorate="EligibleElectorate",
    ballots="VotesCast",
    rejected="BallotsRejected*",
    tie_break="Elected",
    lot="ELECTED",
)
"""The schema's columns for each field; a winner chosen by lot is the tied candidate marked ELECTED."""


def read(path: Path, context: Context) -> Batch:
    rows: list[CandidateRow] = []
    skipped: list[Skip] = []
    first_of_poll: dict[tuple[object, ...], CandidateRow] = {}
    for number, r in csv_rows(path, COLUMNS):
        kind = _kind(r["TypeofElection"])
        if kind is None:
            skipped.append(
                Skip(number, f"{r['TypeofElection'] or 'no TypeofElection'}: not a council election")
            )
            continue
        row = _candidate_row(path, number, r, kind, context)
        _same_figures(path, row, first_of_poll)
        rows.append(row)
    return Batch(polls=assemble_polls(path, rows), skipped=skipped)


def _kind(type_of_election: str) -> PollKind | None:
    """Ordinary or by-election for a principal council election; None for anything else."""
    value = type_of_election.strip()
    kind = PollKind.ORDINARY
    if value.lower().endswith(BY_ELECTION):
        value, kind = value[: -len(BY_ELECTION)], PollKind.BY_ELECTION
    return kind if value.lower() in {t.lower() for t in LOCAL_TYPES} else None


def _candidate_row(
    path: Path, number: int, r: dict[str, str], kind: PollKind, context: Context
) -> CandidateRow:
    party_code = r["PoliticalPartyURI"].rstrip("/").rpartition("/")[2]
    label = r.get("CandidatesDescription", "") or r["PoliticalPartyLabel"]
    return CandidateRow(
        row=number,
        election_date=parse_date(path, number, "ElectionDate", r["ElectionDate"]),
        council=_council(path, number, r, context),
        ward=WardRef(r["ElectoralAreaLabel"], _ward_code(path, number, r["ElectoralAreaURI"])),
        candidacy=Candidacy(
            name=_name(path, number, r),
            party=context.reference.parties.resolve_first([party_code], r["PoliticalPartyLabel"]),
            label=label,
            votes=parse_int(path, number, "VotesWon", r["VotesWon"]),
            elected=_elected(path, number, r["Elected"]),
        ),
        kind=kind,
        figures=_figures(path, number, r),
        fields=FIELDS,
    )


def _council(path: Path, number: int, r: dict[str, str], context: Context) -> CouncilRef:
    """The elected body by its label, the last segment of its URI (`.../trafford`), or the publisher."""
    uri_name = r["ElectedBodyURI"].rstrip("/").rpartition("/")[2].replace("-", " ")
    for name in (r["ElectedBodyLabel"], uri_name, r["OrganisationLabel"]):
        council = context.reference.councils.find(name) if name else None
        if council is not None:
            return CouncilRef(council.code, council.name)
    raise InputError(
        path, f"council {r['ElectedBodyLabel']!r} is not in the council register", number, "ElectedBodyLabel"
    )


def _ward_code(path: Path, number: int, uri: str) -> str:
    code = uri.rstrip("/").rpartition("/")[2]
    if code and not GSS.fullmatch(code):
        raise InputError(path, f"does not end in a GSS code: {uri!r}", number, "ElectoralAreaURI")
    return code


def _name(path: Path, number: int, r: dict[str, str]) -> str:
    forenames = r.get("CommonlyUsedForenames", "") or r["CandidateForenames"]
    surname = r.get("CommonlyUsedSurname", "") or r["CandidateSurname"]
    if not surname:
        raise InputError(path, "is blank", number, "CandidateSurname")
    return f"{forenames} {_usual_case(surname)}".strip()


def _usual_case(surname: str) -> str:
    """`MCGLASHAN` as `McGlashan`, `O’NEIL` as `O’Neil`; a surname in mixed case stays as printed."""
    if not surname.isupper():
        return surname
    return re.sub(r"\bMc([a-z])", lambda m: "Mc" + m.group(1).upper(), surname.title())


def _elected(path: Path, number: int, value: str) -> bool | None:
    if not value:
        return None
    elected = ELECTED.get(value.strip().upper())
    if elected is None:
        raise InputError(path, f"not ELECTED or NOT ELECTED: {value!r}", number, "Elected")
    return elected


def _figures(path: Path, number: int, r: dict[str, str]) -> BallotFigures:
    rejected = [parse_int(path, number, column, r.get(column, "")) for column in REJECTED]
    known = [n for n in rejected if n is not None]
    return BallotFigures(
        electorate=parse_int(path, number, "EligibleElectorate", r["EligibleElectorate"]),
        ballots_counted=parse_int(path, number, "VotesCast", r["VotesCast"]),
        rejected=sum(known) if known else None,
        turnout_published=_percentage(path, number, r["PercentageTurnout"]),
    )


def _percentage(path: Path, number: int, value: str) -> float | None:
    if not value:
        return None
    try:
        percentage = float(value.rstrip("%"))
    except ValueError:
        raise InputError(path, f"not a percentage: {value!r}", number, "PercentageTurnout") from None
    if not 0 <= percentage <= 100:
        raise InputError(path, f"not between 0 and 100: {value!r}", number, "PercentageTurnout")
    return percentage


FIGURE_COLUMNS = {
    "electorate": "EligibleElectorate",
    "ballots_counted": "VotesCast",
    "rejected": "BallotsRejected*",
    "turnout_published": "PercentageTurnout",
}


def _same_figures(
    path: Path, row: CandidateRow, first_of_poll: dict[tuple[object, ...], CandidateRow]
) -> None:
    """Every row of a poll repeats the poll's ballot figures; rows that disagree are an error."""
    key = (row.election_date, row.council.code, row.ward.code or row.ward.name, row.kind)
    first = first_of_poll.setdefault(key, row)
    for name, column in FIGURE_COLUMNS.items():
        mine, theirs = getattr(row.figures, name), getattr(first.figures, name)
        if mine != theirs:
            raise InputError(
                path, f"{mine} where row {first.row} of the same poll says {theirs}", row.row, column
            )
