"""The House of Commons Library's ward-level table of a handbook (`leh-wards`): the 2023 `Ward_Level`
sheet as CSV, one row per contested ward.

Columns: COUNTYNAME, DISTRICTNAME, WARDNAME, VACS (seats), TYPE (SDA, SDT, UAA, UAT, MB), ELECT
(electorate), TURNOUT (percent), then one column per party abbreviation holding the votes of the party's
best-placed candidate (blank: no candidate), and Grand Total (their sum, checked). The table names no
candidates and no winners, and has no ward or council codes.

So each party with votes is one candidacy, named for its line ("CON top candidate"), with its top
candidate's votes: exactly the top-vote figures of §3.4, which is what vote share and the projection
read. No one is flagged elected. In a single-seat ward the count's winner is the real one; in a
multi-seat ward the count can give a party at most one seat, so its seats are not the real result.
A ward whose top lines tie at the last seat is left out, saying so: the table does not say who won
the lot. The council is found in the register by name (DISTRICTNAME), of the kind TYPE says;
uncontested wards are not in the table. The polling day is 4 May 2023 unless `--date` gives another.
"""

from __future__ import annotations

from pathlib import Path

from tallyroom.delivery import Batch, Skip
from tallyroom.errors import InputError
from tallyroom.importers.base import (
    CandidateRow,
    Context,
    assemble_polls,
    council_ref,
    csv_rows,
    parse_int,
    require_int,
)
from tallyroom.importers.leh import KIND_PREFIX, POLLING_DAYS
from tallyroom.rules.model import BallotFigures, Candidacy, CouncilRef, WardRef

PLACE = ("COUNTYNAME", "DISTRICTNAME", "WARDNAME", "VACS", "TYPE", "ELECT", "TURNOUT")
TOTAL = "Grand Total"


def read(path: Path, context: Context) -> Batch:
    polling_day = context.election_date or POLLING_DAYS[2023]
    parties = context.reference.parties
    councils: dict[str, CouncilRef] = {}
    rows: list[CandidateRow] = []
    skipped: list[Skip] = []
    for number, row in csv_rows(path, [*PLACE, TOTAL]):
        district, kind = row["DISTRICTNAME"], row["TYPE"]
        if district not in councils:
            councils[district] = council_ref(path, number, context, district, "", polling_day)
            if not councils[district].code.startswith(KIND_PREFIX.get(kind, "")):
                raise InputError(path, f"{district!r} is not a council of type {kind}", number, "TYPE")
        figures = BallotFigures(
            electorate=parse_int(path, number, "ELECT", row["ELECT"]),
            turnout_published=_percent(path, number, row["TURNOUT"]),
        )
        votes = {
            label: require_int(path, number, label, value)
            for label, value in row.items()
            if label not in PLACE and label != TOTAL and value
        }
        if sum(votes.values()) != require_int(path, number, TOTAL, row[TOTAL]):
            raise InputError(path, f"the party votes do not add up to the {TOTAL}", number, TOTAL)
        seats = require_int(path, number, "VACS", row["VACS"])
        ranked = sorted(votes.values(), reverse=True)
        if len(ranked) > seats and ranked[seats - 1] == ranked[seats]:
            skipped.append(
                Skip(number, f"{row['WARDNAME']}: a tie at the last seat the table does not settle")
            )
            continue
        for label, v in votes.items():
            rows.append(
                CandidateRow(
                    row=number,
                    election_date=polling_day,
                    council=councils[district],
                    ward=WardRef(row["WARDNAME"]),
                    candidacy=Candidacy(f"{label} top candidate", parties.resolve(label), label, v),
                    seats=seats,
                    figures=figures,
                )
            )
    return Batch(polls=assemble_polls(path, rows, context.reference), skipped=skipped)


def _percent(path: Path, row: int, value: str) -> float | None:
    try:
        return float(value) if value.strip() else None
    except ValueError:
        raise InputError(path, f"not a percentage: {value!r}", row, "TURNOUT") from None
