"""The native CSV of who controlled each council on the eve of poll (contract §3.3)."""

from __future__ import annotations

from pathlib import Path

from tallyroom.importers.base import Batch, Context, InputError, csv_rows, parse_date
from tallyroom.importers.ward import council_ref
from tallyroom.rules.model import ControlRecord
from tallyroom.rules.parties import NOC

COLUMNS = ("election_date", "council", "council_code", "control_before")


def read(path: Path, context: Context) -> Batch:
    records: dict[tuple[object, str], ControlRecord] = {}
    for number, r in csv_rows(path, COLUMNS):
        day = parse_date(path, number, "election_date", r["election_date"])
        council = council_ref(path, number, context, r["council"], r["council_code"], day)
        label = r["control_before"]
        if not label:
            raise InputError(path, "is blank: give a party or NOC", number, "control_before")
        control = (
            NOC
            if label.upper() in {"NOC", "NO OVERALL CONTROL"}
            else context.reference.parties.resolve(label).id
        )
        if (day, council.code) in records:
            raise InputError(path, f"{council.name} appears twice for {day}", number, "council")
        records[(day, council.code)] = ControlRecord(day, council, control)
    return Batch(control_records=list(records.values()))
