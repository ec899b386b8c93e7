"""House style for copy: numbers, parties, lists. Filters the templates use, so that every template
writes a number or a party the same way.

Numbers one to nine are words, 10 upwards figures, thousands separated ("1,234"). Parties are named by
the register: a party as the subject of a sentence by its plural ("Conservatives", "Lib Dems"), in
running text by its name ("the Conservative candidate" is avoided; "Labour", "the Liberal Democrats").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tallyroom.rules.parties import Party

WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number(n: int) -> str:
    """One to nine in words, 10 upwards in figures with thousands separated; 0 is "no"."""
    if 0 <= n < 10:
        return WORDS[n]
    return f"{n:,}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """ "one seat", "two seats", "12 seats"."""
    return f"{number(n)} {noun if n == 1 else plural or noun + 's'}"


def signed(n: int) -> str:
    """A change of seats as newsrooms print it: "+3", "-2", "no change"."""
    return "no change" if n == 0 else f"{n:+d}".replace("-", "\u2212")


def listing(items: Iterable[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    found = list(items)
    if len(found) < 2:
        return "".join(found)
    return f"{', '.join(found[:-1])} and {found[-1]}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def the(party: Party) -> str:
    """A party in running text: "the Conservatives", "Labour", "the Lib Dems", "Reform UK", "the SNP";
    a local party by its registered name."""
    plural = party.plural
    if party.independent:
        return "independents"
    if plural.startswith("the ") or plural == party.name or not plural.endswith("s"):
        return plural
    return f"the {plural}"


def percent(share: float | None) -> str:
    return "" if share is None else f"{share:.1f}%"


def change_phrase(change: Any) -> str:
    """ "the Conservatives gained eight seats" from a party's net change."""
    verb = "gained" if change.seats > 0 else "lost"
    return f"{the(change.party)} {verb} {count(abs(change.seats), 'seat')}"


def defeat_phrase(defeat: Any) -> str:
    """ "Jane Smith (Labour) in Abbey"."""
    return f"{defeat.name} ({defeat.party.name}) in {defeat.ward}"


def won_phrase(won: Any) -> str:
    return f"{the(won.party)} won {number(won.seats)}"


def held_phrase(held: Any) -> str:
    return f"{the(held.party)} {number(held.seats)}"


FILTERS = {
    "number": number,
    "count": count,
    "signed": signed,
    "listing": listing,
    "join_and": listing,
    "capital": capital,
    "percent": percent,
    "the": the,
    "change_phrase": change_phrase,
    "won_phrase": won_phrase,
    "defeat_phrase": defeat_phrase,
    "held_phrase": held_phrase,
}
