"""House of Commons Library local elections handbook workbooks (`leh`, contract §3): one row per candidate.

The four known editions (2021, 2022, 2024, 2025) name their sheets differently, put title rows above the
header and order and name their columns differently, so the sheets are found by their headers and the
columns mapped by name (`CANDIDATE_COLUMNS`, `WARD_COLUMNS`):

- the candidates sheet gives the candidate as printed ("Martin A.", "Loader, J.", "Lesley Clarke"), the
  party as the Library's abbreviation (2021-2024) or the full name (2025), the votes and the elected
  flag, and the seats (`Vacancies`, `Seats contested`) except in 2021;
- the ward sheet, joined by ward code, gives the electorate, the published turnout (stored as a
  percentage; 2024 and 2025 print a fraction), ballots and invalid papers (2025 only) and, for 2021, the
  seats. Its other totals are sums of votes, not ballot papers, and are not read. "NA" is a blank;
- the party key sheet gives the full name of each abbreviation; it is used for abbreviations the party
  register does not know ("HANTS IND" is "Hampshire Independents").

A county division's council is the county: in 2021 the `County code` column (the row is filed under the
district it lies in); in 2025 the `Upper tier authority`, looked up by name, as 2025 gives names only.
The polling day is the workbook's year (its `Year` column, else the year in the title above the header)
looked up in `POLLING_DAYS`, unless the context gives a date.

Per ward, after reading:

- an uncontested ward prints 0 votes for everyone, all elected and no more candidates than seats: its
  candidates get no votes;
- a winner tied on votes with the best loser won by lot (`tie_break_winner`);
- where the elected flags contradict the votes or the seats (LEH 2025, 17 wards, 15 of them
  Worcestershire divisions: a 91-vote loser flagged beside the winner of a single seat) the ward's flags
  are dropped and the count decides;
- two different people printed with the same name in one ward ("Patel J." twice, 2022) each get their
  Library candidate number: "Patel J. (candidate 3)". Rows alike in name, party and votes are left as
  they are, for `assemble_polls` to reject as a candidate standing twice;
- where the sheet gives two wards the same code (LEH 2022: Richmond, Tower Hamlets, Powys), the code is
  kept only by the ward the ward sheet gives it to alone, so the wards are not merged into one poll.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zipfile import BadZipFile, ZipFile

from python_calamine import CalamineError, CalamineWorkbook

from tallyroom.delivery import Batch, Skip
from tallyroom.errors import InputError
from tallyroom.importers.base import CandidateRow, Context, Fields, assemble_polls, parse_flag, parse_int
from tallyroom.importers.limits import GSS, first_text_fault
from tallyroom.rules.councils import CouncilRegister, name_key
from tallyroom.rules.model import BallotFigures, Candidacy, CouncilRef, WardRef
from tallyroom.rules.parties import Party, PartyRegister, normalise

POLLING_DAYS = {
    2021: date(2021, 5, 6),
    2022: date(2022, 5, 5),
    2023: date(2023, 5, 4),
    2024: date(2024, 5, 2),
    2025: date(2025, 5, 1),
}

WARD_CODE = ("ONS ward code", "Ward/ED code", "Ward code")
WARD_NAME = ("Ward/ County Electoral District name", "Ward/ED name", "Ward name")

# Field -> the headers that hold it, best first. Headers match ignoring case and spacing.
CANDIDATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "ward_code": WARD_CODE,
    "ward": WARD_NAME,
    "candidate": ("Candidate name", "Name"),
    "votes": ("Votes", "Votes cast"),
    "elected": ("Elected",),
    "party": ("Party name",),
    "seats": ("Vacancies", "Seats contested"),
    # 2024 also has a "Local authority code" holding the Elections Centre's number: the ONS one wins.
    "council_code": ("ONS local authority code", "Local authority code"),
    "council": ("Local authority name", "Lower tier authority"),
    "county_code": ("County code",),
    "county": ("County name", "Upper tier authority"),
    "type": ("Local authority type", "Type"),
    "year": ("Year",),
    "number": ("Candidate number",),
    "incumbent": ("Incumbent", "Inumbent"),  # sic: the 2021 workbook's spelling
}
CANDIDATE_REQUIRED = ("ward_code", "ward", "candidate", "votes", "elected", "party", "council")

WARD_COLUMNS: dict[str, tuple[str, ...]] = {
    "ward_code": WARD_CODE,
    "ward": WARD_NAME,
    "seats": ("Vacancies", "Seats"),
    "type": ("Type", "Local authority type"),
    "electorate": ("Electorate",),
    "ballots": ("Ballots",),
    "rejected": ("Invalid votes",),
    "turnout": ("Turnout (EC method)", "Turnout (%)"),
}
WARD_REQUIRED = ("ward_code", "electorate")

KEY_COLUMNS: dict[str, tuple[str, ...]] = {"abbreviation": ("Party abbreviation",), "name": ("Party name",)}

# The cells that place a candidate row in a ward: rows alike in these are in the same ward.
PLACE_FIELDS = ("year", "type", "council_code", "council", "county_code", "county", "ward_code", "ward")

HEADER_SEARCH_ROWS = 15
COUNTY_TYPES = {"SC", "CC"}
# The GSS code prefix of each kind of authority the type columns name.
KIND_PREFIX = {
    "CC": "E10",
    "SC": "E10",
    "UC": "E06",
    "UA": "E06",
    "UAA": "E06",
    "UAT": "E06",
    "MB": "E08",
    "SD": "E07",
    "SDA": "E07",
    "SDT": "E07",
    "LB": "E09",
}
YEAR = re.compile(r"\b(?:19|20)\d\d\b")

MAX_CELLS = 5_000_000
"""The most cells a worksheet may span, from A1 to its last row and column (the Library's biggest
sheet spans about 350,000). The reader holds a sheet's whole span in memory, so a file of a few
kilobytes naming one far cell (XFD1048576) would otherwise ask for hundreds of gigabytes and abort."""

_ROW = re.compile(rb' r="[A-Z]*([0-9]+)"')
_COLUMN = re.compile(rb' r="([A-Z]+)')
"""The row and the column a row (`<row r="7">`) or a cell (`<c r="B7">`) of a worksheet gives itself,
in text whose white space is all spaces (`_SPACES`): a pattern led by a fixed string is found several
times faster than one led by any white space."""
_SPACES = bytes.maketrans(b"\t\n\r\f\v", b"     ")


def read(path: Path, context: Context) -> Batch:
    return _read_workbook(path, _worksheets(path), context)


@dataclass(frozen=True)
class _Worksheet:
    """A worksheet's cells as stored (a formula's cached value; an empty or error cell is ""), row by
    row from the first, so that row k of the spreadsheet is `rows[k - 1]`."""

    title: str
    rows: Sequence[Sequence[object]]


def _worksheets(path: Path) -> list[_Worksheet]:
    """Every worksheet of the workbook at `path`, read whole by calamine (in Rust, several times faster
    than openpyxl), once each is known to span no more than `MAX_CELLS`."""
    try:
        for part, (rows, columns) in _spans(path).items():
            if rows * columns > MAX_CELLS:
                raise InputError(
                    path,
                    f"{part} spans {rows:,} rows by {columns:,} columns: at most {MAX_CELLS:,} cells",
                )
        with CalamineWorkbook.from_path(path) as workbook:
            return [
                _Worksheet(name, workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
                for name in workbook.sheet_names
            ]
    except (CalamineError, OSError, ValueError, BadZipFile, zlib.error, EOFError) as error:
        raise InputError(path, f"not a readable Excel workbook (.xlsx): {error}") from None


def _spans(path: Path) -> dict[str, tuple[int, int]]:
    """The last row and column each worksheet's XML names, read as it is unzipped, a megabyte at a
    time (a row or cell tag is never longer than the overlap kept between pieces)."""
    spans = {}
    with ZipFile(path) as archive:
        for part in archive.namelist():
            if not re.fullmatch(r"xl/worksheets/[^/]+\.xml", part):
                continue
            rows: set[bytes] = set()
            columns: set[bytes] = set()
            with archive.open(part) as xml:
                tail = b""
                while piece := xml.read(1 << 20).translate(_SPACES):
                    text = tail + piece
                    rows.update(_ROW.findall(text))
                    columns.update(_COLUMN.findall(text))
                    tail = piece[-32:]
            spans[part] = (max(map(int, rows), default=0), max(map(_column, columns), default=1))
    return spans


def _column(letters: bytes) -> int:
    """A column's number from its letters: A is 1, Z 26, AA 27."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


# --- finding the sheets ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Cells:
    """A row of a sheet: its cells as stored, and each field's cell as text."""

    values: Sequence[object]
    texts: dict[str, str]

    def text(self, name: str) -> str:
        """The field's cell as text; blank for a field the sheet lacks."""
        return self.texts.get(name, "")


@dataclass(frozen=True)
class _Sheet:
    """A table in a worksheet: where its header is and which column holds each field."""

    worksheet: _Worksheet
    title: str
    header_row: int
    columns: dict[str, int]
    labels: dict[str, str]
    caption: str

    def rows(self, path: Path) -> Iterator[tuple[int, _Cells]]:
        """The rows under the header, numbered as the spreadsheet numbers them; empty rows left out.
        Each field's cell is made text once, and held to the limits on text."""
        first = self.header_row + 1
        names = list(self.columns)
        for number, values in enumerate(self.worksheet.rows[first - 1 :], first):
            if any(v is not None and v != "" for v in values):
                width = len(values)
                texts = {name: _text(values[i]) if i < width else "" for name, i in self.columns.items()}
                fault = first_text_fault(list(texts.values()))
                if fault is not None:
                    raise InputError(path, fault[1], number, self.labels[names[fault[0]]])
                yield number, _Cells(values, texts)

    def fields(self) -> Fields:
        """What this sheet calls each field, for errors."""
        label = self.labels.get
        return Fields(
            council=label("council", "council"),
            council_code=label("council_code", "council_code"),
            ward=label("ward", "ward"),
            ward_code=label("ward_code", "ward_code"),
            votes=label("votes", "votes"),
            elected=label("elected", "elected"),
            tie_break=label("elected", "elected"),
            lot="1",
        )


def _heading(value: object) -> str:
    return " ".join(str(value).split()).casefold() if value is not None else ""


def _map(
    header: Sequence[object], wanted: dict[str, tuple[str, ...]]
) -> tuple[dict[str, int], dict[str, str]]:
    """The column index and printed header of each wanted field found in `header`."""
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        positions.setdefault(_heading(value), index)
    columns, labels = {}, {}
    for name, choices in wanted.items():
        for choice in choices:
            found = positions.get(_heading(choice))
            if found is not None:
                columns[name], labels[name] = found, str(header[found]).strip()
                break
    return columns, labels


@dataclass
class _Sheets:
    candidates: _Sheet | None = None
    wards: _Sheet | None = None
    key: _Sheet | None = None


def _find_sheets(path: Path, worksheets: list[_Worksheet]) -> _Sheets:
    """Each table by its header within the first rows of each sheet, whatever the sheet is called."""
    found = _Sheets()
    for worksheet in worksheets:
        top = worksheet.rows[:HEADER_SEARCH_ROWS]
        for index, header in enumerate(top):
            caption = " ".join(_text(v) for row in top[:index] for v in row if _text(v))
            kind, wanted = _kind(header)
            if kind is None:
                continue
            columns, labels = _map(header, wanted)
            sheet = _Sheet(worksheet, worksheet.title, index + 1, columns, labels, caption)
            if getattr(found, kind) is not None:
                raise InputError(
                    path, f"two {kind} sheets: {getattr(found, kind).title!r} and {sheet.title!r}"
                )
            setattr(found, kind, sheet)
            break
    return found


def _kind(header: Sequence[object]) -> tuple[str | None, dict[str, tuple[str, ...]]]:
    """Which table a header row starts: candidates, wards or the party key (or none)."""
    candidate_columns, _ = _map(header, CANDIDATE_COLUMNS)
    if all(name in candidate_columns for name in CANDIDATE_REQUIRED):
        return "candidates", CANDIDATE_COLUMNS
    ward_columns, _ = _map(header, WARD_COLUMNS)
    if all(name in ward_columns for name in WARD_REQUIRED) and "candidate" not in candidate_columns:
        return "wards", WARD_COLUMNS
    key_columns, _ = _map(header, KEY_COLUMNS)
    if len(key_columns) == len(KEY_COLUMNS):
        return "key", KEY_COLUMNS
    return None, {}


# --- cells --------------------------------------------------------------------------------------------


def _text(value: object) -> str:
    """A cell as text: whole floats without ".0", booleans as 1/0, and the Library's "NA" as blank."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return "" if text.upper() in {"NA", "N/A"} else text


def _number(path: Path, row: int, name: str, value: str) -> float | None:
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InputError(path, f"not a number: {value!r}", row, name) from None
    if not 0 <= number <= 100:
        raise InputError(path, f"not a turnout: {value!r}", row, name)
    return number


class _InSheet:
    """Adds the sheet's name to an InputError raised while reading it."""

    def __init__(self, sheet: _Sheet) -> None:
        self.title = sheet.title

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, traceback: object) -> None:
        if isinstance(error, InputError):
            raise InputError(
                error.path, f"{error.message} (sheet {self.title!r})", error.row, error.field
            ) from None


# --- the ward sheet -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WardLine:
    row: int
    code: str
    name: str
    seats: int | None
    type: str
    electorate: int | None
    ballots: int | None
    rejected: int | None
    turnout: float | None


class _WardIndex:
    """The ward sheet, by ward code, and by code and name where the sheet gives one code to two wards."""

    def __init__(self, lines: list[_WardLine]) -> None:
        # Turnout is printed as a percentage (2021, 2022) or as a fraction (2024, 2025).
        fraction = bool(lines) and all(line.turnout is None or line.turnout <= 1 for line in lines)
        self.scale = 100.0 if fraction else 1.0
        self.by_code: dict[str, list[_WardLine]] = {}
        self.by_name: dict[tuple[str, str], _WardLine] = {}
        for line in lines:
            self.by_code.setdefault(line.code, []).append(line)
            self.by_name[(line.code, normalise(line.name))] = line

    def find(self, code: str, name: str, exact: bool = False) -> _WardLine | None:
        """The ward's line by code and name, else (unless `exact`) the one line with that code."""
        line = self.by_name.get((code, normalise(name)))
        if line is None and not exact and len(self.by_code.get(code, ())) == 1:
            line = self.by_code[code][0]
        return line

    def holds_alone(self, code: str, name: str) -> bool:
        """Whether the ward sheet gives `code` to this ward and to no other."""
        lines = self.by_code.get(code, [])
        return len(lines) == 1 and normalise(lines[0].name) == normalise(name)

    def figures(self, line: _WardLine | None) -> BallotFigures:
        if line is None:
            return BallotFigures()
        turnout = None if line.turnout is None else line.turnout * self.scale
        return BallotFigures(line.electorate, line.ballots, line.rejected, turnout)


def _read_wards(path: Path, sheet: _Sheet | None, skipped: list[Skip]) -> _WardIndex:
    lines: list[_WardLine] = []
    if sheet is None:
        return _WardIndex(lines)
    with _InSheet(sheet):
        for number, cells in sheet.rows(path):
            code = cells.text("ward_code")
            if not code:
                skipped.append(
                    Skip(number, f"sheet {sheet.title!r}: no ward code, not a ward: {_gist(cells)}")
                )
                continue
            lines.append(_ward_line(path, sheet, number, cells, code))
    return _WardIndex(lines)


def _ward_line(path: Path, sheet: _Sheet, number: int, cells: _Cells, code: str) -> _WardLine:
    def integer(name: str) -> int | None:
        return parse_int(path, number, sheet.labels.get(name, name), cells.text(name))

    return _WardLine(
        row=number,
        code=code,
        name=cells.text("ward"),
        seats=integer("seats"),
        type=cells.text("type").upper(),
        electorate=integer("electorate"),
        ballots=integer("ballots"),
        rejected=integer("rejected"),
        turnout=_number(path, number, sheet.labels.get("turnout", ""), cells.text("turnout")),
    )


def _gist(cells: _Cells) -> str:
    return repr(" | ".join(_text(v) for v in cells.values if _text(v))[:80])


# --- parties and councils -------------------------------------------------------------------------


class _Parties:
    """Party labels resolved once each; an abbreviation the register lacks goes through the party key."""

    def __init__(self, register: PartyRegister, key: dict[str, str]) -> None:
        self.register, self.key = register, key
        self.cache: dict[str, Party] = {}

    def resolve(self, label: str) -> Party:
        party = self.cache.get(label)
        if party is None:
            full = self.key.get(normalise(label))
            if full and not self.register.known(label):
                party = self.register.resolve(full)
            else:
                party = self.register.resolve(label)
            self.cache[label] = party
        return party


def _read_key(path: Path, sheet: _Sheet | None) -> dict[str, str]:
    """Abbreviation -> full party name; an abbreviation the key gives two names is left out."""
    names: dict[str, set[str]] = {}
    if sheet is not None:
        for _, cells in sheet.rows(path):
            abbreviation, name = cells.text("abbreviation"), cells.text("name")
            if abbreviation and name:
                names.setdefault(normalise(abbreviation), set()).add(name)
    return {abbreviation: full.pop() for abbreviation, full in names.items() if len(full) == 1}


class _Councils:
    """Councils by GSS code or by name, looked up once each."""

    def __init__(self, path: Path, register: CouncilRegister) -> None:
        self.path, self.register = path, register
        self.cache: dict[tuple[str, str], CouncilRef] = {}

    def by_code(self, row: int, label: str, code: str, printed: str) -> CouncilRef:
        """The register's everyday name for a code it knows, else the name printed."""
        ref = self.cache.get(("code", code))
        if ref is None:
            if not GSS.fullmatch(code):
                raise InputError(self.path, f"not a GSS council code: {code!r}", row, label)
            council = self.register.get(code)
            ref = CouncilRef(code, council.name if council else printed or code)
            self.cache[("code", code)] = ref
        return ref

    def by_name(self, row: int, label: str, name: str, prefix: str) -> CouncilRef:
        """The council of that name, of the kind the GSS `prefix` says where a name fits two kinds."""
        ref = self.cache.get((prefix, name))
        if ref is None:
            council = self.register.find(name)
            if council is None or not council.code.startswith(prefix):
                key = name_key(name)
                fits = [c for c in self.register if c.code.startswith(prefix) and name_key(c.name) == key]
                council = fits[0] if len(fits) == 1 else None
            if council is None:
                raise InputError(self.path, f"no council called {name!r} in the register", row, label)
            ref = self.cache[(prefix, name)] = CouncilRef(council.code, council.name)
        return ref


# --- the candidates sheet -------------------------------------------------------------------------


@dataclass
class _Entry:
    """One candidate row as read, before the ward it belongs to is complete."""

    row: int
    name: str
    label: str
    party: Party
    votes: int | None
    elected: bool
    seats: int | None
    number: int | None
    incumbent: bool | None = None


@dataclass
class _Ward:
    election_date: date
    council: CouncilRef
    name: str
    code: str
    entries: list[_Entry] = field(default_factory=list)


class _Reader:
    """Reads the candidates sheet in one pass, grouping rows by ward."""

    def __init__(self, path: Path, context: Context, sheet: _Sheet, wards: _WardIndex, parties: _Parties):
        self.path, self.context, self.sheet, self.wards, self.parties = path, context, sheet, wards, parties
        self.councils = _Councils(path, context.reference.councils)
        self.title_year = _year_in(sheet.caption)
        self.days: dict[int | None, date] = {}
        self.grouped: dict[tuple[object, ...], _Ward] = {}
        self.places: dict[tuple[object, ...], _Ward] = {}

    def label(self, name: str) -> str:
        return self.sheet.labels.get(name, name)

    def read(self, skipped: list[Skip]) -> list[_Ward]:
        with _InSheet(self.sheet):
            for number, cells in self.sheet.rows(self.path):
                if not cells.text("ward_code") and not cells.text("candidate"):
                    skipped.append(
                        Skip(number, f"sheet {self.sheet.title!r}: not a candidate row: {_gist(cells)}")
                    )
                    continue
                self.add(number, cells)
        return list(self.grouped.values())

    def add(self, number: int, cells: _Cells) -> None:
        place = tuple(cells.text(name) for name in PLACE_FIELDS)
        ward = self.places.get(place)
        if ward is None:
            ward = self.places[place] = self.ward(number, cells)
        ward.entries.append(self.entry(number, cells))

    def ward(self, number: int, cells: _Cells) -> _Ward:
        """The ward a row is in; checked once for each way a row places it, however many candidates."""
        code = self.required(number, cells, "ward_code")
        if not GSS.fullmatch(code):
            raise InputError(self.path, f"not a GSS ward code: {code!r}", number, self.label("ward_code"))
        name = self.required(number, cells, "ward")
        line = self.wards.find(code, name)
        polling_day = self.polling_day(number, cells)
        council = self.council(number, cells, code, line)
        key = (polling_day, council.code, code, normalise(name))
        ward = self.grouped.get(key)
        if ward is None:
            ward = self.grouped[key] = _Ward(polling_day, council, name, code)
        return ward

    def entry(self, number: int, cells: _Cells) -> _Entry:
        label = cells.text("party")
        return _Entry(
            row=number,
            name=self.required(number, cells, "candidate"),
            label=label,
            party=self.parties.resolve(label),
            votes=self.integer(number, cells, "votes"),
            elected=self.flag(number, cells),
            seats=self.integer(number, cells, "seats"),
            number=self.integer(number, cells, "number"),
            incumbent=self.incumbent(number, cells),
        )

    def incumbent(self, number: int, cells: _Cells) -> bool | None:
        """Whether the candidate was a sitting councillor, where the workbook says (1/0, True/False)."""
        if "incumbent" not in self.sheet.columns:
            return None
        return parse_flag(self.path, number, self.label("incumbent"), cells.text("incumbent"))

    def required(self, number: int, cells: _Cells, name: str) -> str:
        text = cells.text(name)
        if not text:
            raise InputError(self.path, "is blank", number, self.label(name))
        return text

    def integer(self, number: int, cells: _Cells, name: str) -> int | None:
        return parse_int(self.path, number, self.label(name), cells.text(name))

    def flag(self, number: int, cells: _Cells) -> bool:
        elected = parse_flag(
            self.path, number, self.label("elected"), self.required(number, cells, "elected")
        )
        return bool(elected)

    def polling_day(self, number: int, cells: _Cells) -> date:
        year = self.title_year
        if "year" in self.sheet.columns:
            year = parse_int(self.path, number, self.label("year"), self.required(number, cells, "year"))
            if self.title_year is not None and year != self.title_year:
                raise InputError(
                    self.path, f"{year} in a workbook of {self.title_year}", number, self.label("year")
                )
        day = self.days.get(year)
        if day is None:
            day = self.days[year] = self.resolve_day(number, year)
        return day

    def resolve_day(self, number: int, year: int | None) -> date:
        given = self.context.election_date
        if given is not None:
            if year is not None and year != given.year:
                raise InputError(
                    self.path, f"the workbook is of {year}, not of {given}", number, self.label("year")
                )
            return given
        if year is None:
            raise InputError(self.path, "no year in the workbook: give the election date", number)
        if year not in POLLING_DAYS:
            raise InputError(self.path, f"no polling day known for {year}: give the election date", number)
        return POLLING_DAYS[year]

    def council(self, number: int, cells: _Cells, ward_code: str, line: _WardLine | None) -> CouncilRef:
        """The county for a county division, else the local authority."""
        kind = cells.text("type").upper() or (line.type if line else "")
        county = kind in COUNTY_TYPES or ward_code.startswith("E58")
        if "council_code" not in self.sheet.columns:
            name_field = "county" if county else "council"
            name = self.required(number, cells, name_field)
            prefix = "E10" if county else KIND_PREFIX.get(kind, "")
            return self.councils.by_name(number, self.label(name_field), name, prefix)
        if not county:
            code = self.required(number, cells, "council_code")
            return self.councils.by_code(number, self.label("council_code"), code, cells.text("council"))
        if "county_code" not in self.sheet.columns:
            raise InputError(
                self.path,
                "a county division, but the sheet has no county code",
                number,
                self.label("ward_code"),
            )
        code = self.required(number, cells, "county_code")
        if not code.startswith("E10"):
            raise InputError(
                self.path,
                f"a county division's council is a county (E10), not {code!r}",
                number,
                self.label("county_code"),
            )
        return self.councils.by_code(number, self.label("county_code"), code, cells.text("county"))


def _year_in(caption: str) -> int | None:
    found = YEAR.findall(caption)
    return int(found[-1]) if found else None


# --- completing each ward -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Completion:
    """What completing a ward needs besides its rows: the ward sheet and the whole candidates sheet."""

    path: Path
    wards: _WardIndex
    shared_codes: set[str]
    votes_label: str
    seats_column: bool
    fields: Fields


def _finish(done: _Completion, ward: _Ward) -> list[CandidateRow]:
    entries = ward.entries
    shared = ward.code in done.shared_codes
    line = done.wards.find(ward.code, ward.name, exact=shared)
    code = "" if shared and not done.wards.holds_alone(ward.code, ward.name) else ward.code
    if done.seats_column:
        seats_each = [e.seats for e in entries]
    else:
        seats_each = [line.seats if line else None] * len(entries)
    seats = seats_each[0]
    names = _distinct_names(entries)
    votes: list[int | None] = [e.votes for e in entries]
    elected: list[bool | None] = [e.elected for e in entries]
    ties = [False] * len(entries)
    if _uncontested(entries, seats):
        votes = [None] * len(entries)
    else:
        counted = _counted(done.path, entries, done.votes_label)
        if _flags_agree(counted, [e.elected for e in entries], seats):
            ties = _tie_winners(counted, [e.elected for e in entries])
        else:
            elected = [None] * len(entries)
    ref, figures = WardRef(ward.name, code), done.wards.figures(line)
    return [
        CandidateRow(
            row=e.row,
            election_date=ward.election_date,
            council=ward.council,
            ward=ref,
            candidacy=Candidacy(
                name, e.party, e.label, vote, won, tie_break_winner=tie, incumbent=e.incumbent
            ),
            seats=seats_of_row,
            figures=figures,
            fields=done.fields,
        )
        for e, name, vote, won, tie, seats_of_row in zip(
            entries, names, votes, elected, ties, seats_each, strict=True
        )
    ]


def _uncontested(entries: list[_Entry], seats: int | None) -> bool:
    """Everyone elected with 0 (or no) votes, and no more candidates than seats."""
    return (
        all(not e.votes for e in entries)
        and all(e.elected for e in entries)
        and len(entries) <= (seats if seats is not None else len(entries))
    )


def _counted(path: Path, entries: list[_Entry], votes_label: str) -> list[int]:
    """The votes of a contested ward: every candidate has a figure, and someone has a vote."""
    counted = []
    for e in entries:
        if e.votes is None:
            raise InputError(path, "is blank in a contested ward", e.row, votes_label)
        counted.append(e.votes)
    if not any(counted):
        raise InputError(
            path, "no candidate has a vote, yet the ward was contested", entries[0].row, votes_label
        )
    return counted


def _flags_agree(votes: list[int], elected: list[bool], seats: int | None) -> bool:
    """The elected flags fill the seats and no winner has fewer votes than a loser."""
    won = [v for v, e in zip(votes, elected, strict=True) if e]
    lost = [v for v, e in zip(votes, elected, strict=True) if not e]
    if seats is not None and len(won) != min(seats, len(votes)):
        return False
    return not (won and lost and min(won) < max(lost))


def _tie_winners(votes: list[int], elected: list[bool]) -> list[bool]:
    """Winners level with the best loser: the seat at the line was settled by lot (domain §2.2)."""
    won = [v for v, e in zip(votes, elected, strict=True) if e]
    lost = [v for v, e in zip(votes, elected, strict=True) if not e]
    if not won or not lost or min(won) != max(lost):
        return [False] * len(votes)
    line = min(won)
    return [e and v == line for v, e in zip(votes, elected, strict=True)]


def _distinct_names(entries: list[_Entry]) -> list[str]:
    """Names as printed; two different people printed alike (party or votes differ) get their numbers."""
    keys = [normalise(e.name) for e in entries]
    alike: dict[str, list[_Entry]] = {}
    for key, e in zip(keys, entries, strict=True):
        alike.setdefault(key, []).append(e)
    names = []
    for position, (key, e) in enumerate(zip(keys, entries, strict=True), 1):
        same = alike[key]
        different_people = len(same) > 1 and len({(o.label, o.votes) for o in same}) == len(same)
        names.append(f"{e.name} (candidate {e.number or position})" if different_people else e.name)
    return names


def _shared_codes(wards: list[_Ward]) -> set[str]:
    names: dict[str, set[str]] = {}
    for ward in wards:
        names.setdefault(ward.code, set()).add(normalise(ward.name))
    return {code for code, found in names.items() if len(found) > 1}


# --- the workbook ---------------------------------------------------------------------------------


def _read_workbook(path: Path, worksheets: list[_Worksheet], context: Context) -> Batch:
    sheets = _find_sheets(path, worksheets)
    if sheets.candidates is None:
        raise InputError(
            path, "no candidates sheet (a header with candidate name, votes, elected, party and ward)"
        )
    skipped: list[Skip] = []
    wards = _read_wards(path, sheets.wards, skipped)
    parties = _Parties(context.reference.parties, _read_key(path, sheets.key))
    read_wards = _Reader(path, context, sheets.candidates, wards, parties).read(skipped)
    candidates = sheets.candidates
    done = _Completion(
        path,
        wards,
        _shared_codes(read_wards),
        candidates.labels["votes"],
        "seats" in candidates.columns,
        candidates.fields(),
    )
    rows: list[CandidateRow] = []
    with _InSheet(candidates):
        for ward in read_wards:
            rows.extend(_finish(done, ward))
        polls = assemble_polls(path, rows, context.reference)
    return Batch(polls=polls, skipped=skipped)
