"""House style for copy: numbers, parties, lists. Filters the templates use, so that every template
writes a number or a party the same way.

Numbers one to nine are words, 10 upwards figures, thousands separated ("1,234"). Parties are named by
the register: by their plural ("the Conservatives", "Labour", "the Lib Dems"), except that a story names
a party whose name is itself a plural by that name the first time ("the Liberal Democrats") and by its
plural after (`Naming`). A local party whose name is only a place is "the Selston party", never a bare
place name. Seats are listed most first, independents as "one independent" after the parties.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from tallyroom.copy.names import person, proper_form
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


def points(change: float) -> str:
    """A change in percentage points as results pages print it: "+3.0", "−2.3" (a true minus), and
    "0.0" for one that rounds to nothing (never "−0.0")."""
    shown = f"{change:+.1f}"
    return "0.0" if shown in ("+0.0", "-0.0") else shown.replace("-", "\u2212")


def listing(items: Iterable[str]) -> str:
    """ "A", "A and B", "A, B and C"; where a name has an "and" of its own, the last is set off by a
    comma too ("Coalville North, and Forest and Measham": two divisions, not three)."""
    found = list(items)
    if len(found) < 2:
        return "".join(found)
    own_and = any(" and " in item for item in found)
    return f"{', '.join(found[:-1])}{',' if own_and else ''} and {found[-1]}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


PARTY_WORDS = frozenset(
    {"independent", "party", "resident", "association", "alliance", "group", "first", "democrat", "community"}
    | {"movement", "voice", "union", "league", "socialist", "green", "liberal", "conservative", "labour"}
    | {"society", "people", "matter", "our", "proud"}
)
"""Words (singular) that show a local party's name is a party's: a name with none is only a place."""


def headline_party(party: Party) -> str:
    """A party as a headline names it: its plural with no article ("Conservatives", "Lib Dems", "SNP",
    "DUP", "Sinn Féin", and in a Scottish council "Scottish Conservatives")."""
    return party.plural.removeprefix("the ")


def the(party: Party) -> str:
    """A party in running text: "the Conservatives", "Labour", "the Lib Dems", "Reform UK", "the SNP";
    a local party by its registered name, an acronym with "the" ("the NTRA"), and a name that is only a
    place as "the Selston party"."""
    if party.independent:
        return "independents"
    if party.id.startswith("local:"):
        name = proper_form(party.name)
        if name.isupper():
            return f"the {name}"
        if name.startswith("The ") or any(
            w.strip("'").removesuffix("s") in PARTY_WORDS for w in name.lower().split()
        ):
            return name
        return f"the {name} party"
    plural = party.plural
    if plural.startswith("the ") or plural == party.name or not plural.endswith("s"):
        return plural
    return f"the {plural}"


def full(party: Party) -> str:
    """A party named in full, for its first mention: "the Liberal Democrats" where the register's plural
    ("Lib Dems") is short for a name that is itself a plural."""
    if party.name != party.plural and party.name.endswith("s") and not party.independent:
        return f"the {party.name}"
    return the(party)


class Naming:
    """Which parties a piece of copy has named: the first mention in full, later ones by the plural."""

    def __init__(self) -> None:
        self.named: set[str] = set()

    def __call__(self, party: Party) -> str:
        first = party.id not in self.named
        self.named.add(party.id)
        return full(party) if first else the(party)


@pass_context
def named(context: Context, party: Party, seats: int | None = None) -> str:
    """A party in running text, in full the first time the copy being drafted names it (its `naming`);
    independents who won or lost `seats` == 1 between them are one: "an independent"."""
    if party.independent and seats == 1:
        return "an independent"
    naming = context.get("naming")
    return naming(party) if isinstance(naming, Naming) else the(party)


def possessive(text: str) -> str:
    """ "Labour's", "the Lib Dems'"."""
    return f"{text}'" if text.endswith("s") else f"{text}'s"


REGIONS_WITH_THE = ("North", "South", "East", "West")
"""Regions named with "the": "the East Midlands", "the North West", "the East of England"."""


def region(name: str) -> str:
    """A region in running text: "the East Midlands", "London", "Yorkshire and the Humber"."""
    return f"the {name}" if name.split(" ")[0] in REGIONS_WITH_THE else name


def percent(share: float | None) -> str:
    return "" if share is None else f"{share:.1f}%"


@pass_context
def change_phrase(context: Context, change: Any) -> str:
    """ "the Conservatives gained eight seats" from a party's net change."""
    verb = "gained" if change.seats > 0 else "lost"
    if change.party.independent:
        return f"independents {verb} {count(abs(change.seats), 'seat')}"
    return f"{named(context, change.party)} {verb} {count(abs(change.seats), 'seat')}"


@pass_context
def defeat_phrase(context: Context, defeat: Any) -> str:
    """ "Labour's Terri Eynon in Coalville North", "independent Jo Bloggs in Abbey"."""
    return f"{candidate_phrase(context, defeat.name, defeat.party)} in {defeat.ward}"


@pass_context
def candidate_phrase(context: Context, name: str, party: Party) -> str:
    """ "the SNP's Paula Coy", "independent Sandy Cooper"."""
    if party.independent:
        return f"independent {name}"
    return f"{possessive(named(context, party))} {name}"


@pass_context
def won_phrase(context: Context, won: Any) -> str:
    if won.party.independent:
        return f"independents won {number(won.seats)}"
    return f"{named(context, won.party)} won {number(won.seats)}"


@pass_context
def held_phrase(context: Context, held: Any) -> str:
    """ "the Lib Dems four", "one independent"."""
    if held.party.independent:
        return count(held.seats, "independent")
    return f"{named(context, held.party)} {number(held.seats)}"


def seat_in(part: tuple[str, int]) -> str:
    """Seats taken in a ward where others kept theirs: "a seat in Oadby", "seats in Abbey"."""
    ward, seats = part
    return f"a seat in {ward}" if seats == 1 else f"seats in {ward}"


def taken_from(change: Any) -> str:
    """A council won from someone (a `facts.ControlChange`): "Amber Valley from Labour", or "from no
    overall control"."""
    before = "no overall control" if change.before is None else the(change.before)
    return f"{change.council} from {before}"


FILTERS = {
    "taken_from": taken_from,
    "points": points,
    "seat_in": seat_in,
    "place": proper_form,
    "person": person,
    "number": number,
    "count": count,
    "signed": signed,
    "listing": listing,
    "join_and": listing,
    "capital": capital,
    "percent": percent,
    "the": the,
    "headline_party": headline_party,
    "named": named,
    "possessive": possessive,
    "region": region,
    "change_phrase": change_phrase,
    "won_phrase": won_phrase,
    "defeat_phrase": defeat_phrase,
    "held_phrase": held_phrase,
    "candidate_phrase": candidate_phrase,
}
