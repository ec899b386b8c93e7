"""Parties as copy names them in each nation's councils. The register names a party once for the
whole of the UK, and most names serve everywhere ("the SNP", "Sinn Féin", "the DUP"); in a Scottish
council's copy the Conservatives are "the Scottish Conservatives", as the party calls itself there,
and the Scottish Greens take "the" like any party named as a plural.
The seats still count for the one party (§6.3): only the words change."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar, cast

from tallyroom.rules.parties import Party

SCOTLAND = "S12"
"""The start of a Scottish council's GSS code."""

IN_SCOTLAND = {
    "conservative": ("Scottish Conservative", "the Scottish Conservatives"),
    "scottish-green": ("Scottish Green", "the Scottish Greens"),
}
"""Party id to the name and plural copy gives the party in a Scottish council."""

T = TypeVar("T")


def house_party(party: Party, council_code: str) -> Party:
    """The party as copy names it in this council."""
    names = IN_SCOTLAND.get(party.id) if council_code.startswith(SCOTLAND) else None
    return replace(party, name=names[0], plural=names[1]) if names else party


def in_house_style(value: T, council_code: str) -> T:
    """The facts (a dataclass, tuples of them, parties) with every party as copy names it here."""
    if not council_code.startswith(SCOTLAND):
        return value
    found: Any = value
    if isinstance(found, Party):
        found = house_party(found, council_code)
    elif isinstance(found, tuple):
        found = tuple(in_house_style(item, council_code) for item in found)
    elif is_dataclass(found) and not isinstance(found, type):
        changed = {
            f.name: in_house_style(getattr(found, f.name), council_code) for f in fields(found) if f.init
        }
        found = replace(found, **changed)
    return cast(T, found)
