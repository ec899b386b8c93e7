"""BLT ballot files: every distinct sequence of preferences in an STV ward and how many voters used it.

Line 1 holds the number of candidates and of seats; then one line per distinct paper (its count, the
candidate numbers from 1 in order of preference, 0); a line holding 0; one line per candidate (a name,
the party in doubled quotes, a second quoted string or brackets); the ward's title last. Names whose
UTF-8 was read as Windows-1252 (`JÃ©rÃ©mie`) are repaired, and control characters left by worse
mis-reading removed, and said so.

The council and year come from the file name (`moray_2017_ward6.blt`: Moray, 4 May 2017), unless
`--council` and `--date` say otherwise; the ward is the council's ward the title names (the Scottish ward
register, `data/scottish_wards.csv`). The papers are kept with the result, and the result is their
count by the Scottish rules (§5.2): first preferences as the votes, the winners the count's.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

from tallyroom.delivery import Batch, Preferences, Skip
from tallyroom.errors import InputError
from tallyroom.importers.base import CandidateRow, Context, assemble_polls, checked_text, read_text
from tallyroom.importers.limits import CONTROL, escape_controls
from tallyroom.rules.counting import UnresolvedTie
from tallyroom.rules.model import Candidacy, CouncilRef, PollKind, WardRef
from tallyroom.rules.parties import Party, PartyRegister
from tallyroom.rules.stv import Paper, StvRules, count_stv

FILE_NAME = re.compile(r"(?P<council>[a-z_]+?)_(?P<year>\d{4})_(?P<ward>.+)\.blt")
POLLING_DAYS = {
    2007: date(2007, 5, 3),
    2012: date(2012, 5, 3),
    2017: date(2017, 5, 4),
    2022: date(2022, 5, 5),
}
"""Scotland's ordinary council elections."""
COUNCIL_SLUGS = {
    "argyll_bute": "Argyll and Bute",
    "dumgal": "Dumfries and Galloway",
    "perth_kinross": "Perth and Kinross",
    "sc_borders": "Scottish Borders",
}
"""File-name slugs that are not the council's name with `_` for spaces."""
PAPER = re.compile(r"0*[1-9]\d* +(?:\d+ +)+0")
BRACKETED = re.compile(r"(.*?)\s*\(([^()]+)\)")
MISREAD = re.compile("[ÃÂâ]")
IN_SCOTLAND = {"green": "scottish-green"}
"""A party a Scottish ballot names by a Great Britain label (2017's `Grn`): the Scottish party it is."""


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
    title_row: int
    repaired: tuple[tuple[int, str, str], ...]
    """Names repaired from mis-decoded UTF-8: the line, the name as written, the name repaired."""


def read(path: Path, context: Context) -> Batch:
    blt = parse(path, read_text(path))
    name = FILE_NAME.fullmatch(path.name)
    by_election = bool(name and name.group("ward").startswith("by_election"))
    day = context.election_date or (None if by_election or not name else POLLING_DAYS.get(int(name["year"])))
    if day is None:
        raise InputError(path, "no polling day from the file name (council_YEAR_ward.blt): give --date")
    slug = name["council"] if name else ""
    council_name = context.council or COUNCIL_SLUGS.get(slug, slug.replace("_", " "))
    council = context.reference.councils.find(council_name, day) if council_name else None
    if council is None:
        raise InputError(path, f"no council {council_name!r} in the register: give --council")
    ward = match_ward(blt.title, scottish_wards().get(council.name, []))
    if ward is None:
        raise InputError(path, f"no ward of {council.name} is called {blt.title!r}", blt.title_row)
    names = [c.name for c in blt.candidates]
    try:
        result = count_stv(names, blt.seats, blt.papers, StvRules.of_council(council.code))
    except UnresolvedTie as tie:
        raise InputError(path, f"{tie}: the count needs the returning officer's lot") from None
    parties = context.reference.parties
    rows = [
        CandidateRow(
            row=blt.title_row - len(blt.candidates) + number,
            election_date=day,
            council=CouncilRef(council.code, council.name),
            ward=ward,
            candidacy=Candidacy(
                name=candidate.name,
                party=party_of(parties, candidate.party or ""),
                label=candidate.party or "",
                votes=int(result.first_preferences[candidate.name]),
                elected=candidate.name in result.elected,
            ),
            seats=blt.seats,
            kind=PollKind.BY_ELECTION if by_election else PollKind.ORDINARY,
        )
        for number, candidate in enumerate(blt.candidates)
    ]
    polls = assemble_polls(path, rows, context.reference)
    repaired = [
        Skip(row, f"loaded, repaired from mis-decoded UTF-8: {was} as {now}")
        for row, was, now in blt.repaired
    ]
    return Batch(polls=polls, preferences=[Preferences(polls[0], blt.papers)], skipped=repaired)


def party_of(parties: PartyRegister, label: str) -> Party:
    """The party a ballot's description names: `Scottish Conservative and Unionist (Con)` by the
    abbreviation in brackets when the register does not know the description; a Scottish party for a
    Great Britain one (`IN_SCOTLAND`)."""
    party = parties.resolve(label)
    bracketed = BRACKETED.fullmatch(label)
    if not parties.known(party.id) and bracketed and parties.known(parties.resolve(bracketed[2]).id):
        party = parties.resolve(bracketed[2])
    return parties.get(IN_SCOTLAND[party.id]) if party.id in IN_SCOTLAND else party


@cache
def scottish_wards() -> dict[str, list[WardRef]]:
    """The wards of each Scottish council, by the register's name of the council."""
    text = resources.files("tallyroom.data").joinpath("scottish_wards.csv").read_text(encoding="utf-8")
    wards: dict[str, list[WardRef]] = {}
    for row in csv.DictReader(io.StringIO(text, newline="")):
        wards.setdefault(row["council"], []).append(WardRef(row["name"], row["code"]))
    return wards


def parse(path: Path | str, text: str) -> BltFile:
    """The ballots, candidates and title of a BLT text; an InputError names the line that is wrong."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise InputError(path, "the file is empty", 1)
    n_candidates, seats = _integers(path, *lines[0], count=2)
    papers, rest = [], iter(lines[1:])
    standing = set(range(n_candidates))
    for number, line in rest:
        if line == "0":
            break
        if not PAPER.fullmatch(line):
            raise InputError(path, f"a paper is a count, preferences and 0: {line!r}", number)
        count, *preferences, _end = line.split()
        ranking = tuple(int(p) - 1 for p in preferences)
        named = set(ranking)
        if len(named) != len(ranking) or not named <= standing:
            raise InputError(path, f"preferences must name distinct candidates 1-{n_candidates}", number)
        papers.append(Paper(int(count), ranking))
    else:
        raise InputError(path, "no line holding 0 after the papers (is the file cut short?)")
    tail = list(rest)
    if len(tail) != n_candidates + 1:
        raise InputError(
            path, f"expected {n_candidates} candidate lines and a title, found {len(tail)} lines"
        )
    candidates, repaired = [], []
    for number, line in tail[:-1]:
        candidate = _candidate(line)
        fixed = BltCandidate(_repair(candidate.name), candidate.party and _repair(candidate.party))
        if fixed != candidate:
            now = f"{fixed.name} ({fixed.party})" if fixed.party else fixed.name
            repaired.append((number, escape_controls(line), now))
        candidates.append(BltCandidate(checked_text(path, number, "candidate", fixed.name), fixed.party))
    title = _repair(tail[-1][1].replace('"', "").strip())
    if seats < 1 or n_candidates < 1:
        raise InputError(path, "a ward needs at least one candidate and one seat", lines[0][0])
    return BltFile(seats, tuple(candidates), tuple(papers), title, tail[-1][0], tuple(repaired))


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
    """UTF-8 read as Windows-1252, read again as UTF-8 (text that is not mis-read stays as it is), and
    without the control characters that mis-reading beyond repair leaves (`limits.CONTROL`)."""
    if MISREAD.search(text):
        with contextlib.suppress(UnicodeError):
            text = text.encode("cp1252").decode("utf-8")
    return CONTROL.sub("", text)


WARD_NUMBER = re.compile(r"^ward\d+")


def folded(text: str) -> str:
    """Lower case, without accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ward_key(name: str) -> str:
    """A ward's name as files and registers write it alike: `&` as `and`, only letters and digits, lower
    case and without accents, and no `Ward 6 -` before it or `Ward` after it (`Wa rd 1 - B an ff a nd
    District` is Banff and District)."""
    name = re.sub(r"\s+ward$", "", folded(name).replace('"', "").strip()).replace("&", " and ")
    return WARD_NUMBER.sub("", re.sub(r"[^0-9a-z]+", "", name))


def match_ward(title: str, wards: Sequence[WardRef]) -> WardRef | None:
    """The ward a file's title names: the same name (`ward_key`), else the one name a letter or two
    away (`Newton Means` for `Newton Mearns`); None when no ward or more than one is that close."""
    keys = {ward_key(w.name): w for w in wards}
    key = ward_key(title)
    if key in keys:
        return keys[key]
    close = difflib.get_close_matches(key, keys, n=2, cutoff=0.9)
    return keys[close[0]] if len(close) == 1 else None
