"""BLT ballot files: every distinct sequence of preferences in an STV ward and how many voters used it.

Line 1 holds the number of candidates and of seats; then one line per distinct paper (its count, the
candidate numbers from 1 in order of preference, 0); a line holding 0; one line per candidate (a name,
the party in doubled quotes, a second quoted string or brackets); the ward's title last. Names whose
UTF-8 was read as Windows-1252 (`JÃ©rÃ©mie`) are repaired, and said so.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tallyroom.errors import InputError
from tallyroom.rules.model import WardRef
from tallyroom.rules.stv import Paper

BRACKETED = re.compile(r"(.*?)\s*\(([^()]+)\)")
MISREAD = re.compile("[ÃÂ]")


@dataclass(frozen=True, slots=True)
class BltCandidate:
    name: str
    party: str | None


@dataclass(frozen=True, slots=True)
class BltFile:
    seats: int
    candidates: tuple[BltCandidate, ...]
    papers: tuple[Paper, ...]
    title: str
    repaired: tuple[str, ...]
    """Names repaired from mis-decoded UTF-8, as they were written."""


def parse(path: Path | str, text: str) -> BltFile:
    """The ballots, candidates and title of a BLT text; an InputError names the line that is wrong."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise InputError(path, "the file is empty", 1)
    n_candidates, seats = _integers(path, *lines[0], count=2)
    papers, rest = [], iter(lines[1:])
    for number, line in rest:
        values = _integers(path, number, line)
        if values == [0]:
            break
        if len(values) < 3 or values[-1] != 0 or values[0] < 1:
            raise InputError(path, f"a paper is a count, preferences and 0: {line!r}", number)
        ranking = tuple(v - 1 for v in values[1:-1])
        if min(ranking) < 0 or max(ranking) >= n_candidates or len(set(ranking)) != len(ranking):
            raise InputError(path, f"preferences must name distinct candidates 1-{n_candidates}", number)
        papers.append(Paper(values[0], ranking))
    else:
        raise InputError(path, "no line holding 0 after the papers (is the file cut short?)")
    tail = list(rest)
    if len(tail) != n_candidates + 1:
        raise InputError(
            path, f"expected {n_candidates} candidate lines and a title, found {len(tail)} lines"
        )
    candidates, repaired = [], []
    for _number, line in tail[:-1]:
        candidate = _candidate(line)
        fixed = BltCandidate(_repair(candidate.name), candidate.party and _repair(candidate.party))
        if fixed != candidate:
            repaired.append(candidate.name)
        candidates.append(fixed)
    title = _repair(tail[-1][1].replace('"', "").strip())
    if seats < 1 or n_candidates < 1:
        raise InputError(path, "a ward needs at least one candidate and one seat", lines[0][0])
    return BltFile(seats, tuple(candidates), tuple(papers), title, tuple(repaired))


def _integers(path: Path | str, number: int, line: str, count: int | None = None) -> list[int]:
    try:
        values = [int(v) for v in line.split()]
    except ValueError:
        raise InputError(path, f"expected whole numbers: {line!r}", number) from None
    if count is not None and len(values) != count:
        raise InputError(path, f"expected {count} numbers: {line!r}", number)
    return values


def _candidate(line: str) -> BltCandidate:
    """A name and party quoted together (the party's quotes doubled), two quoted strings, a quoted name
    alone or `Name (Party)`."""
    if '"' in line:
        parts = [p.strip() for p in line.replace('""', '"').split('"') if p.strip()]
        if len(parts) > 1:
            return BltCandidate(parts[0], parts[1])
        line = parts[0] if parts else ""
    bracketed = BRACKETED.fullmatch(line)
    if bracketed:
        return BltCandidate(bracketed.group(1), bracketed.group(2))
    return BltCandidate(line, None)


def _repair(text: str) -> str:
    """UTF-8 read as Windows-1252, read again as UTF-8; text that is not mis-read stays as it is."""
    if not MISREAD.search(text):
        return text
    try:
        return text.encode("cp1252").decode("utf-8")
    except UnicodeError:
        return text


WARD_NUMBER = re.compile(r"^ward\s*\d+\s*[-‐–—:]?\s*")


def folded(text: str) -> str:
    """Lower case, without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ward_key(name: str) -> str:
    """A ward's name as files and registers write it alike: no `Ward 6 -` before it or `Ward` after it,
    `&` as `and`, only letters and digits, lower case and without accents."""
    name = WARD_NUMBER.sub("", folded(name).replace('"', "").strip())
    name = re.sub(r"\s+ward$", "", name).replace("&", " and ")
    return re.sub(r"[^0-9a-z]+", "", name)


def match_ward(title: str, wards: Sequence[WardRef]) -> WardRef | None:
    """The ward a file's title names: the same name (`ward_key`), else the one name a letter or two
    away (`Newton Means` for `Newton Mearns`); None when no ward or more than one is that close."""
    keys = {ward_key(w.name): w for w in wards}
    key = ward_key(title)
    if key in keys:
        return keys[key]
    close = difflib.get_close_matches(key, keys, n=2, cutoff=0.9)
    return keys[close[0]] if len(close) == 1 else None
