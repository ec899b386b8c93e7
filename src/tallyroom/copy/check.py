"""A copy check a sub-editor would make, on a council story read back against the facts it was drawn
from: every number is a fact, every list matches its count, every party and ward named is in the
results, and no phrase the house bans. Pure: text and facts in, findings out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tallyroom.copy.facts import CouncilFacts

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
FIGURE = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d)?(?![\d])")
WORD = re.compile(r"\b(" + "|".join(WORDS) + r")\b")
COUNTED = r"(\d[\d,]*|" + "|".join(WORDS) + r")"


class Problem(StrEnum):
    NUMBER = "number not in the facts"
    COUNT = "list does not match its count"
    PARTY = "party not in the results"
    PARTY_NAMES = "party named two ways"
    NAME = "name not in the results"
    PARTY_AS_PLACE = "local party written as a place"
    BANNED = "banned phrasing"


@dataclass(frozen=True)
class Finding:
    problem: Problem
    detail: str


class Phrasing(StrEnum):
    """Phrasing the house does not print, by what is wrong with it."""

    PART_AS_WHOLE = "a list introduced as part that names the whole"
    EMPTY_LIST = "a list with nothing in it"
    OPENING_FIGURE = "a sentence beginning with a figure"
    REGION_WITHOUT_THE = "a region without its article"
    INDEPENDENTS_AS_PARTY = "independents as a party's tally"
    TITLE_CASE_PLACE = "a place name in title case"
    SURNAME_FIRST = "a candidate surname first"
    AMERICAN = "American spelling"
    STRAY_SPACE = "stray space"


BANNED = {
    Phrasing.PART_AS_WHOLE: re.compile(r"\bAmong the \S+ [^.]* were\b"),
    Phrasing.EMPTY_LIST: re.compile(r"\b(?:were|included?|including|took)[:,]?\s*[.;]"),
    Phrasing.OPENING_FIGURE: re.compile(r"(?:^|[.!?]\s+)\d"),
    Phrasing.REGION_WITHOUT_THE: re.compile(r"\bacross (?:East|West|North|South)\b"),
    Phrasing.INDEPENDENTS_AS_PARTY: re.compile(r"\bindependents (?:" + COUNTED + r")\b(?! seats?)"),
    Phrasing.TITLE_CASE_PLACE: re.compile(r"\b[A-Z][a-z]+ (?:And|De|La|Le|Of|On|Upon|Under|With) [A-Z]"),
    Phrasing.SURNAME_FIRST: re.compile(r"\b[A-Z][\w'-]+ (?:[A-Z]\.)+(?=[,)]|\s+[a-z(]|$)"),
    Phrasing.AMERICAN: re.compile(
        r"\b(labor|favor\w*|center\w*|color\w*|defense|organiz\w*|realiz\w*|recogniz\w*)\b", re.I
    ),
    Phrasing.STRAY_SPACE: re.compile(r"  | \.| ,"),
}

VERBS = r"(?:lost|gained|won|took|have|had|are|now)"


def check(text: str, facts: CouncilFacts, party_forms: Iterable[str]) -> list[Finding]:
    """What a sub-editor would query in a council story. `party_forms` are every name and plural the
    party register knows, so that a party the facts do not hold is caught."""
    findings = [
        Finding(Problem.BANNED, f"{why}: {m.group(0)!r}")
        for why, rx in BANNED.items()
        for m in rx.finditer(text)
    ]
    findings += _numbers(text, facts)
    findings += _counts(text, facts)
    findings += _parties(text, facts, party_forms)
    findings += _names(text, facts)
    return findings


def _names_in(facts: CouncilFacts) -> list[str]:
    """Places, people and parties the copy may name, longest first (a party may be named after a
    place, and a ward after a party)."""
    names = [facts.council, *facts.wards, *(d.name for d in facts.defeated), *facts.parties]
    names += [person for t in facts.transfers for person in t.people]
    return sorted(set(names), key=len, reverse=True)


def _without(text: str, names: Iterable[str], mark: str) -> str:
    for name in names:
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", mark, text)
    return text


def _numbers(text: str, facts: CouncilFacts) -> list[Finding]:
    plain = _without(text, _names_in(facts), "PLACE")
    decimals = {f"{facts.turnout:.1f}" if facts.turnout else "", f"{facts.turnout_before or 0:.1f}"}
    if facts.biggest_swing:
        decimals.add(f"{facts.biggest_swing.points:.1f}")
    found = []
    for whole, fraction in FIGURE.findall(plain):
        if fraction and f"{whole}{fraction}" not in decimals:
            found.append(Finding(Problem.NUMBER, whole + fraction))
        elif not fraction and int(whole.replace(",", "")) not in facts.numbers:
            found.append(Finding(Problem.NUMBER, whole))
    found += [Finding(Problem.NUMBER, w) for w in WORD.findall(plain) if WORDS[w] not in facts.numbers]
    return found


def _value(word: str) -> int:
    return WORDS.get(word) or int(word.replace(",", ""))


def _named(passage: str, names: Iterable[str]) -> int:
    """How many of these names a passage names (longer names first, so that one inside another is not
    counted twice)."""
    count = 0
    for name in sorted(set(names), key=len, reverse=True):
        passage, found = re.subn(rf"(?<!\w){re.escape(name)}(?!\w)", "NAMED", passage)
        count += bool(found)
    return count


def _counts(text: str, facts: CouncilFacts) -> list[Finding]:
    found = []
    gains = re.search(r"Seats changed hands in " + COUNTED + r" wards?([.,;:])(.*?)(?:\n\n|$)", text, re.S)
    if gains:
        stated = _value(gains.group(1))
        named = _named(gains.group(3), (g.ward for g in facts.gains))
        partial = gains.group(2) != "."
        if stated != facts.wards_changing_hands or named > stated or (named != stated and not partial):
            found.append(Finding(Problem.COUNT, f"wards changing hands: {stated} stated, {named} named"))
    elif facts.wards_changing_hands:
        found.append(Finding(Problem.COUNT, "wards changing hands: none named"))
    defeats = re.search(
        r"(The|In all,) " + COUNTED + r" sitting councillors (?:who )?lost(.*?)(?:\n\n|$)", text, re.S
    )
    if defeats:
        stated = _value(defeats.group(2))
        named = _named(defeats.group(3), (d.name for d in facts.defeated))
        partial = defeats.group(1) == "In all,"
        if stated != len(facts.defeated) or named > stated or (named != stated and not partial):
            found.append(
                Finding(Problem.COUNT, f"sitting councillors who lost: {stated} stated, {named} named")
            )
    return found


def _parties(text: str, facts: CouncilFacts, party_forms: Iterable[str]) -> list[Finding]:
    plain = _without(text, _names_in(facts), "NAME")
    found = [
        Finding(Problem.PARTY, form)
        for form in sorted({f for f in party_forms if len(f) > 3}, key=len, reverse=True)
        if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", plain)
    ]
    places = _without(text, sorted({facts.council, *facts.wards}, key=len, reverse=True), "PLACE")
    for party in {p.id: p for p in facts.named_parties}.values():
        if party.name == party.plural or not party.name.endswith("s") or party.independent:
            continue
        full = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(party.name)}(?!\w)", places)]
        short = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(party.plural)}(?!\w)", places)]
        if full and short and (len(full) > 1 or full[0] > short[0]):
            found.append(Finding(Problem.PARTY_NAMES, f"{party.name} and {party.plural}"))
    for party in facts.named_parties:
        if party.name in facts.wards and re.search(rf"(?<!the ){re.escape(party.name)} {VERBS}\b", text):
            found.append(Finding(Problem.PARTY_AS_PLACE, party.name))
    return found


def _names(text: str, facts: CouncilFacts) -> list[Finding]:
    """Capitalised words, other than a sentence's first, that are no place, person or party named in
    the facts."""
    plain = _without(text, _names_in(facts), "")
    found = []
    for sentence in re.split(r"(?<=[.:])\s+", plain):
        words = re.findall(r"[\w'’.-]+", sentence)
        found += [Finding(Problem.NAME, w) for w in words[1:] if w[:1].isupper()]
    return found
