"""The reference data shipped with the package: the party register and the council register."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from tallyroom.rules.councils import Council, CouncilRegister, CouncilSize, Cycle
from tallyroom.rules.parties import Party, PartyRegister


@dataclass(frozen=True)
class Reference:
    parties: PartyRegister
    councils: CouncilRegister


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("tallyroom.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def party_register() -> PartyRegister:
    rows = _rows("parties.csv")
    parties = [
        Party(
            r["id"],
            r["name"],
            r["short"],
            r["plural"],
            independent=r["independent"] == "1",
            ec_id=r["ec_ids"].partition("|")[0],
        )
        for r in rows
    ]
    aliases = [(r["alias"], r["party_id"]) for r in _rows("party_aliases.csv")]
    aliases += [(ec_id, r["id"]) for r in rows for ec_id in r["ec_ids"].split("|") if ec_id]
    return PartyRegister(parties, aliases)


def council_register() -> CouncilRegister:
    rows = _rows("councils.csv")
    councils = [Council(r["code"], r["name"], r["type"], r["region"], r["nation"]) for r in rows]
    aliases = [(alias, r["code"]) for r in rows for alias in r["aliases"].split("|") if alias]
    sizes = [
        CouncilSize(
            r["code"],
            int(r["year"]),
            int(r["total_seats"]),
            Cycle(r["cycle"]),
            int(r["seats_up"]) if r["seats_up"] else None,
        )
        for r in _rows("council_seats.csv")
        if r["total_seats"]
    ]
    return CouncilRegister(councils, aliases, sizes)


@cache
def load() -> Reference:
    return Reference(party_register(), council_register())
