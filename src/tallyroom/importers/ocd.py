"""Open Council Data UK's yearly councillor roll (`opencouncildata_councillors_YYYY.csv`).

Columns: Council, Ward Name, Councillor Name, Next Election, Party Name, Electoral Commission Party
Code. One row per seat, UK-wide; each council's rows become one `CompositionSnapshot`.

- When the roll was taken: `--date` if given, else 31 December of the year in the file name. Each
  year's roll is compiled after that year's May elections: the 2021 roll already lists the councillors
  elected in May 2021 (Derbyshire's, with their next election in 2025), and it shows changes made
  later in the year (a councillor elected as a Conservative sitting as an independent). The end of
  the year is the one date that is after everything the roll can hold.
- The roll covers every council in the UK, many of them outside the council register: their rows are
  skipped, one `Skip` per council saying how many rows it had. So are vacant seats (`Vacant`).
- A row is a seat, not a person. The rolls repeat a name where a ward's other seat holder was
  mistyped (2021: Fylde's Ansdell lists Ben Aitken twice, Oxford lists 20 names twice with different
  next elections), and dropping either row would lose a seat from the composition, so a repeated
  name is kept, not rejected. So is a held seat whose holder the roll does not name (2016: Isle of
  Anglesey, Llifon): it is kept with a blank name, since it still counts in the composition.
- Next Election: a date, or unknown when blank or `0000-00-00` (2020: Durham, Benfieldside). Dates
  are kept as printed, typos included (2016 has `2107-05-04`, probably meaning 2017).
- Party: the Electoral Commission code (`PP52`) when the register knows it, else the party name.
  `Independent / Other` (no code) is OCD's heading for every councillor of no registered party; the
  register reads it as independent, each councillor on their own for control.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from tallyroom.delivery import Batch, Skip
from tallyroom.errors import InputError
from tallyroom.importers.base import Context, csv_rows, parse_date
from tallyroom.rules.model import CompositionSnapshot, Councillor, CouncilRef
from tallyroom.rules.parties import normalise

COLUMNS = (
    "Council",
    "Ward Name",
    "Councillor Name",
    "Next Election",
    "Party Name",
    "Electoral Commission Party Code",
)
VACANT = "vacant"
UNKNOWN_DATE = "0000-00-00"


def taken_on(path: Path, context: Context) -> date:
    """`--date`, else 31 December of the roll's year (see the module's note)."""
    if context.election_date is not None:
        return context.election_date
    found = re.search(r"(?<!\d)(\d{4})(?!\d)", path.name)
    if not found:
        raise InputError(path, "no year in the file name (opencouncildata_councillors_YYYY.csv): give --date")
    return date(int(found.group(1)), 12, 31)


def read(path: Path, context: Context) -> Batch:
    taken = taken_on(path, context)
    councils: dict[str, CouncilRef | None] = {}
    seats: dict[str, list[Councillor]] = {}
    unknown: dict[str, list[int]] = {}
    skipped: list[Skip] = []
    for number, r in csv_rows(path, COLUMNS):
        name = r["Council"]
        if not name:
            raise InputError(path, "is blank", number, "Council")
        if name not in councils:
            found = context.reference.councils.find(name, taken)
            councils[name] = CouncilRef(found.code, found.name) if found else None
        council = councils[name]
        if council is None:
            unknown.setdefault(name, []).append(number)
        elif normalise(r["Party Name"]) == VACANT:
            skipped.append(Skip(number, f"{council.name}, {r['Ward Name']}: vacant seat"))
        else:
            seats.setdefault(council.code, []).append(_councillor(path, number, r, council, context))
    skipped += [
        Skip(rows[0], f"{name}: not in the council register ({len(rows)} rows)")
        for name, rows in unknown.items()
    ]
    snapshots = [
        CompositionSnapshot(council=members[0].council, taken=taken, councillors=tuple(members))
        for members in seats.values()
    ]
    return Batch(snapshots=snapshots, skipped=sorted(skipped, key=lambda s: s.row))


def _councillor(
    path: Path, number: int, r: dict[str, str], council: CouncilRef, context: Context
) -> Councillor:
    if not r["Ward Name"]:
        raise InputError(path, "is blank", number, "Ward Name")
    return Councillor(
        council=council,
        ward=r["Ward Name"],
        name=r["Councillor Name"],
        party=context.reference.parties.resolve_first(
            [r["Electoral Commission Party Code"]], r["Party Name"]
        ),
        next_election=_next_election(path, number, r["Next Election"]),
    )


def _next_election(path: Path, number: int, value: str) -> date | None:
    """The date of the seat's next election; blank or the placeholder `0000-00-00` is unknown."""
    if not value or value == UNKNOWN_DATE:
        return None
    return parse_date(path, number, "Next Election", value)
