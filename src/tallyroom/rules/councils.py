"""The council register: names, kinds, regions, and the size and cycle of each council over time (§1).

Sizes and cycles change (new boundaries, reorganisation, a move to all-out elections), so both are
looked up by date, never assumed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tallyroom.rules.parties import normalise


class Cycle(StrEnum):
    """The kind of election a council held in a year (§1.3); NONE when it held none."""

    ALL_OUT = "all-out"
    THIRDS = "thirds"
    HALVES = "halves"
    PARTIAL = "partial"
    NONE = ""


@dataclass(frozen=True, slots=True)
class Council:
    code: str
    name: str
    type: str
    region: str
    nation: str


@dataclass(frozen=True, slots=True)
class CouncilSize:
    """The council's size in a year, the kind of election it held, and the seats up at that election
    (§1.4: scheduled seats plus casual vacancies combined into them; None when the register does not
    know, or there was no ordinary election)."""

    code: str
    year: int
    total_seats: int
    cycle: Cycle
    seats_up: int | None = None


class CouncilRegister:
    def __init__(
        self, councils: Iterable[Council], aliases: Iterable[tuple[str, str]], sizes: Iterable[CouncilSize]
    ):
        self._by_code = {c.code: c for c in councils}
        self.regions = sorted({c.region for c in self._by_code.values() if c.region})
        """Every region and nation the register's councils are in, by name."""
        self._by_name: dict[str, list[str]] = {}
        for council in self._by_code.values():
            self._by_name.setdefault(name_key(council.name), []).append(council.code)
        for alias, code in aliases:
            codes = self._by_name.setdefault(name_key(alias), [])
            if code not in codes:
                codes.append(code)
        self._sizes: dict[str, dict[int, CouncilSize]] = {}
        for size in sizes:
            self._sizes.setdefault(size.code, {})[size.year] = size
        self._first_year = min((y for years in self._sizes.values() for y in years), default=0)

    def get(self, code: str) -> Council | None:
        return self._by_code.get(code)

    def region(self, name: str) -> str | None:
        """A region as the register names it, whatever the case it is asked for in; None for none."""
        return next((r for r in self.regions if r.casefold() == name.casefold()), None)

    def region_of(self, code: str) -> str:
        """A council's region or nation; "" for a council the register lacks."""
        council = self._by_code.get(code)
        return council.region if council else ""

    def find(self, name_or_code: str, on: date | None = None) -> Council | None:
        """A council by GSS code or by any of its names. Where a name has had more than one code (a
        council recoded, a county replaced by a unitary), the code in use on `on` wins, else the newest."""
        council = self._by_code.get(name_or_code.strip().upper())
        if council is not None:
            return council
        codes = self._by_name.get(name_key(name_or_code), [])
        if len(codes) > 1:
            codes = sorted(codes, key=lambda code: self._in_use(code, on), reverse=True)
        return self._by_code[codes[0]] if codes else None

    def _in_use(self, code: str, on: date | None) -> tuple[bool, int]:
        years = self._sizes.get(code, {})
        return (on is not None and on.year in years, max(years, default=0))

    def holds_ordinary_election(self, code: str, on: date) -> bool | None:
        """Whether the council has a scheduled election in the year of `on`; None when the register
        has no record of it that year. Polls on a day without one are by-elections (§2.5)."""
        size = self._sizes.get(code, {}).get(on.year)
        return None if size is None else size.cycle is not Cycle.NONE

    def cycle(self, code: str, on: date) -> Cycle:
        """The kind of election the council holds in the year of `on` (NONE when the register has
        none that year, or knows nothing of that year)."""
        size = self._sizes.get(code, {}).get(on.year)
        return Cycle.NONE if size is None else size.cycle

    def election_years(self, code: str) -> list[int]:
        """The years the register knows the council held an ordinary election."""
        return sorted(y for y, size in self._sizes.get(code, {}).items() if size.cycle is not Cycle.NONE)

    def is_new(self, code: str, on: date) -> bool:
        """A council first elected in the year of `on`, on a register that knows earlier years of other
        councils: a new council, with no control before (§1.5, §6.4)."""
        years = self._sizes.get(code)
        return years is not None and min(years) == on.year and on.year > self._first_year

    def size(self, code: str, on: date) -> CouncilSize | None:
        """The council's size and cycle in the year of `on`, else the nearest earlier year known."""
        by_year = self._sizes.get(code, {})
        years = [y for y in by_year if y <= on.year]
        return by_year[max(years)] if years else None

    def total_seats(self, code: str, on: date) -> int | None:
        size = self.size(code, on)
        return size.total_seats if size else None

    def seats_up(self, code: str, on: date) -> int | None:
        """The seats up at the council's ordinary election in the year of `on` (§1.4), known before its
        first result; None when the register has no figure for that very year (no nearby year is
        used: seats up change every year) or the council has no ordinary election that year."""
        size = self._sizes.get(code, {}).get(on.year)
        return None if size is None or size.cycle is Cycle.NONE else size.seats_up

    def __iter__(self) -> Iterator[Council]:
        return iter(self._by_code.values())


def name_key(name: str) -> str:
    """A council name with the words sources add or leave off removed: "Bristol, City Of" is "bristol"."""
    key = " " + normalise(name) + " "
    for word in ("city of", "borough of", "county of", "royal borough of", "london borough of"):
        key = key.replace(f" {word} ", " ")
    for word in (
        "metropolitan borough council",
        "city council",
        "borough council",
        "district council",
        "county council",
        "council",
        "city of",
    ):
        key = key.replace(f" {word} ", " ")
    return " ".join(key.split())
