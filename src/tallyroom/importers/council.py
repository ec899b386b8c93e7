"""The native council-level CSV (contract §3.2): seats per party per council, as news agencies send them."""

from __future__ import annotations

from pathlib import Path

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers.base import (
    NATIVE,
    Context,
    check_place,
    council_ref,
    csv_rows,
    parse_date,
    parse_int,
    require_int,
)
from tallyroom.rules.model import CouncilResult
from tallyroom.rules.parties import Party

COLUMNS = ("election_date", "council", "council_code", "total_seats", "party", "seats_after")


def read(path: Path, context: Context) -> Batch:
    results: dict[tuple[object, str], CouncilResult] = {}
    first_row: dict[tuple[object, str], int] = {}
    for number, r in csv_rows(path, COLUMNS):
        day = parse_date(path, number, "election_date", r["election_date"])
        council = council_ref(path, number, context, r["council"], r["council_code"], day)
        check_place(path, number, NATIVE, council)
        total = require_int(path, number, "total_seats", r["total_seats"])
        party = context.reference.parties.resolve(r["party"])
        after = require_int(path, number, "seats_after", r["seats_after"])
        won = parse_int(path, number, "seats_won", r.get("seats_won", ""))
        key = (day, council.code)
        result = results.setdefault(
            key, CouncilResult(day, council, total, {}, {} if won is not None else None)
        )
        first_row.setdefault(key, number)
        if total != result.total_seats:
            raise InputError(
                path, f"{total} where row {first_row[key]} says {result.total_seats}", number, "total_seats"
            )
        if party in result.seats_after:
            raise InputError(path, f"{party.name} appears twice for {council.name}", number, "party")
        if (won is None) != (result.seats_won is None):
            raise InputError(
                path, "give seats_won for every party of a council or for none", number, "seats_won"
            )
        result.seats_after[party] = after
        if result.seats_won is not None and won is not None:
            result.seats_won[party] = won
    for council_key, result in results.items():
        _check(path, first_row[council_key], result)
    return Batch(council_results=list(results.values()))


def _check(path: Path, row: int, result: CouncilResult) -> None:
    held = sum(result.seats_after.values())
    if held > result.total_seats:
        raise InputError(
            path,
            f"{result.council.name}: its rows, from this one on, hold {held} seats on a council of"
            f" {result.total_seats}",
            row,
            "seats_after",
        )
    won: dict[Party, int] = result.seats_won or {}
    for party, n in won.items():
        if n > result.seats_after[party]:
            raise InputError(
                path, f"{party.name} won {n} but holds {result.seats_after[party]}", row, "seats_won"
            )
