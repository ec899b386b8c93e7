"""Names as a reader expects them: wards in their proper form, candidates forename first.

Sources print ward names in title case ("Alfreton And Somercotes", "Ashby De La Zouch") and the
Library prints candidates surname first with initials ("Eynon T."). Copy writes the ward as the
council spells it where an earlier poll of the same ward has that spelling, else with its particles
in lower case; and a candidate by the full name an earlier poll of the ward gives, else as "T. Eynon".
Scottish ballots print the surname in capitals ("Sandy COOPER"): copy writes "Sandy Cooper".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tallyroom.rules.parties import normalise

PARTICLES = frozenset(
    {"and", "at", "by", "cum", "de", "del", "des", "du", "en", "in", "la", "le", "next", "of", "on", "the"}
    | {"to", "under", "upon", "van", "von", "with"}
)
"""Words written in lower case inside a place name ("Ashby de la Zouch", "Stoke on Trent")."""

LETTERS = re.compile(r"[^\W\d_]+")
MC = re.compile(r"\bMc([a-z])")

SURNAME_FIRST = re.compile(r"^(?P<surname>[^.]+?),? (?P<initials>(?:[A-Z]\.)+)$")
"""A name as the Library prints it: surname, then initials ("Eynon T.", "Grimadell A.L.")."""


def proper_form(ward: str) -> str:
    """A ward name with its particles in lower case and "&" as "and": "Forest and Measham"."""
    words = ward.replace(" & ", " and ").split(" ")
    return " ".join(w.lower() if i and w.lower() in PARTICLES else w for i, w in enumerate(words))


def ward_name(ward: str, earlier: Iterable[str] = ()) -> str:
    """The ward as an earlier poll spells it, where one is the same name in mixed case; else its proper
    form."""
    for spelling in earlier:
        if spelling != ward and normalise(spelling) == normalise(ward) and spelling != spelling.title():
            return spelling.replace(" & ", " and ")
    return proper_form(ward)


def person(name: str, earlier: Iterable[str] = ()) -> str:
    """A candidate forename first: the full name an earlier poll gives the same surname and initial,
    else the initials before the surname ("T. Eynon"); a name already forename first stays."""
    found = SURNAME_FIRST.match(name.strip())
    if found is None:
        return name
    surname, initials = found["surname"], found["initials"]
    for full in earlier:
        parts = full.split()
        if len(parts) > 1 and parts[-1].casefold() == surname.casefold() and parts[0][0] == initials[0]:
            return full
    return f"{initials} {surname}"


def ballot_name(name: str) -> str:
    """A name with its words in capitals written as a name: "Sandy COOPER" as "Sandy Cooper",
    "O'NEILL" as "O'Neill", "SMITH-JONES" as "Smith-Jones", "MCBAIN" as "McBain"; other words as
    they are."""
    return " ".join(
        MC.sub(lambda m: "Mc" + m[1].upper(), LETTERS.sub(lambda m: m[0].capitalize(), word))
        if word.isupper() and len(word) > 1
        else word
        for word in name.split()
    )
