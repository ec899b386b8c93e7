"""Published STV stage sheets, to check a count against: CSV with a header, one row per candidate per
stage (`council`, `ward_code`, `stage`, `candidate`, `votes`; other columns, such as `ward` or
`action`, are for people). The papers that went no further are the candidate `non-transferable`.
Votes are decimals as published (`716.63`, `716.633`, `1,001`).

`read` takes a sheet as the stages read out at a count on the night (`import stages`, `POST
/api/stages`): each stage is logged, and announced, before the papers or the declaration arrive; the day
is the night's (`--date`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers.base import Context, csv_rows
from tallyroom.importers.blt import scottish_wards
from tallyroom.importers.limits import GSS
from tallyroom.rules.model import CouncilRef, ReadOut, WardRef

COLUMNS = ("council", "ward_code", "stage", "candidate", "votes")

Sheets = dict[tuple[str, str], dict[int, dict[str, Decimal]]]
"""By council code and ward code: stage number to candidate to votes."""


def read_sheets(path: Path, context: Context, on: date) -> Sheets:
    sheets: Sheets = defaultdict(lambda: defaultdict(dict))
    for row, values in csv_rows(path, COLUMNS):
        council = context.reference.councils.find(values["council"], on)
        if council is None:
            raise InputError(path, f"no council {values['council']!r} in the register", row, "council")
        if not GSS.fullmatch(values["ward_code"]):
            raise InputError(path, f"not a GSS ward code: {values['ward_code']!r}", row, "ward_code")
        if not values["stage"].isdigit() or int(values["stage"]) < 1:
            raise InputError(path, f"not a stage number: {values['stage']!r}", row, "stage")
        try:
            votes = Decimal(values["votes"].replace(",", ""))
        except InvalidOperation:
            raise InputError(path, f"not a number: {values['votes']!r}", row, "votes") from None
        if not votes.is_finite() or votes < 0:
            raise InputError(path, f"not a count of votes: {values['votes']!r}", row, "votes")
        stage = sheets[council.code, values["ward_code"]][int(values["stage"])]
        if values["candidate"] in stage:
            raise InputError(
                path, f"{values['candidate']!r} twice in stage {values['stage']}", row, "candidate"
            )
        stage[values["candidate"]] = votes
    return {key: dict(stages) for key, stages in sheets.items()}


def read(path: Path, context: Context) -> Batch:
    """A stage sheet as stages read out on the night `context.election_date`, each ward named as the
    Scottish ward register names it (by its code alone where the register has no such ward)."""
    on = context.election_date
    if on is None:
        raise InputError(path, "stages read out need the night they belong to: give --date")
    stages = []
    for (code, ward_code), sheet in read_sheets(path, context, on).items():
        council = context.reference.councils.get(code)
        assert council is not None  # read_sheets found it in the register
        wards = {w.code: w for w in scottish_wards().get(council.name, [])}
        ward = wards.get(ward_code, WardRef("", ward_code))
        for number, totals in sorted(sheet.items()):
            stages.append(ReadOut(on, CouncilRef(code, council.name), ward, number, totals))
    return Batch(stages=stages)
