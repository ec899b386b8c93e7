"""The native CSV of who controlled each council on the eve of poll (contract §3.3).

`control_before` is NOC (or "No overall control") or a party the party register knows, by its name, id
or an alias: a label it does not know is refused, not taken for a new local party, since a council
cannot have been controlled by a party no result names."""

from __future__ import annotations

from pathlib import Path

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers.base import NATIVE, Context, check_place, council_ref, csv_rows, parse_date
from tallyroom.rules.model import ControlRecord
from tallyroom.rules.parties import NOC

COLUMNS = ("election_date", "council", "council_code", "control_before")
NOC_LABELS = ("NOC", "NO OVERALL CONTROL")


def read(path: Path, context: Context) -> Batch:
    records: dict[tuple[object, str], ControlRecord] = {}
    for number, r in csv_rows(path, COLUMNS):
        day = parse_date(path, number, "election_date", r["election_date"])
        council = council_ref(path, number, context, r["council"], r["council_code"], day)
        check_place(path, number, NATIVE, council)
        label = r["control_before"]
        if not label:
            raise InputError(path, "is blank: give a party or NOC", number, "control_before")
        if label.upper() in NOC_LABELS:
            control = NOC
        elif context.reference.parties.known(label):
            control = context.reference.parties.resolve(label).id
        else:
            raise InputError(
                path,
                f"{label!r} is no party the register knows: give a party or NOC",
                number,
                "control_before",
            )
        if (day, council.code) in records:
            raise InputError(path, f"{council.name} appears twice for {day}", number, "council")
        records[(day, council.code)] = ControlRecord(day, council, control)
    return Batch(control_records=list(records.values()))
