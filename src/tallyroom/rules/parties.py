"""The party register: one identity for every way a source names a party (domain §9).

`C`, `CON`, `Conservative and Unionist Party` and `PP52` are one party. Labour and Co-operative counts as
Labour. A label the register does not know is a party of its own under the name printed, which is how
registered local parties (Ashfield Independents, residents' associations) enter. Every independent
candidate is on their own for control (see `rules.control.group_of`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

NOC = "NOC"
INDEPENDENT = "independent"


@dataclass(frozen=True, slots=True)
class Party:
    """A party as copy and pages name it.

    `plural` is the subject of a headline ("Conservatives gain", "Labour hold", "Greens gain").
    """

    id: str
    name: str
    short: str
    plural: str
    independent: bool = False
    ec_id: str = ""
    """The party's Electoral Commission id (the first the register lists), "" where it has none."""


def normalise(label: str) -> str:
    """The key a label is matched on: accents, case, punctuation and `&`/`and` do not matter."""
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def slug(label: str) -> str:
    return normalise(label).replace(" ", "-") or "unnamed"


class PartyRegister:
    """Resolves source labels to parties. Built from data; holds no I/O."""

    def __init__(self, parties: Iterable[Party], aliases: Iterable[tuple[str, str]]) -> None:
        self._by_id: dict[str, Party] = {p.id: p for p in parties}
        self._resolved: dict[str, Party] = {}
        self._by_key: dict[str, str] = {}
        for party in self._by_id.values():
            self._by_key[normalise(party.id)] = party.id
            self._by_key[normalise(party.name)] = party.id
        for alias, party_id in aliases:
            if party_id not in self._by_id:
                raise ValueError(f"alias {alias!r} names unknown party {party_id!r}")
            self._by_key[normalise(alias)] = party_id
        if INDEPENDENT not in self._by_id:
            raise ValueError("the register needs an independent entry")

    @property
    def independent(self) -> Party:
        return self._by_id[INDEPENDENT]

    def known(self, label: str) -> bool:
        return normalise(label) in self._by_key

    def resolve(self, label: str) -> Party:
        """The party a printed label stands for; a blank label is an independent (§9.2)."""
        found = self._resolved.get(label)
        if found is None:
            found = self._resolved[label] = self._resolve(label)
        return found

    def _resolve(self, label: str) -> Party:
        key = normalise(label)
        if not key:
            return self.independent
        party_id = self._by_key.get(key)
        if party_id is not None:
            return self._by_id[party_id]
        return self.local_party(label.strip())

    def resolve_first(self, ids: Iterable[str], name: str) -> Party:
        """The party by the first id the register knows (`PP90`, Democracy Club's `party:90`), else by the
        name printed."""
        for party_id in ids:
            if party_id and self.known(party_id):
                return self.resolve(party_id)
        return self.resolve(name)

    def get(self, party_id: str, name: str | None = None) -> Party:
        """The party with this id; an id the register does not hold is a local party named `name`."""
        party = self._by_id.get(party_id)
        if party is not None:
            return party
        return self.local_party(name or party_id.removeprefix("local:"))

    @staticmethod
    def local_party(name: str) -> Party:
        return Party(id=f"local:{slug(name)}", name=name, short=name, plural=name)

    def __iter__(self) -> Iterator[Party]:
        return iter(self._by_id.values())
