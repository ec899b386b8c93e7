"""Press Association (PA) local-election XML messages (contract §3, format `pa`).

PA sends one message per event; its root element says which kind it is:

* `LocalElectionResult` (LocalResult.xsd): the result of one or more councils as seats per party,
  becoming one `CouncilResult` each (contract §3.2). `NewCouncil` gives the seats each party holds
  on the whole council afterwards (`seats_after`); `ElectedCouncillors`, sent for councils electing by
  thirds or halves and possibly absent for an all-out council, the seats won among those up
  (`seats_won`, None when absent or empty). Party names here are PA abbreviations (`C`, `Lab`, `LD`,
  `Green`, `Ind`, `R`, `Reform`) resolved by the party register; PA's `Ind` is "Independent/Other",
  every independent and minor party together. The root's optional `revision` becomes
  `Batch.source_revision`: a later revision of a council's message is the whole result again, not a
  change to the earlier one. `Changes` (seats gained or lost against the last time those seats were
  fought) is checked to be whole numbers and otherwise not used.
* `LocalElectionNominations` (LocalNominations.xsd): each council's eve of poll, one `EveOfPoll` each.
  The schema says so itself: these messages "do not list details of actual candidates", nor wards, so
  they hold no polls. Per party they give `seatsHeld`, the party's seats on the whole council on the
  eve of poll (`seats_held`), and `seatsOffered`, the seats it defends tonight (`defending`); PA's
  other test-run messages bear that reading out (Adur, by halves: 29 held, 14 defended; Burnley, by
  thirds: 45 held, 15 defended; Birmingham, all out: 101 and 101). `unopposedReturns` and `candidates`
  are checked to be whole numbers and otherwise not used; `newCouncil` and `boundaryChange`
  (`xs:boolean`, absent is false) are kept. PA's `Ind` resolves to Independent, so for control each of
  its seats counts on its own (domain §6.3): a minor party among them is never seen to control a council.

  PA gives no vacancies, so the seats up are derived, never invented, from the seats defended and the
  council register's size (`total_seats`, the size on the eve of poll being the register's for the
  year before), checked against PA's `proportion`:

  - Refused, naming the attribute: a party without `seatsHeld` or `seatsOffered` (optional in the
    schema, which says they should in practice be there), or listed twice; a party defending more
    seats than it holds; and parties holding more seats between them than the council had (unless
    `newCouncil`).
  - `all`: every seat held must be defended, and the seats up are the council's size that year (the
    register's, which for new boundaries it must hold for that very year).
  - `half`, `third`: the seats defended may run past that share of the council by half as much again
    (by-elections combined with the ordinary election, uneven wards; Amber Valley 2021 filled 16 of 45)
    and no further. Where every seat is held, the seats up are the seats defended; where some are
    vacant, PA does not say whether they are up, and the seats up are left unknown.
  - Figures that cannot be squared with the proportion (the sample: Barnsley by thirds, all 63 of its
    seats defended) are not refused whole: the seats held, which square with the register, are kept
    and give control before the poll; the seats defended and the seats up are left out, and a `Skip`
    says so. So does one where the seats up are unknown.
* `LocalStateOfParties` (LocalStateOfParties.xsd): PA's national running total (councils, seats and
  net changes per party, with a No Overall Control pseudo-party). It names no single council's result,
  and tallyroom derives its own totals, so it is read, checked and recorded as one `Skip`.

Other PA messages are not local council results and are rejected: `FirstPastThePostResult` is a
general or assembly election constituency (numbered, with no council), and there are STV, top-up,
referendum, rush and recount messages besides. The schemas carry no by-election marker for local
messages (`ElectionType` `B` is used only by constituency messages), so nothing here is marked as one.

A council is found by its PA name (`Lincoln`, `Hull`, `Basingstoke & Deane`) in the council register
on the election date: PA's `paId` is PA's own number, not a GSS code. A name the register cannot find
is an error, as is an abbreviation listed twice for one council.

PA's own reading of the result, the council's `winningParty`, `sittingParty` and `gainOrHold`
('gain', 'no change', 'lose to NOC'), is not used: the council rules work control out themselves.
The result is checked instead for consistency: a party cannot have won more seats than it holds.

Errors name the file, a row and a field. The row is the line number, counted from 1, of the start tag
of the element at fault (as expat reports it while reading the tag; for an attribute on a start tag
written over several lines it is the line the tag opens on), or for XML that is not well formed the
line the parser stopped at. The field is the element's path from the root with XPath's 1-based index
where an element has siblings of the same name, and `@name` for an attribute:
`LocalElectionResult/Election/Council/NewCouncil/Party[2]/@seats`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple
from xml.parsers import expat

from tallyroom.delivery import Batch, Skip
from tallyroom.errors import InputError
from tallyroom.importers.base import Context, read_text
from tallyroom.importers.limits import count_fault, text_fault
from tallyroom.rules.model import CouncilRef, CouncilResult, EveOfPoll
from tallyroom.rules.parties import Party

RESULT, NOMINATIONS, STATE_OF_PARTIES = (
    "LocalElectionResult",
    "LocalElectionNominations",
    "LocalStateOfParties",
)
OTHER_MESSAGES = {
    "FirstPastThePostResult": "a general or assembly election constituency result, not a council's",
    "FirstPastThePostNominations": "general or assembly election constituency nominations",
    "FirstPastThePostStateOfParties": "a general or assembly election state of parties",
    "FirstPastThePostRush": "a general or assembly election rush message",
    "Recount": "a recount notice for a general or assembly election constituency",
}
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:Z|[+-][0-9]{2}:[0-9]{2})?")


@dataclass(frozen=True)
class Node:
    """An element with where it is: the file, its line and its path from the root. Reads are strict:
    a missing attribute or element, or a number that is not whole, is an InputError saying where."""

    path: Path
    element: ET.Element
    lines: dict[ET.Element, int]
    where: str

    @property
    def line(self) -> int:
        return self.lines[self.element]

    def error(self, message: str, attribute: str | None = None) -> InputError:
        field = f"{self.where}/@{attribute}" if attribute else self.where
        return InputError(self.path, message, self.line, field)

    def children(self, tag: str) -> list[Node]:
        found = [child for child in self.element if child.tag == tag]
        if len(found) == 1:
            return [Node(self.path, found[0], self.lines, f"{self.where}/{tag}")]
        return [
            Node(self.path, child, self.lines, f"{self.where}/{tag}[{index}]")
            for index, child in enumerate(found, start=1)
        ]

    def optional_child(self, tag: str) -> Node | None:
        found = self.children(tag)
        if len(found) > 1:
            raise found[1].error(f"a second {tag} element where there should be one")
        return found[0] if found else None

    def child(self, tag: str) -> Node:
        found = self.optional_child(tag)
        if found is None:
            raise InputError(self.path, "is missing", self.line, f"{self.where}/{tag}")
        return found

    def text(self, attribute: str) -> str:
        value = self.element.get(attribute, "").strip()
        if not value:
            raise self.error("is missing" if attribute not in self.element.attrib else "is blank", attribute)
        fault = text_fault(value)
        if fault is not None:
            raise self.error(fault, attribute)
        return value

    def optional_whole(self, attribute: str, signed: bool = False) -> int | None:
        """A whole number (`xs:integer`, so `+2` is allowed); a count cannot be negative."""
        value = self.element.get(attribute)
        if value is None:
            return None
        if not _INTEGER.fullmatch(value.strip()):
            raise self.error(f"not a whole number: {value!r}", attribute)
        number = int(value)
        if number < 0 and not signed:
            raise self.error(f"cannot be negative: {value!r}", attribute)
        fault = count_fault(number)
        if fault is not None:
            raise self.error(fault, attribute)
        return number

    def whole(self, attribute: str, signed: bool = False) -> int:
        number = self.optional_whole(attribute, signed)
        if number is None:
            raise self.error("is missing", attribute)
        return number

    def optional_day(self, attribute: str) -> date | None:
        value = self.element.get(attribute)
        if value is None:
            return None
        match = _DATE.fullmatch(value.strip())
        try:
            return date.fromisoformat(match.group(1) if match else value)
        except ValueError:
            raise self.error(f"not a date (YYYY-MM-DD): {value!r}", attribute) from None


def read(path: Path, context: Context) -> Batch:
    root = parse(path)
    tag = root.element.tag
    readers: dict[str, Callable[[Node, Context], Batch]] = {
        RESULT: _results,
        NOMINATIONS: _nominations,
        STATE_OF_PARTIES: _state_of_parties,
    }
    if tag in readers:
        return readers[tag](root, context)
    what = f"{OTHER_MESSAGES[tag]}, " if tag in OTHER_MESSAGES else ""
    raise root.error(
        f"a <{tag}> message, {what}not one of the PA local election messages this format reads: "
        + ", ".join(f"<{known}>" for known in readers)
    )


def parse(path: Path) -> Node:
    """The file's root element, with the line of every element's start tag.

    ElementTree keeps no line numbers, so expat (which ElementTree itself parses with) feeds an
    ElementTree `TreeBuilder` and the line of each start tag is noted as the tag is read. The text is
    decoded as UTF-8 first, whatever the XML declaration says (PA sends UTF-8), so that bytes in
    another encoding are reported as such rather than as a syntax error.
    """
    text = read_text(path)
    builder = ET.TreeBuilder()
    lines: dict[ET.Element, int] = {}
    parser = expat.ParserCreate()

    def start(tag: str, attributes: dict[str, str]) -> None:
        lines[builder.start(tag, attributes)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(text, True)
    except expat.ExpatError as error:
        cut = " (is the file cut short?)" if error.lineno >= text.rstrip().count("\n") + 1 else ""
        where = f"line {error.lineno}, column {error.offset + 1}"
        message = f"not well-formed XML: {expat.ErrorString(error.code)} ({where}){cut}"
        raise InputError(path, message, error.lineno) from None
    root = builder.close()
    return Node(path, root, lines, root.tag)


def _election_date(election: Node, context: Context) -> date:
    """The election's date, else the date given for files without one."""
    day = election.optional_day("date") or context.election_date
    if day is None:
        raise election.error("is missing (and no election date was given for the file)", "date")
    return day


def _council(node: Node, on: date, context: Context) -> CouncilRef:
    name = node.text("name")
    council = context.reference.councils.find(name, on)
    if council is None:
        raise node.error(f"council {name!r} is not in the council register", "name")
    return CouncilRef(council.code, council.name)


def _councils(election: Node, on: date, context: Context) -> list[tuple[Node, CouncilRef]]:
    """Each Council element with the register's council; one council twice in a message is an error."""
    found: list[tuple[Node, CouncilRef]] = []
    seen: dict[str, int] = {}
    for node in election.children("Council"):
        council = _council(node, on, context)
        if council.code in seen:
            raise node.error(f"{council.name} appears twice in this message (also line {seen[council.code]})")
        seen[council.code] = node.line
        found.append((node, council))
    if not found:
        raise InputError(election.path, "is missing", election.line, f"{election.where}/Council")
    return found


# LocalElectionResult


def _results(root: Node, context: Context) -> Batch:
    revision = root.optional_whole("revision")
    election = root.child("Election")
    on = _election_date(election, context)
    results = [
        _council_result(node, council, on, context) for node, council in _councils(election, on, context)
    ]
    return Batch(council_results=results, source_revision=revision)


def _council_result(node: Node, council: CouncilRef, on: date, context: Context) -> CouncilResult:
    """One council's result. `total_seats` is the sum of the NewCouncil seats: the schema has no
    size or vacancies attribute, so a seat left vacant (a poll countermanded on a candidate's death,
    a councillor resigned and not replaced) that PA leaves out of NewCouncil makes the total smaller
    than the council's size, and the majority worked out from it smaller with it."""
    new_council = node.child("NewCouncil")
    after = _seats(new_council, context)
    if not after:
        raise new_council.error("no party holds a seat: the new council is empty")
    elected = node.optional_child("ElectedCouncillors")
    won = _seats(elected, context) if elected is not None else {}
    for party, (seats, party_node) in won.items():
        held = after[party][0] if party in after else 0
        if seats > held:
            raise party_node.error(
                f"{party.name} won {seats} seats but holds {held} on the new council", "seats"
            )
    changes = node.optional_child("Changes")
    for party_node in changes.children("Party") if changes is not None else []:
        party_node.text("name")
        party_node.whole("change", signed=True)
    return CouncilResult(
        election_date=on,
        council=council,
        total_seats=sum(seats for seats, _ in after.values()),
        seats_after={party: seats for party, (seats, _) in after.items()},
        seats_won={party: seats for party, (seats, _) in won.items()} or None,
    )


def _seats(parent: Node, context: Context) -> dict[Party, tuple[int, Node]]:
    """Seats per party in a NewCouncil or ElectedCouncillors list, with the element each came from."""
    seats: dict[Party, tuple[int, Node]] = {}
    for node in parent.children("Party"):
        party = context.reference.parties.resolve(node.text("name"))
        if party in seats:
            first = seats[party][1].line
            raise node.error(f"{party.name} is listed twice (also line {first})", "name")
        seats[party] = (node.whole("seats"), node)
    return seats


# LocalElectionNominations

SHARES = {"all": Fraction(1), "half": Fraction(1, 2), "third": Fraction(1, 3)}
"""The share of a council up at an election by PA's `proportion`."""
LEEWAY = Fraction(3, 2)
"""How far a partial election's seats up may run past its share: by half as much again."""


def _nominations(root: Node, context: Context) -> Batch:
    election = root.child("Election")
    on = _election_date(election, context)
    eves, notes = [], []
    for node, council in _councils(election, on, context):
        eve, note = _eve_of_poll(node, council, on, context)
        eves.append(eve)
        if note is not None:
            notes.append(Skip(node.line, f"PA nominations for {council.name} ({council.code}): {note}"))
    return Batch(eves=eves, skipped=notes)


def _eve_of_poll(node: Node, council: CouncilRef, on: date, context: Context) -> tuple[EveOfPoll, str | None]:
    """One council's nominations as its eve of poll, and what was left out of it and why (the module's
    notes say how the figures are checked)."""
    proportion = node.text("proportion")
    if proportion not in SHARES:
        raise node.error(f"{proportion!r} is not one of {', '.join(SHARES)}", "proportion")
    new_council = _boolean(node, "newCouncil")
    boundary_change = _boolean(node, "boundaryChange")
    _boolean(node, "firstTimePR")
    held: dict[Party, tuple[int, Node]] = {}
    defending: dict[Party, int] = {}
    for party_node in node.children("Party"):
        party = context.reference.parties.resolve_first(
            [party_node.text("abbreviation")], party_node.text("name")
        )
        if party in held:
            first = held[party][1].line
            raise party_node.error(f"{party.name} is listed twice (also line {first})", "abbreviation")
        seats, offered = party_node.whole("seatsHeld"), party_node.whole("seatsOffered")
        party_node.optional_whole("unopposedReturns")
        party_node.optional_whole("candidates")
        if offered > seats:
            raise party_node.error(f"{party.name} defends {offered} seats but holds {seats}", "seatsOffered")
        held[party], defending[party] = (seats, party_node), offered
    seats_held = {party: seats for party, (seats, _) in held.items()}
    register = context.reference.councils
    before = register.size(council.code, date(on.year - 1, 12, 31))
    if before is not None and not new_council and sum(seats_held.values()) > before.total_seats:
        raise node.error(
            f"the parties hold {sum(seats_held.values())} seats; {council.name} has {before.total_seats} "
            f"(the council register, {before.year})"
        )
    size = before.total_seats if before is not None and not new_council else None
    tonight = register.size(council.code, on)
    if tonight is not None and tonight.year != on.year and (boundary_change or new_council):
        tonight = None  # new boundaries: the size before them is not the size now
    reading = _seats_up(proportion, seats_held, defending, size, tonight.total_seats if tonight else None)
    eve = EveOfPoll(
        election_date=on,
        council=council,
        seats_held=seats_held,
        seats_up=reading.seats_up,
        defending=defending if reading.defending_trusted else None,
        new_council=new_council,
        boundary_change=boundary_change,
    )
    return eve, reading.note


class _SeatsUp(NamedTuple):
    seats_up: int | None
    defending_trusted: bool = True
    note: str | None = None


def _seats_up(
    proportion: str,
    held: dict[Party, int],
    defending: dict[Party, int],
    size: int | None,
    size_tonight: int | None,
) -> _SeatsUp:
    """The seats up from the seats defended, whether the seats defended can be trusted, and a note
    where either is left out."""
    untrusted = "seats defended and seats up not taken: "
    defended = sum(defending.values())
    if proportion == "all":
        short = [f"{p.name} {defending[p]} of {n}" for p, n in held.items() if defending[p] != n]
        if short:
            note = f"at an all-out election every seat held is defended, not {', '.join(short)}"
            return _SeatsUp(None, False, untrusted + note)
        if size_tonight is None:
            return _SeatsUp(
                None, note="seats up not known: the council register has no size for it this year"
            )
        return _SeatsUp(size_tonight)
    if size is None:
        return _SeatsUp(None, note="seats up not known: the council register has no size for it")
    share = SHARES[proportion]
    most = int(size * share * LEEWAY)
    if defended > most:
        note = (
            f"{defended} of the {size} seats defended at an election by {proportion}s, where a "
            f"{proportion} is {float(size * share):g} (with by-elections, at most {most} are taken)"
        )
        return _SeatsUp(None, False, untrusted + note)
    vacant = size - sum(held.values())
    if defended + vacant == 0:
        return _SeatsUp(None, False, untrusted + "no seat is defended and none is vacant: none would be up")
    if vacant:
        note = (
            f"seats up not known: {defended} seats defended, and PA does not say which of the {vacant} "
            f"vacant seat(s) are up (between {defended} and {defended + vacant})"
        )
        return _SeatsUp(None, note=note)
    return _SeatsUp(defended)


def _boolean(node: Node, attribute: str) -> bool:
    """An `xs:boolean` attribute: true, false, 1 or 0; absent is false."""
    value = node.element.get(attribute)
    if value is None:
        return False
    if value.strip() in {"true", "1"}:
        return True
    if value.strip() in {"false", "0"}:
        return False
    raise node.error(f"not true or false: {value!r}", attribute)


# LocalStateOfParties


def _state_of_parties(root: Node, context: Context) -> Batch:
    results = root.optional_whole("numberOfResults")
    councils = root.optional_whole("totalNumberOfCouncils")
    election = root.child("Election")
    election.optional_day("date")
    parties = root.child("Parties").children("Party")
    for party in parties:
        party.text("name")
        party.text("abbreviation")
        party.whole("totalCouncils")
        party.whole("seatsWon")
        party.whole("changeInControl", signed=True)
        party.whole("netChangeInSeats", signed=True)
    included = root.optional_child("CouncilsIncluded")
    for council in included.children("Council") if included is not None else []:
        council.text("name")
    region = root.element.get("region", "").strip() or "no region given"
    declared = f"{results} of {councils}" if results is not None and councils is not None else "some"
    reason = (
        f"PA state of parties ({region}, {declared} councils declared, {len(parties)} parties): a national "
        "running total, which tallyroom derives from the council results itself"
    )
    return Batch(skipped=[Skip(root.line, reason)])
