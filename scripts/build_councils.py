"""Build the council register shipped with tallyroom from the published data in ``shared/data/raw``.

Usage (from the project folder)::

    .venv/bin/python scripts/build_councils.py ../shared/data/raw

It writes, in ``src/tallyroom/data/`` (or ``--out``):

- ``councils.csv`` (``code,name,type,region,nation,aliases``): one row per principal-council GSS code
  that a coded source uses.
- ``council_seats.csv`` (``code,year,total_seats,seats_up,cycle,source,seats_up_source``): the
  council's size, the seats up at its ordinary election and the kind of election it held, in each year
  a source tells it.
- the ``## Councils`` section of ``DATA.md`` (any other section of that file is kept as it is).

It prints the names it could not match and where the sources disagree. Output is sorted, so a rebuild
from the same data gives the same bytes.

Sources (folders under the raw data folder; each has a SOURCE.md)
-----------------------------------------------------------------
- ``leap-teale``: LEAP candidate results 2016-2019 (council name, GSS code, elected flag). County
  councils in 2017 carry their E10 code.
- ``hoc-library-leh/converted-csv``: Library handbooks 2021, 2022, 2024 (GSS codes) and 2025 (names
  only); ``data_tables`` (2019 and 2023 composition, region, "Seats Up"); CBP-9545 (2018 or 2017, and
  2022 composition, region, "seats" All/Third/Half). In LEH 2021 a county division (type SC) is filed
  under its district's code; its council is the ``County code`` column.
- ``hoc-library-leh/Ward_Level-Table 1.csv``: LEH 2023 wards (district names and ward types only).
- ``opencouncildata``: yearly council size 2016-2025 (``history2016-2025.csv``) and councillor rolls
  (ward and next election of each councillor), with Open Council Data's own ids and names but no GSS
  codes.
- ``odileeds-hexmaps``: the Open Innovations hex maps of local authority districts (2021 and 2023
  layouts), keyed by GSS code, with each council's region (``E12`` code; ``S92``/``W92``/``N92`` for the
  nations). Read for regions only: a code found only here is not added to the register. The
  upper-tier file is read the same way, but its hexes carry no region; the Welsh file is keyed by its
  own ids, not GSS codes.

Matching names
--------------
Names are compared by ``name_key``: accents, case and punctuation dropped, "&" read as "and", and the
words sources add or leave off removed ("City of", "Borough of", "County", "Council", "Islands", ...).
``EQUIVALENT_NAMES`` lists the few spellings no such rule joins (e.g. "Na h-Eileanan Siar" and "Eilean
Siar"). A name that fits more than one code is settled so:

- codes of the same kind (same first three characters) are one council whose code changed (e.g. St
  Albans E07000100 then E07000240): a year goes to the code the coded sources used in that year, and a
  year between the two to the later code. A Library composition total for an earlier year filed under
  the later code (CBP-9545 2018, data_tables 2019) moves to the code in use that year the same way;
- codes of different kinds are different councils (a county and the unitary that replaced it, e.g.
  Dorset E10000009 and E06000059). Open Council Data gives them different ids, and its ids are paired
  with the codes in order of first year. Name-only sources choose by the kind of council they state
  (LEH 2025 "CC"/"UC"/"MB", LEH 2023 "SDA"/"UAT"/...) and then by year.

Names that fit no code are printed.

Council fields
--------------
- ``name``: the everyday name, the first found of: LEAP (latest year), Open Council Data history (its
  most used spelling), data_tables, CBP-9545, LEH 2024, 2022, 2021, 2025. ``aliases``: every other
  spelling seen in any source (Open Council Data history and rolls, LEH 2025 upper and lower tier
  names and LEH 2023 district names included), ``|``-separated.
- ``type`` from the code: E10 county, E07 district, E06 unitary, E08 metropolitan, E09 london, W06 and
  S12 unitary (single-tier councils; LEH 2022 types the Welsh ones "UAA"); E06000053 (Isles of Scilly)
  and E09000001 (City of London) are "other". Source type columns are checked against it.
- ``region``: one of the nine English regions (the Library's names, ``REGION_NAMES``), or for a Welsh or
  Scottish council the nation's name ("Wales", "Scotland"), as the Library and the hex maps' nation
  codes both give it. Taken, first found, from the hex maps (2023 layout, then 2021: districts abolished
  in 2023 are only in the 2021 one), data_tables ``Region``, CBP-9545 ``region``; where these disagree
  the hex maps win and the build prints it. Then, for the councils none of them places:

  1. a county takes the region all its districts with one agree on (districts are linked to counties
     by the LEH 2021/2022 county columns and LEH 2025 upper/lower tier names), and a district takes its
     county's;
  2. a council whose code changed takes the region of its other code (Northumberland E06000048, later
     E06000057; the Hertfordshire districts recoded in 2020; Gateshead);
  3. a council abolished in a reorganisation takes the region its successors agree on (``SUCCESSORS``,
     from the structural changes orders): the counties replaced by unitaries (Buckinghamshire 2020,
     Northamptonshire 2021, Cumbria, North Yorkshire and Somerset 2023, whose hexes in the upper-tier
     map have no region, and Dorset 2019, in no map) and the districts abolished before the 2021 layout
     (North Dorset, Weymouth and Portland, Daventry, Forest Heath, St Edmundsbury, Waveney). The rule
     also checks the successors' region against any other rule's for the same council.

  The build stops if a council is left without a region, or with one not of its nation.
- ``nation`` from the code's first letter.

Seats and cycle (one row per code and year)
-------------------------------------------
What tells a council's size in a year:

(a) the seats filled at that year's election: LEAP, the candidates elected; LEH 2021/2022/2024, the ward
    ``Vacancies`` (the ward's elected count where it is "NA"); LEH 2025, the ward ``Seats`` (its elected
    flags mark too many winners in some Worcestershire divisions); LEH 2023 ward level, ``VACS`` of the
    contested wards only, so a lower bound. Seats filled under ``BY_ELECTION_SHARE`` of the council's
    size mean by-elections only, not an ordinary election;
(b) the Library's composition totals. data_tables Total_seats_23 and CBP-9545 2022 count vacant seats;
    data_tables Total_seats_19 and CBP-9545 2018 (2017 for Scotland and Wales) have no vacant column,
    so they count the seats held (Forest of Dean 2019: 35, where 38 were elected);
(c) Open Council Data's ``total`` (a yearly snapshot).

The rule when they disagree (one figure per code and year):

1. In an all-out year the number elected at that year's election is the size, when another source
   agrees with it (Open Council Data, a Library total that counts vacant seats, or a seats-held total
   that none of those exceeds) or when no other source gives a size. So LEAP's 63 for Brent and
   Southwark in 2018 beats CBP-9545's 60, and a snapshot taken before new boundaries loses.
2. An election that filled fewer seats than every size stated is still all-out when the type columns
   of that year say all-out (and none says thirds or halves) and it filled at least ``ALL_OUT_SHARE``
   of the seats, or, untyped, at least ``UNTYPED_ALL_OUT_SHARE``. Seats are then missing from the count
   (a postponed poll: Shropshire 2021, 73 of 74; uncontested seats left out of LEH 2022 for Wales:
   Gwynedd, 41 of 69), so the size comes from rule 3, not from the count.
3. Otherwise: a Library total that counts vacant seats (data_tables, then CBP-9545), then Open Council
   Data, then a Library seats-held total.

``source`` lists every source that gave the chosen figure, best first: ``leap``, ``leh``,
``data_tables``, ``cbp9545``, ``ocd``.

``cycle`` describes that year's election. ``all-out`` when every seat was filled (rules 1 and 2),
whatever a type column says: LEH types some all-out elections on new boundaries "SDT" or "By thirds",
data_tables types the 2023 all-out elections of Stockport, Wigan and others "THIRD". Otherwise
``halves`` or ``thirds`` as a type column states it (SDT/UAT, "By thirds", "THIRD", "Third", "Half")
for that year, or for the same council (under any of its codes) in another year when that year has no
such statement or wrongly calls a partial election all-out (LEH 2024 types every metropolitan borough
"All"; CBP-9545 types Hull, Hastings, Eastleigh, Manchester, Newcastle and Leeds "All" in 2022). LEH
has no code for halves, so CBP-9545's "Half" wins over LEH's thirds. A year with type statements but no
count of seats filled takes the type columns when they agree. A partial election no source types is
``partial`` (LEAP has no type column: Liverpool, Craven and South Lakeland in 2019). Years without an
ordinary election (by-elections only, under ``BY_ELECTION_SHARE`` of the seats) have a blank cycle.

Seats up
--------
``seats_up`` is the number of seats filled at the council's ordinary election that year: its scheduled
seats, with a casual vacancy combined into a ward's ordinary poll (one more seat in that ward), but not
a separate by-election held the same day in a ward with no ordinary poll. Blank when the council held no
ordinary election that year (blank ``cycle``) or no source tells it. ``seats_up_source`` says where it
comes from:

- ``total``: an all-out year (``cycle`` all-out, decided as above): every seat is up, so seats up is
  ``total_seats``. Where the year's count of seats filled is lower (a postponed poll, uncontested seats
  left out of a source: Shropshire 2021, Gwynedd 2022, the LEH 2023 ward sheet) the build prints it.
- ``leap`` or ``leh``: a partial year (thirds, halves, partial): the seats filled in that year's source,
  ward by ward: LEAP's winners (2016-2019); the LEH ward ``Vacancies`` (2021, 2022, 2024; the elected
  count where it is "NA") and ``Seats`` (2025); the LEH 2023 ward sheet's ``VACS``.

  The order of trust: first the handbooks, which state each ward's number of vacancies (compiled by
  the Elections Centre for the Library); then LEAP, whose seats per ward are inferred from its elected
  flags; then the cycle statements. These only say all-out or not: data_tables' "Seats Up" column
  holds ``ALL`` or ``THIRD`` (for 2023; it is not a number), CBP-9545's ``seats`` ``All``, ``Third``
  or ``Half`` (for 2022). They count through ``cycle`` (an all-out year's seats up is its size), never
  as a number. The counting sources cover different years (LEAP 2016-2019, the handbooks 2021-2025),
  so in practice they never compete for one council-year.

Neither LEAP nor the handbooks mark a ward's poll as a by-election, and both carry some same-day
by-elections in wards with no ordinary poll (LEAP 2019: Thurrock's Corringham and Fobbing, Craven's
Upper Wharfedale; LEH 2022: Epping Forest's Waltham Abbey North East, West Lancashire's Wrightington).
Open Council Data's rolls tell them: a ward's poll is left out when the roll from before the election
(the roll for the year before, taken after that year's May elections) lists the ward with none of its
councillors due that year, and the roll from after it (that year's) lists none in the ward with the
full term of a seat filled at that election (four years; three for the 2020 seats filled in 2021). Where
the roll from after has no full terms at all (the next election is all-out, so every term ends then), the
roll from before decides alone. A roll is used for a council only where it shows itself to be from
before (it has councillors due that year) or from after (it has councillors with a full term from that
year): the rolls for 2016 and 2017 are, for most councils, copies of the state after May 2018, so the
2016-2018 counts cannot be checked so. Ward names are matched by ``ward_key`` (case, accents,
punctuation, "&"/"and", "St"/"Saint" ignored), else by a unique name containing the other or a unique
close spelling; a ward the rolls do not name is kept. Every ward left out is printed.

The other way round, a ward the roll from before has councillors due in, but the source has no poll
for, is added when the roll from after shows seats in it filled at that election (with a full term):
the handbooks leave out some wards, uncontested ones or polls held later it seems (Huntingdonshire's
Sawtry in 2022, an all-out year, so seats up is its size anyway; Sefton's St Oswald in 2022, the one
partial election this changes: 22 seats up, not 21); ``seats_up_source`` then reads ``leh|ocd``.
Without that evidence the ward is printed and not added (a stale roll: Hull's wards from before its
2018 boundaries). The LEH 2023 ward sheet leaves out every uncontested ward, so for a partial 2023
election, where such a ward is neither in the sheet nor shown filled by the roll from after, seats up
is left blank and printed (no thirds council of 2023 has one).
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

ALL_OUT_SHARE = 0.5
UNTYPED_ALL_OUT_SHARE = 0.9
BY_ELECTION_SHARE = 0.2
SOURCE_ORDER = ("leap", "leh", "data_tables", "cbp9545", "ocd")
LIBRARY = ("data_tables", "cbp9545")
VACANT_COUNTED_YEARS = frozenset({2022, 2023})  # Library composition years with a vacant-seats column
TERM_YEARS = 4
POSTPONED_TO = {2021: 2020}  # the 2020 elections were held in 2021, for three-year terms
WARD_FILLER_WORDS = frozenset({"and", "the", "ward", "with"})
MIN_WARD_KEY = 5
WARD_SPELLING_CUTOFF = 0.85

FILLER_PHRASES = ("royal borough of", "london borough of", "city of", "borough of", "county of")
FILLER_WORDS = frozenset(
    {
        "city",
        "county",
        "council",
        "borough",
        "district",
        "metropolitan",
        "corporation",
        "cc",
        "the",
        "islands",
    }
)
EQUIVALENT_NAMES = {
    "na h eileanan siar": "eilean siar",
    "east riding of yorkshire": "east riding",
    "rhondda cynon taff": "rhondda cynon taf",
}
KIND_PREFIX = {
    "SC": "E10",
    "CC": "E10",
    "SDA": "E07",
    "SDT": "E07",
    "SD": "E07",
    "UAA": "E06",
    "UAT": "E06",
    "UA": "E06",
    "UC": "E06",
    "MB": "E08",
    "LB": "E09",
    "District": "E07",
    "Unitary": "E06",
    "Met": "E08",
    "Metropolitan": "E08",
    "London": "E09",
}
TYPE_BY_PREFIX = {
    "E10": "county",
    "E07": "district",
    "E06": "unitary",
    "E08": "metropolitan",
    "E09": "london",
    "W06": "unitary",
    "S12": "unitary",
}
OTHER_COUNCILS = frozenset({"E06000053", "E09000001"})
NATION_BY_LETTER = {"E": "England", "W": "Wales", "S": "Scotland", "N": "Northern Ireland"}
CODE_RE = re.compile(r"^(E06|E07|E08|E09|E10|W06|S12|N09)\d{6}$")
NAME_PRIORITY = (
    "leap 2019",
    "leap 2018",
    "leap 2017",
    "leap 2016",
    "ocd",
    "data_tables",
    "cbp9545",
    "leh 2024",
    "leh 2022",
    "leh 2021",
    "leh 2025",
)
DATA_MD_HEADING = "## Councils"

HEXMAPS = "odileeds-hexmaps"
HEXMAP_FILES = (  # source label, file: the order regions are taken in
    ("hexmaps 2023", "uk-local-authority-districts-2023.hexjson"),
    ("hexmaps 2021", "uk-local-authority-districts-2021.hexjson"),
    ("hexmaps upper tier", "uk-upper-tier-local-authorities.hexjson"),
)
REGION_SOURCES = (*(source for source, _ in HEXMAP_FILES), "data_tables", "cbp9545")
REGION_NAMES = {  # ONS region (E12) and nation codes, by the names the Library uses
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
}
ENGLISH_REGIONS = frozenset(name for code, name in REGION_NAMES.items() if code.startswith("E12"))
# Councils abolished in a reorganisation, and the councils that took over their area, from the
# structural changes orders. A council the hex maps do not place takes the region its successors share.
SUCCESSORS = {
    # Bournemouth, Dorset and Poole (Structural Changes) Order 2018, 1 April 2019
    "E10000009": ("E06000059",),  # Dorset County Council -> Dorset
    "E07000050": ("E06000059",),  # North Dorset -> Dorset
    "E07000053": ("E06000059",),  # Weymouth and Portland -> Dorset
    # East Suffolk and West Suffolk (Local Government Changes) Orders 2018, 1 April 2019
    "E07000201": ("E07000245",),  # Forest Heath -> West Suffolk
    "E07000204": ("E07000245",),  # St Edmundsbury -> West Suffolk
    "E07000206": ("E07000244",),  # Waveney -> East Suffolk
    # Buckinghamshire (Structural Changes) Order 2019, 1 April 2020
    "E10000002": ("E06000060",),  # Buckinghamshire County Council -> Buckinghamshire
    # Northamptonshire (Structural Changes) Order 2020, 1 April 2021
    "E10000021": ("E06000061", "E06000062"),  # Northamptonshire -> North and West Northamptonshire
    "E07000151": ("E06000062",),  # Daventry -> West Northamptonshire
    # Cumbria, North Yorkshire and Somerset (Structural Changes) Orders 2022, 1 April 2023
    "E10000006": ("E06000063", "E06000064"),  # Cumbria -> Cumberland, Westmorland and Furness
    "E10000023": ("E06000065",),  # North Yorkshire County Council -> North Yorkshire
    "E10000027": ("E06000066",),  # Somerset County Council -> Somerset
}

Key = tuple[str, int]
Roll = dict[str, list[int | None]]  # ward key -> each councillor's next election year (None: not given)


def name_key(name: str) -> str:
    """The form names are compared in: "Bristol, City Of" and "City of Bristol" are both "bristol"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = text.casefold().replace("&", " and ")
    text = re.sub(r"['’.]", "", text)
    text = " " + " ".join(re.sub(r"[^a-z0-9]+", " ", text).split()) + " "
    for phrase in FILLER_PHRASES:
        text = text.replace(f" {phrase} ", " ")
    key = " ".join(word for word in text.split() if word not in FILLER_WORDS)
    return EQUIVALENT_NAMES.get(key, key)


def cycle_of(label: str) -> str | None:
    """The cycle a type label states; None for labels that only name the kind of council (SC, MB, LB)."""
    label = label.strip().casefold()
    if label in {"sda", "uaa", "all", "all out"}:
        return "all-out"
    if label in {"sdt", "uat", "by thirds", "third", "thirds"}:
        return "thirds"
    if label in {"half", "halves", "by halves"}:
        return "halves"
    return None


def as_int(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def clean(name: str) -> str:
    return " ".join(name.split())


def ward_key(name: str) -> str:
    """The form ward names are compared in: "St. John's & Woodhatch" and "Saint Johns and Woodhatch"
    are both "saintjohnswoodhatch"."""
    text = name.replace("\u00e2\u20ac\u2122", "'")  # LEH 2022's mis-decoded apostrophe
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"['’.]", "", text.replace("&", " and "))
    words = ("saint" if word == "st" else word for word in re.sub(r"[^a-z0-9]+", " ", text).split())
    return "".join(word for word in words if word not in WARD_FILLER_WORDS)


def match_ward(key: str, keys: Iterable[str]) -> str | None:
    """The one ward key of `keys` that is `key`: the same, else the only one that contains it or is
    contained in it ("Bewbush North", "Bewbush & North Broadfield"), else the only close spelling
    ("Bilinge", "Billinge")."""
    keys = list(keys)
    if key in keys:
        return key
    for found in (
        [k for k in keys if min(len(k), len(key)) >= MIN_WARD_KEY and (k in key or key in k)],
        difflib.get_close_matches(key, keys, n=2, cutoff=WARD_SPELLING_CUTOFF),
    ):
        if len(found) == 1:
            return found[0]
    return None


# ----------------------------------------------------------------------------------------------------
# What is read


@dataclass
class Election:
    """One council's polls in one year as one source reports them."""

    source: str
    seats: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    wards: Counter[str] = field(default_factory=Counter)  # seats filled, by ward name
    complete: bool = True  # False where the source leaves some seats out (LEH 2023: uncontested wards)

    def fill(self, ward: str, seats: int, label: str | None = None) -> None:
        self.seats += seats
        self.wards[clean(ward)] += seats
        if label is not None:
            self.labels[label] += seats


@dataclass
class Data:
    spellings: defaultdict[str, defaultdict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    seen_years: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    elections: dict[Key, Election] = field(default_factory=dict)
    sizes: defaultdict[Key, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    stated: defaultdict[Key, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    regions: defaultdict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    kinds: defaultdict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    county_of: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    unmatched: defaultdict[tuple[str, str], set[int]] = field(default_factory=lambda: defaultdict(set))
    # Open Council Data rolls: (code, roll year) -> ward key -> each councillor's next election year
    rolls: defaultdict[Key, defaultdict[str, list[int | None]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    notes: list[str] = field(default_factory=list)
    seats_up_notes: list[str] = field(default_factory=list)

    def spell(self, code: str, name: str, source: str) -> None:
        name = clean(name)
        if name and name != "NA":
            self.spellings[code][source].append(name)

    def election(self, code: str, year: int, source: str) -> Election:
        return self.elections.setdefault((code, year), Election(source))

    def kind(self, code: str, label: str, source: str) -> None:
        if label in KIND_PREFIX:
            self.kinds[code].add((TYPE_BY_PREFIX[KIND_PREFIX[label]], f"{source} types it {label}"))

    def state(self, code: str, year: int, label: str, source: str) -> None:
        cycle = cycle_of(label)
        if cycle is not None:
            self.stated[(code, year)].append((cycle, source))


def read_rows(path: Path, header_has: str) -> Iterator[dict[str, str]]:
    """Rows of a sheet as dicts (cells stripped), after the first row that has a cell `header_has`."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header: list[str] | None = None
        for row in csv.reader(handle):
            cells = [cell.strip() for cell in row]
            if header is None:
                header = cells if header_has in cells else None
            elif any(cells):
                yield dict(zip(header, cells, strict=False))


def read_matrix(path: Path, header_has: str) -> tuple[list[str], list[list[str]]]:
    """A sheet whose header repeats names (CBP-9545): its header and data rows as lists."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [[cell.strip() for cell in row] for row in csv.reader(handle)]
    for index, row in enumerate(rows):
        if header_has in row:
            return row, [r for r in rows[index + 1 :] if any(r)]
    raise ValueError(f"{path}: no header row with {header_has!r}")


def read_leap(raw: Path, data: Data) -> None:
    for path in sorted(raw.glob("leap-teale/*/leap-*.csv")):
        year = int(path.parent.name)
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                name, code, ward, ward_code, elected = row[0], row[1], row[2], row[3], row[7]
                if not CODE_RE.match(code) or ward_code == "NULL":
                    continue
                data.spell(code, name, f"leap {year}")
                data.seen_years[code].add(year)
                data.election(code, year, "leap").fill(ward, int(elected == "1"))


LEH_CODED = (
    # year, file prefix, ward sheet, candidate sheet, ward code column, candidates' council code column
    (
        2021,
        "local_elections_2021_results-2__",
        "Wards-results",
        "Candidates-results",
        "Ward/ED code",
        "Local authority code",
    ),
    (
        2022,
        "local-elections-2022__",
        "Wards-results",
        "Candidates-results",
        "Ward code",
        "Local authority code",
    ),
    (
        2024,
        "LEH-2024-results-HoC-version__",
        "Wards_results",
        "Candidates_results",
        "Ward code",
        "ONS local authority code",
    ),
)


def read_leh_coded(raw: Path, data: Data) -> None:
    """LEH 2021, 2022, 2024: seats (Vacancies) and types per ward, with GSS codes."""
    folder = raw / "hoc-library-leh" / "converted-csv"
    for year, prefix, ward_sheet, cand_sheet, ward_col, cand_code_col in LEH_CODED:
        won: Counter[tuple[str, str]] = Counter()
        for row in read_rows(folder / f"{prefix}{cand_sheet}.csv", ward_col):
            won[(row[cand_code_col], row[ward_col])] += row["Elected"] in {"1", "True"}
        for row in read_rows(folder / f"{prefix}{ward_sheet}.csv", ward_col):
            la_code = row["Local authority code"]
            if not CODE_RE.match(la_code):
                continue
            kind = row.get("Type") or row.get("Local authority type", "")
            county_code = row.get("County code", "")
            data.spell(la_code, row["Local authority name"], f"leh {year}")
            if county_code.startswith("E10"):
                data.spell(county_code, row["County name"], f"leh {year}")
                data.county_of[la_code].add(county_code)
            code = county_code if kind == "SC" else la_code
            data.seen_years[code].add(year)
            data.kind(code, kind, f"LEH {year}")
            ward_name = row.get("Ward name") or row.get("Ward/ED name")
            ward = f"LEH {year} {row['Local authority name']} / {ward_name}"
            elected = won[(la_code, row[ward_col])]
            seats = as_int(row["Vacancies"])
            if seats is None:
                data.notes.append(f"{ward}: Vacancies {row['Vacancies']!r}; its {elected} elected used")
                seats = elected
            elif seats != elected:
                data.notes.append(f"{ward}: Vacancies {seats} but {elected} elected")
            label = row.get("Election type") or kind
            data.election(code, year, "leh").fill(ward_name or row[ward_col], seats, label)
            data.state(code, year, label, f"leh {year}")


def read_data_tables(raw: Path, data: Data) -> None:
    path = raw / "hoc-library-leh" / "converted-csv" / "data_tables__Results.csv"
    for row in read_rows(path, "ONS code"):
        code = row["ONS code"]
        if not CODE_RE.match(code):
            continue
        data.spell(code, row["Local authority"], "data_tables")
        data.seen_years[code].add(2023)
        if row["Region"]:
            data.regions[code]["data_tables"] = row["Region"]
        data.kind(code, row["Type"], "data_tables")
        for year, column in ((2019, "Total_seats_19"), (2023, "Total_seats_23")):
            total = as_int(row[column])
            if total is not None:
                data.sizes[(code, year)]["data_tables"] = total
        data.state(code, 2023, row["Seats Up"], "data_tables 2023")


def read_cbp9545(raw: Path, data: Data) -> None:
    folder = raw / "hoc-library-leh" / "converted-csv"
    coded: defaultdict[str, set[str]] = defaultdict(set)  # name key -> codes, from the handbooks read so far
    for known, by_source in data.spellings.items():
        for names in by_source.values():
            for name in names:
                coded[name_key(name)].add(known)
    for sheet, first_year in (("England", 2018), ("Scotland_and_Wales", 2017)):
        header, rows = read_matrix(folder / f"CBP9545-detailed-results-for-download__{sheet}.csv", "ons code")
        totals = [i for i, name in enumerate(header) if name == "Total"]
        kind_col, seats_col, region_col = (
            header.index("council type"),
            header.index("seats"),
            header.index("region"),
        )
        for row in rows:
            code, name, kind = row[0], row[1], row[kind_col]
            if not CODE_RE.match(code):
                continue
            first_total, total_2022 = (as_int(row[column]) for column in totals)
            if first_total is not None:
                data.sizes[(code, first_year)]["cbp9545"] = first_total
            prefix = KIND_PREFIX.get(kind, code[:3])
            if prefix != code[:3] and code[0] == "E":
                # A new unitary filed under another code (North Yorkshire under the county's E10000023):
                # its 2022 figures go to the code the handbook gives a council of that name and kind.
                found = sorted(c for c in coded[name_key(name)] if c.startswith(prefix))
                if len(found) == 1:
                    data.notes.append(f"CBP-9545 files the {kind} {name} under {code}; LEH uses {found[0]}")
                    code = found[0]
            data.spell(code, name, "cbp9545")
            data.seen_years[code].add(2022)
            if row[region_col]:
                data.regions[code]["cbp9545"] = row[region_col]
            data.kind(code, kind, "cbp9545")
            if total_2022 is not None:
                data.sizes[(code, 2022)]["cbp9545"] = total_2022
            data.state(code, 2022, row[seats_col], "cbp9545 2022")


def read_hexmaps(raw: Path, data: Data) -> None:
    """The hex maps' region for every council they place, by GSS code (regions only: no names)."""
    for source, filename in HEXMAP_FILES:
        hexes = json.loads((raw / HEXMAPS / filename).read_text(encoding="utf-8"))["hexes"]
        for code, cell in hexes.items():
            region_code = cell.get("region")
            if not CODE_RE.match(code) or region_code is None:
                continue
            if region_code not in REGION_NAMES:
                raise SystemExit(f"{filename}: {code} is in region {region_code!r}, which has no name here")
            data.regions[code][source] = REGION_NAMES[region_code]


# ----------------------------------------------------------------------------------------------------
# Names to codes


class NameIndex:
    """Finds the GSS code for a council name (and year), from the spellings the coded sources use."""

    def __init__(self, data: Data) -> None:
        self.seen = data.seen_years
        self.by_key: defaultdict[str, set[str]] = defaultdict(set)
        for code, by_source in data.spellings.items():
            for names in by_source.values():
                for name in names:
                    self.by_key[name_key(name)].add(code)
        # One council, several codes over time: codes that share a name and a kind (union-find).
        parent: dict[str, str] = {}

        def root(code: str) -> str:
            while parent.setdefault(code, code) != code:
                code = parent[code]
            return code

        for codes in self.by_key.values():
            for code in codes:
                for other in codes:
                    if code[:3] == other[:3]:
                        parent[root(other)] = root(code)
        members: defaultdict[str, list[str]] = defaultdict(list)
        for code in data.spellings:
            members[root(code)].append(code)
        self.group: dict[str, tuple[str, ...]] = {}
        for codes_of_one in members.values():
            group = tuple(sorted(codes_of_one, key=self.first_seen))
            for code in group:
                self.group[code] = group

    def first_seen(self, code: str) -> tuple[int, str]:
        return (min(self.seen.get(code) or {9999}), code)

    def distance(self, code: str, year: int) -> int:
        years = self.seen.get(code) or set()
        if not years:
            return 9999
        low, high = min(years), max(years)
        return 0 if low <= year <= high else min(abs(year - low), abs(year - high))

    def in_year(self, codes: Iterable[str], year: int) -> str:
        """Of several codes, the one in use in `year`: the nearest in time, the later on a tie."""
        return min(codes, key=lambda c: (self.distance(c, year), -self.first_seen(c)[0], c))

    def code_for_year(self, code: str, year: int) -> str:
        """The code one council used in `year` (for a council whose code changed)."""
        return self.in_year(self.group.get(code, (code,)), year)

    def slots(self, key: str, prefix: str = "") -> list[tuple[str, ...]]:
        """The different councils a name key fits, each as its group of codes, oldest first."""
        groups = {self.group.get(c, (c,)) for c in self.by_key.get(key, set()) if c.startswith(prefix)}
        return sorted(groups, key=lambda g: self.first_seen(g[0]))

    def resolve(self, name: str, year: int, prefix: str = "") -> str | None:
        slots = self.slots(name_key(name), prefix)
        if not slots:
            return None
        return self.in_year([self.in_year(slot, year) for slot in slots], year)

    def group_of(self, code: str) -> tuple[str, ...]:
        """All the codes of the council that has `code` (more than one if its code changed)."""
        return self.group.get(code, (code,))


def read_ocd(raw: Path, data: Data, index: NameIndex) -> None:
    """Open Council Data: the history gives sizes, the rolls more spellings."""
    folder = raw / "opencouncildata"
    history = list(read_rows(folder / "history2016-2025.csv", "authority"))
    years: defaultdict[str, set[int]] = defaultdict(set)
    keys: defaultdict[str, set[str]] = defaultdict(set)
    for row in history:
        years[row["council id"]].add(int(row["year"]))
        keys[row["council id"]].add(name_key(row["authority"]))
    # Ids whose names fit several different councils (a county and its successor unitary) are paired
    # with those councils in order of first year.
    slot_sets: dict[str, tuple[tuple[str, ...], ...]] = {}
    for ocd_id, id_keys in keys.items():
        found = {slot for key in id_keys for slot in index.slots(key)}
        slot_sets[ocd_id] = tuple(sorted(found, key=lambda g: index.first_seen(g[0])))
    paired: dict[str, tuple[str, ...]] = {}
    sharing: defaultdict[tuple[tuple[str, ...], ...], list[str]] = defaultdict(list)
    for ocd_id, found_slots in slot_sets.items():
        if len(found_slots) == 1:
            paired[ocd_id] = found_slots[0]
        elif found_slots:
            sharing[found_slots].append(ocd_id)
    for found_slots, ids in sharing.items():
        ids.sort(key=lambda i: min(years[i]))
        if len(ids) == len(found_slots):
            paired.update(zip(ids, found_slots, strict=True))
        else:
            data.notes.append(f"Open Council Data ids {ids} fit councils {found_slots}: matched by year")

    code_of: dict[tuple[str, int], str] = {}
    for row in history:
        ocd_id, year, name = row["council id"], int(row["year"]), clean(row["authority"])
        slot = paired.get(ocd_id)
        code = index.in_year(slot, year) if slot else index.resolve(name, year)
        if code is None:
            data.unmatched[("Open Council Data history", name)].add(year)
            continue
        code_of[(name, year)] = code
        data.spell(code, name, "ocd")
        total = as_int(row["total"])
        if total is not None:
            data.sizes[(code, year)]["ocd"] = total

    for path in sorted(folder.glob("opencouncildata_councillors_*.csv")):
        year = int(path.stem.rsplit("_", 1)[1])
        roll = list(read_rows(path, "Council"))
        roll_codes: dict[str, str | None] = {}
        for name in sorted({clean(row["Council"]) for row in roll}):
            roll_code = roll_codes[name] = code_of.get((name, year)) or index.resolve(name, year)
            if roll_code is None:
                data.unmatched[("Open Council Data rolls", name)].add(year)
            else:
                data.spell(roll_code, name, "ocd rolls")
        for row in roll:
            roll_code = roll_codes[clean(row["Council"])]
            if roll_code is not None:
                due = as_int(row["Next Election"][:4])  # "2023-05-04"; a few are "0000" or "2107"
                ward = data.rolls[(roll_code, year)][ward_key(row["Ward Name"])]
                ward.append(due if due is not None and year <= due <= year + 6 else None)


def read_leh_2025(raw: Path, data: Data, index: NameIndex) -> None:
    path = raw / "hoc-library-leh" / "converted-csv" / "LEH-2025-results-HoC__Ward_results.csv"
    for row in read_rows(path, "Upper tier authority"):
        kind, upper, lower = (
            row["Local authority type"],
            row["Upper tier authority"],
            row["Lower tier authority"],
        )
        code = index.resolve(upper, 2025, KIND_PREFIX.get(kind, ""))
        if code is None:
            data.unmatched[(f"LEH 2025 upper tier ({kind})", upper)].add(2025)
            continue
        data.spell(code, upper, "leh 2025")
        data.kind(code, kind, "LEH 2025")
        if kind == "CC":
            district = index.resolve(lower, 2025, "E07")
            if district is None:
                data.unmatched[("LEH 2025 lower tier", lower)].add(2025)
            else:
                data.spell(district, lower, "leh 2025")
                data.county_of[district].add(code)
        else:
            data.spell(code, lower, "leh 2025")
        seats = as_int(row["Seats"]) or 0
        ward = row["Ward/ County Electoral District name"]
        data.election(code, 2025, "leh").fill(ward, seats, row["Election type"])
        data.state(code, 2025, row["Election type"], "leh 2025")


def read_leh_2023(raw: Path, data: Data, index: NameIndex) -> None:
    """LEH 2023 ward level: district names and ward types (no codes, uncontested wards missing)."""
    for row in read_rows(raw / "hoc-library-leh" / "Ward_Level-Table 1.csv", "DISTRICTNAME"):
        name, kind = row["DISTRICTNAME"], row["TYPE"]
        code = index.resolve(name, 2023, KIND_PREFIX.get(kind, ""))
        if code is None:
            data.unmatched[(f"LEH 2023 ward level ({kind})", name)].add(2023)
            continue
        data.spell(code, name, "leh 2023")
        data.kind(code, kind, "LEH 2023")
        data.state(code, 2023, kind, "leh 2023")
        election = data.election(code, 2023, "leh")
        election.complete = False
        election.fill(row["WARDNAME"], as_int(row["VACS"]) or 0, kind)


# ----------------------------------------------------------------------------------------------------
# Deciding


@dataclass(frozen=True)
class CouncilRow:
    code: str
    name: str
    type: str
    region: str
    nation: str
    aliases: str


@dataclass(frozen=True)
class SeatsRow:
    code: str
    year: int
    total_seats: int
    cycle: str
    source: str
    seats_up: int | None = None
    seats_up_source: str = ""


def move_retro_sizes(data: Data, index: NameIndex) -> None:
    """A Library total for an earlier year filed under a council's later code goes to that year's code."""
    for (code, year), by_source in list(data.sizes.items()):
        actual = index.code_for_year(code, year)
        if actual != code:
            for source in LIBRARY:
                if source in by_source:
                    data.sizes[(actual, year)].setdefault(source, by_source.pop(source))
            if not by_source:
                del data.sizes[(code, year)]


def ranked_sizes(year: int, by_source: dict[str, int]) -> list[tuple[str, int]]:
    """Size statements best first: Library totals that count vacant seats, Open Council Data, then
    Library totals that do not (the 2017/2018/2019 compositions have no vacant column)."""
    counts_vacant = year in VACANT_COUNTED_YEARS
    order = (*LIBRARY, "ocd") if counts_vacant else ("ocd", *LIBRARY)
    return [(source, by_source[source]) for source in order if source in by_source]


def decide_seats(data: Data, index: NameIndex) -> list[SeatsRow]:
    partial_cycles: defaultdict[tuple[str, ...], set[str]] = defaultdict(set)
    for (code, _year), statements in data.stated.items():
        partial_cycles[index.group_of(code)] |= {cycle for cycle, _ in statements if cycle != "all-out"}
    known_sizes: defaultdict[str, dict[int, int]] = defaultdict(dict)
    for (code, year), by_source in data.sizes.items():
        known_sizes[code][year] = max(by_source.values())

    rows: list[SeatsRow] = []
    for code, year in sorted(set(data.sizes) | set(data.elections)):
        by_source = data.sizes.get((code, year), {})
        ranked = ranked_sizes(year, by_source)
        election = data.elections.get((code, year))
        statements = data.stated.get((code, year), [])
        this_year = {c for c, _ in statements}
        said = dict(Counter(f"{source}: {cycle}" for cycle, source in statements))
        by_election_only = False
        if election is not None:
            reference = max(by_source.values()) if by_source else nearest_size(known_sizes[code], year)
            if reference is not None and election.seats < BY_ELECTION_SHARE * reference:
                election, by_election_only = None, True
        total: int | None = None
        sources: list[str] = []
        cycle = ""
        if election is not None:
            filled = election.seats
            typed_all = this_year == {"all-out"}
            trusted = [v for source, v in ranked if source == "ocd" or year in VACANT_COUNTED_YEARS]
            agreed = filled in trusted or (filled in by_source.values() and filled >= max(trusted, default=0))
            share = filled / ranked[0][1] if ranked else 1.0
            if agreed or (not by_source and election.complete):
                total, cycle = filled, "all-out" if (by_source or typed_all) else ""
                sources = [election.source] + [s for s, v in by_source.items() if v == filled]
                if any(v != filled for v in by_source.values()):
                    data.notes.append(f"{code} {year}: {filled} elected all-out; sizes said {by_source}")
                if this_year - {"all-out"}:
                    data.notes.append(f"{code} {year}: every seat filled, but typed {said}")
            elif (typed_all and share >= ALL_OUT_SHARE) or share >= UNTYPED_ALL_OUT_SHARE:
                cycle = "all-out"
                data.notes.append(f"{code} {year}: all-out, {filled} seats counted; sizes {by_source}")
            else:
                if "all-out" in this_year:
                    data.notes.append(f"{code} {year}: {filled} of {ranked[0][1]} seats up, but typed {said}")
                cycle = partial_cycle(statements, partial_cycles[index.group_of(code)]) or "partial"
        elif statements and not by_election_only:
            # No count of seats filled (LEH 2023 has none for some councils): the type columns decide.
            if this_year == {"all-out"}:
                cycle = "all-out"
            elif "all-out" not in this_year:
                cycle = partial_cycle(statements, partial_cycles[index.group_of(code)])
            else:
                data.notes.append(f"{code} {year}: no count of seats filled, and typed {said}")
        if total is None and ranked:
            best, total = ranked[0]
            sources = [s for s, v in by_source.items() if v == total]
            if len(set(by_source.values())) > 1:
                data.notes.append(f"{code} {year}: sizes disagree {by_source}; {best} used")
        if total is None:
            continue
        ordered = sorted(set(sources), key=SOURCE_ORDER.index)
        rows.append(SeatsRow(code, year, total, cycle, "|".join(ordered)))
    return rows


def roll_wards(data: Data, index: NameIndex, code: str, year: int) -> dict[str, list[int | None]]:
    """Open Council Data's roll for `year`: each ward's councillors' next election years, under any of
    the council's codes."""
    wards: dict[str, list[int | None]] = {}
    for other in index.group_of(code):
        for ward, due in data.rolls.get((other, year), {}).items():
            wards.setdefault(ward, []).extend(due)
    return wards


def due_years(year: int) -> set[int]:
    """The next-election years that mean "up at the ordinary election of `year`"."""
    return {year} | ({POSTPONED_TO[year]} if year in POSTPONED_TO else set())


def full_term(year: int) -> int:
    """The earliest next election of a seat filled at the ordinary election of `year`."""
    return year + TERM_YEARS - (year in POSTPONED_TO)


def rolls_around(data: Data, index: NameIndex, code: str, year: int) -> tuple[Roll, Roll]:
    """Open Council Data's rolls for the council from before and from after the election of `year`,
    each empty unless it shows it is one: the roll for the year before with councillors due in `year`,
    the roll for `year` with councillors elected then for a full term. (The rolls for 2016 and 2017
    are, for many councils, copies of a later state.)"""
    before, after = roll_wards(data, index, code, year - 1), roll_wards(data, index, code, year)
    if not any(due in due_years(year) for dues in before.values() for due in dues):
        before = {}
    if not any(due is not None and due >= full_term(year) for dues in after.values() for due in dues):
        after = {}
    return before, after


def separate_by_elections(code: str, year: int, wards: Iterable[str], before: Roll, after: Roll) -> list[str]:
    """The wards (of those a source reports for a partial election) whose poll was a by-election held
    the same day, not part of the ordinary election: in the roll from before the election none of the
    ward's councillors was due that year, and in the roll from after it none has the full term of a
    seat filled at that election. Where the roll from after has no full terms at all (the next election
    is all-out, so every term ends then: West Lancashire 2022), the roll from before decides alone. A
    ward the rolls do not name is kept."""
    dropped = []
    for ward in wards:
        key = ward_key(ward)
        was = match_ward(key, before)
        if was is None or None in before[was] or set(before[was]) & due_years(year):
            continue
        if after:
            now = match_ward(key, after)
            if now is None or any(due is None or due >= full_term(year) for due in after[now]):
                continue
        dropped.append(ward)
    return dropped


def wards_due_but_missing(
    wards: Iterable[str], year: int, before: Roll, after: Roll
) -> dict[str, tuple[int, int]]:
    """The wards the roll from before the election has councillors due in, that none of `wards` is:
    for each, the seats due, and the seats the roll from after shows filled at that election (with a
    full term)."""
    keys = [ward_key(ward) for ward in wards]
    missing = {}
    for ward, dues in before.items():
        up = sum(1 for due in dues if due in due_years(year))
        if up and match_ward(ward, keys) is None:
            now = match_ward(ward, after)
            filled = (
                0
                if now is None
                else sum(1 for due in after[now] if due is not None and due >= full_term(year))
            )
            missing[ward] = (up, filled)
    return missing


def decide_seats_up(data: Data, index: NameIndex, rows: list[SeatsRow]) -> list[SeatsRow]:
    """Each row with the seats up at that year's ordinary election (see the module's docstring)."""
    decided = []
    for row in rows:
        code, year, total = row.code, row.year, row.total_seats
        election = data.elections.get((code, year))
        seats_up: int | None = None
        how = ""
        note = data.seats_up_notes.append
        if row.cycle == "all-out":
            seats_up, how = total, "total"
            if election is not None and election.seats != total:
                counted = f"{election.source} counts {election.seats}"
                note(f"{code} {year}: all-out, so {total} seats up (its size); {counted}")
        elif row.cycle and election is None:
            note(f"{code} {year}: {row.cycle}, but no source counts the seats filled: left blank")
        elif row.cycle and election is not None:
            wards = Counter(election.wards)
            before, after = rolls_around(data, index, code, year)
            for ward in separate_by_elections(code, year, wards, before, after):
                note(f"{code} {year}: {ward} ({wards[ward]} seat) left out: a by-election, by the rolls")
                del wards[ward]
            missing = wards_due_but_missing(wards, year, before, after)
            added = {ward: filled for ward, (_, filled) in missing.items() if filled}
            unknown = {ward: due for ward, (due, filled) in missing.items() if not filled}
            seats_up, how = sum(wards.values()) + sum(added.values()), election.source
            if added:
                how = f"{how}|ocd"
                note(f"{code} {year}: {election.source} has no poll in {added}, filled then by the rolls")
            if unknown and not election.complete:
                note(f"{code} {year}: {election.source} counts contested wards only; lacks {unknown}: blank")
                seats_up, how = None, ""
            elif unknown:
                note(
                    f"{code} {year}: {election.source} has no poll in {unknown}, due by the rolls: not added"
                )
            if seats_up is not None and seats_up >= total:
                note(f"{code} {year}: {row.cycle}, but {seats_up} seats up of {total}")
        decided.append(replace(row, seats_up=seats_up, seats_up_source=how))
    return decided


def nearest_size(sizes: dict[int, int], year: int) -> int | None:
    if not sizes:
        return None
    return sizes[min(sizes, key=lambda y: (abs(y - year), y))]


def partial_cycle(statements: list[tuple[str, str]], council_cycles: set[str]) -> str:
    this_year = {cycle for cycle, _ in statements if cycle != "all-out"}
    for choice in ("halves", "thirds"):
        if choice in this_year and (choice == "halves" or "halves" not in council_cycles):
            return choice
    for choice in ("halves", "thirds"):
        if choice in council_cycles:
            return choice
    return ""


def region_allowed(code: str, region: str) -> bool:
    """An English council is in one of the nine regions; a Welsh or Scottish one in its nation."""
    return region in ENGLISH_REGIONS if code[0] == "E" else region == NATION_BY_LETTER[code[0]]


def decide_regions(data: Data, codes: list[str], index: NameIndex) -> tuple[dict[str, str], dict[str, str]]:
    """Each council's region, and how it was found (a source in REGION_SOURCES, or a rule)."""
    regions: dict[str, str] = {}
    how: dict[str, str] = {}

    def give(code: str, region: str, rule: str) -> None:
        regions[code] = region
        how[code] = rule

    for code in codes:
        stated = data.regions.get(code, {})
        for source in REGION_SOURCES:
            if source in stated:
                give(code, stated[source], source)
                break
        if len(set(stated.values())) > 1:
            data.notes.append(f"{code}: regions disagree {stated}; {how[code]} used")
    districts_of: defaultdict[str, set[str]] = defaultdict(set)
    for district, counties in data.county_of.items():
        if len(counties) > 1:
            data.notes.append(f"{district}: in more than one county {sorted(counties)}")
        for county in counties:
            districts_of[county].add(district)
    for county, districts in sorted(districts_of.items()):
        found = {regions[d] for d in districts if d in regions}
        if county not in regions and len(found) == 1:
            give(county, found.pop(), "its districts")
        elif found - {regions.get(county)}:
            data.notes.append(f"{county} ({regions.get(county)}): its districts are in {sorted(found)}")
    for district, counties in sorted(data.county_of.items()):
        found = {regions[c] for c in counties if c in regions}
        if district not in regions and len(found) == 1:
            give(district, found.pop(), "its county")
    for code in codes:  # a council whose code changed is in the same region under either code
        found = {regions[c] for c in index.group_of(code) if c in regions}
        if code not in regions and len(found) == 1:
            give(code, found.pop(), "its other code")
    for code, successors in sorted(SUCCESSORS.items()):
        found = {regions[s] for s in successors if s in regions}
        if len(found) != 1:
            raise SystemExit(f"{code}: its successors {successors} are in regions {sorted(found)}")
        region = found.pop()
        if code not in regions:
            give(code, region, "its successors")
        elif regions[code] != region:
            data.notes.append(f"{code}: {regions[code]} by {how[code]}, but its successors are in {region}")
    for code in codes:
        if not region_allowed(code, regions.get(code, "")):
            raise SystemExit(f"{code}: no region found (region {regions.get(code, '')!r})")
    return regions, how


def everyday_name(data: Data, codes: Iterable[str]) -> str:
    """The first spelling found in NAME_PRIORITY order (the most used one within a source)."""
    for source in NAME_PRIORITY:
        names = [name for code in codes for name in data.spellings[code].get(source, [])]
        if names:
            return sorted(Counter(names).items(), key=lambda item: (-item[1], item[0]))[0][0]
    return ""


def decide_councils(data: Data, index: NameIndex) -> tuple[list[CouncilRow], dict[str, str]]:
    """The register's rows, and how each council's region was found."""
    codes = sorted(data.spellings)
    regions, how = decide_regions(data, codes, index)
    rows: list[CouncilRow] = []
    for code in codes:
        by_source = data.spellings[code]
        name = everyday_name(data, index.group_of(code))
        spellings = {n for names in by_source.values() for n in names}
        aliases = "|".join(sorted(spellings - {name}, key=lambda n: (n.casefold(), n)))
        kind = "other" if code in OTHER_COUNCILS else TYPE_BY_PREFIX[code[:3]]
        for said_type, said in sorted(data.kinds.get(code, set())):
            if said_type != TYPE_BY_PREFIX[code[:3]]:
                data.notes.append(f"{code} {name}: {said}, but the code says {TYPE_BY_PREFIX[code[:3]]}")
        rows.append(CouncilRow(code, name, kind, regions.get(code, ""), NATION_BY_LETTER[code[0]], aliases))
    return rows, how


# ----------------------------------------------------------------------------------------------------
# Writing


def write_csv(path: Path, header: list[str], rows: Iterable[tuple[object, ...]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


DATA_MD_SECTION = """## Councils

Two files built from the published data in `shared/data/raw` by `scripts/build_councils.py`, whose
docstring gives every matching and tie-break rule. Rebuild them, from the project folder, with:

```
.venv/bin/python scripts/build_councils.py ../shared/data/raw
```

- `councils.csv` (`code,name,type,region,nation,aliases`), {councils} rows: one per principal council,
  by the GSS code the sources use. `type` is county, district, unitary, metropolitan, london or other
  (Isles of Scilly, City of London); Welsh and Scottish councils are unitary. `region` is one of the
  nine English regions, by the House of Commons Library's names ("Yorkshire and The Humber", "East of
  England", ...), or, for a Welsh or Scottish council, the nation ("Wales", "Scotland"); every council
  has one. It is the region the Open Innovations hex maps give the council's code (2023 layout, then
  2021), else the Library's; a county takes the region its districts share, a recoded council that of
  its other code, and a council abolished before the hex maps' layouts (Dorset County Council, North
  Dorset, Daventry, Waveney, ...) or a county whose hex has no region (Cumbria, Northamptonshire, ...)
  that of its successors (the script's `SUCCESSORS`, from the structural changes orders). `aliases`
  holds, `|`-separated, every other spelling of the name seen in any source, so an importer that has
  only a name (Open Council Data, the 2025 handbook's tier columns, the 2023 ward sheet) finds the
  code. A council whose code changed (St Albans E07000100, later E07000240) has a row
  per code, and a county replaced by a unitary of the same name (Buckinghamshire, Dorset, North
  Yorkshire, Somerset) shares the name with it; `council_seats.csv` tells which code is in use when.
- `council_seats.csv` (`code,year,total_seats,seats_up,cycle,source,seats_up_source`), {seats} rows:
  the council's size in each year a source tells it. In an all-out year it is the number elected when
  another source agrees (or none gives a size); otherwise the Library's composition total that counts
  vacant seats (2022, 2023), then Open Council Data's, then the Library's seats-held total (2017-2019).
  `cycle` is the kind of election held that year (`all-out`, `thirds`, `halves`; `partial` where no
  source types a partial election), blank when there was none. `source` names the sources that gave
  the size: `leap`, `leh` (Library handbooks), `data_tables` and `cbp9545` (Library composition
  tables), `ocd` (Open Council Data).
- `seats_up` ({seats_up} rows have it) is the number of seats filled at that year's ordinary election,
  known before its first result: its scheduled seats, plus a casual vacancy combined into a ward's
  ordinary poll, but not a separate same-day by-election in another ward. It is blank when the council
  held no ordinary election that year. `seats_up_source` says where it comes from: `total` for an
  all-out year (every seat is up, so seats up is `total_seats`; {up_total} rows), else the seats filled
  ward by ward in that year's results: `leap` (2016-2019, {up_leap} rows) or `leh` (the handbooks'
  vacancies per ward, 2021-2025, {up_leh} rows). The Library's data_tables "Seats Up" and CBP-9545
  "seats" columns say only all-out, thirds or halves, so they count through `cycle`. Same-day
  by-elections in wards with no ordinary poll, which LEAP and the handbooks carry unmarked, are found
  with Open Council Data's councillor rolls (each councillor's next election) and left out (from 2019:
  the rolls for 2016 and 2017 do not show the state of those years, so 2016-2018 are not checked). A
  ward the rolls show due and filled that year, but with no poll in the source (the handbooks leave out
  some wards, uncontested or polled later), is added (`seats_up_source` `leh|ocd`; count: {up_leh_ocd}).
  For a partial 2023 election, whose ward sheet leaves out every uncontested ward, a ward due that the
  rolls cannot show filled would leave seats up blank.

Not in the register, because no source gives them a GSS code: the 11 Northern Ireland councils and the
English districts abolished before 2021 that held no election in 2016-2019 (Aylesbury Vale, Corby,
Poole, ...), which appear only in Open Council Data; the City of London.

Sources, licences and attribution:

- Local Elections Archive Project, Andrew Teale (https://www.andrewteale.me.uk/leap/), results
  2016-2019: CC BY-SA 3.0. Attribution: "Andrew Teale, Local Elections Archive Project".
- Open Council Data UK (https://opencouncildata.co.uk/), council history 2016-2025 and councillor
  rolls: CC BY-SA 4.0. Attribution: "Open Council Data UK".
- House of Commons Library (commonslibrary.parliament.uk): Local Elections Handbooks 2021, 2022, 2023
  (ward level), 2024 and 2025; "Local election results 2023" data tables; CBP-9545 detailed results
  (2022). Contains Parliamentary information licensed under the Open Parliament Licence v3.0.
- Open Innovations hex maps (https://github.com/odileeds/hexmaps), commit
  {hexmaps_commit}: the local authority district maps (2021 and 2023 layouts), for
  `region`, and, copied unchanged into `hexmaps/` (with the notice in `hexmaps/LICENSE`), those two, the
  upper-tier authorities and the 2022 wards by region, for the maps on the pages. MIT licence, whose
  notice follows.

```
{hexmaps_licence}
```

Because two sources are share-alike, these two files are shared under CC BY-SA 4.0 with the
attributions above (and the MIT notice above for what is taken from the hex maps); the project's MIT
licence covers its code, not this data.
"""


def hexmaps_commit(raw: Path) -> str:
    """The hex maps' upstream commit, as their SOURCE.md records it."""
    found = re.search(r"\b[0-9a-f]{40}\b", (raw / HEXMAPS / "SOURCE.md").read_text(encoding="utf-8"))
    if found is None:
        raise SystemExit(f"{raw / HEXMAPS / 'SOURCE.md'}: no commit")
    return found.group(0)


def write_data_md(path: Path, section: str) -> None:
    """Replace (or add) the `## Councils` section of DATA.md, keeping every other section as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Data shipped with tallyroom\n"
    parts = [part for part in re.split(r"(?m)^(?=## )", text) if part]
    ours = [i for i, part in enumerate(parts) if part.splitlines()[0].strip() == DATA_MD_HEADING]
    if ours:
        parts[ours[0]] = section
        parts = [part for i, part in enumerate(parts) if i not in ours[1:]]
    else:
        parts.append(section)
    path.write_text("\n\n".join(part.strip("\n") for part in parts) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("raw", type=Path, help="the raw data folder (shared/data/raw)")
    default_out = Path(__file__).resolve().parent.parent / "src" / "tallyroom" / "data"
    parser.add_argument("--out", type=Path, default=default_out, help="where to write (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="print only the unmatched names")
    args = parser.parse_args(argv)
    raw: Path = args.raw
    out: Path = args.out

    data = Data()
    read_leap(raw, data)
    read_leh_coded(raw, data)
    read_data_tables(raw, data)
    read_cbp9545(raw, data)
    read_hexmaps(raw, data)
    index = NameIndex(data)
    read_ocd(raw, data, index)
    read_leh_2025(raw, data, index)
    read_leh_2023(raw, data, index)
    move_retro_sizes(data, index)

    seats = decide_seats_up(data, index, decide_seats(data, index))
    councils, region_how = decide_councils(data, index)
    out.mkdir(parents=True, exist_ok=True)
    n_councils = write_csv(
        out / "councils.csv",
        ["code", "name", "type", "region", "nation", "aliases"],
        ((c.code, c.name, c.type, c.region, c.nation, c.aliases) for c in councils),
    )
    n_seats = write_csv(
        out / "council_seats.csv",
        ["code", "year", "total_seats", "seats_up", "cycle", "source", "seats_up_source"],
        ((s.code, s.year, s.total_seats, s.seats_up, s.cycle, s.source, s.seats_up_source) for s in seats),
    )
    up_by: Counter[str] = Counter(s.seats_up_source for s in seats if s.seats_up is not None)
    section = DATA_MD_SECTION.format(
        councils=n_councils,
        seats=n_seats,
        seats_up=sum(up_by.values()),
        up_total=up_by["total"],
        up_leap=up_by["leap"],
        up_leh=up_by["leh"],
        up_leh_ocd=up_by["leh|ocd"],
        hexmaps_commit=hexmaps_commit(raw),
        hexmaps_licence=(raw / HEXMAPS / "LICENSE").read_text(encoding="utf-8").strip(),
    )
    write_data_md(out / "DATA.md", section)

    print(f"councils.csv: {n_councils} councils; council_seats.csv: {n_seats} rows")
    print("regions found by:")
    for rule, count in sorted(Counter(region_how.values()).items(), key=lambda item: (-item[1], item[0])):
        derived = sorted(code for code, by in region_how.items() if by == rule)
        shown = f": {' '.join(derived)}" if rule.startswith("its ") else ""
        print(f"  {rule}: {count}{shown}")
    unmatched_names = {name for _, name in data.unmatched}
    print(f"names matched to no code (no coded source has a council of that name): {len(unmatched_names)}")
    by_name: defaultdict[str, list[str]] = defaultdict(list)
    for (source, name), years in sorted(data.unmatched.items()):
        by_name[name].append(f"{source} {min(years)}-{max(years)}")
        if index.slots(name_key(name)):
            raise SystemExit(f"bug: {name!r} fits a coded council but was not matched")
    for name, seen in sorted(by_name.items()):
        print(f"  {name} ({'; '.join(seen)})")
    elections = sum(1 for s in seats if s.cycle)
    print(
        f"seats up: {sum(up_by.values())} of {elections} council-years with an election, from {dict(up_by)}"
    )
    if not args.quiet:
        print(f"disagreements and notes ({len(data.notes)}):")
        for note in sorted(set(data.notes)):
            print(f"  {note}")
        print(f"seats up: disagreements and notes ({len(data.seats_up_notes)}):")
        for note in sorted(set(data.seats_up_notes)):
            print(f"  {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
