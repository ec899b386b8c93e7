"""Hex maps of a night's councils and of a council's wards, drawn as inline SVG.

The layouts are Open Innovations' HexJSON cartograms (MIT, notice in `data/hexmaps/LICENSE`): one hex
per local authority district, one per upper-tier authority, and one per 2022 ward. A map is a `Chart`
like every other: an `<svg>` with its own title and description, and a sentence saying the same.
Each hex is a link, carries the place's GSS code as a data attribute, and has a tooltip naming the
place and its state in words, so colour is never the only thing that tells.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from markupsafe import Markup

from tallyroom.web.charts import INK, _count, _pattern, _tag, _uid
from tallyroom.web.palette import Pattern, Swatch

SIZE = 10.0
"""A hex's circumradius, in SVG units."""
SCALE = 1.5
"""Pixels to an SVG unit at full size: a hex 26 pixels across; smaller screens scale the map down."""
NOT_UP = Swatch("#f2f2f2", "#8c8c8c", Pattern.SOLID, "")


class Offset(enum.Enum):
    """How a HexJSON layout staggers its rows or columns."""

    ODD_R = "odd-r"
    EVEN_R = "even-r"
    ODD_Q = "odd-q"
    EVEN_Q = "even-q"


class State(enum.Enum):
    """What a hex shows, in the words its tooltip and the text alternative use."""

    WON = "won"
    UNDECIDED = "undecided"
    TO_DECLARE = "still to declare"
    NOT_UP = "no election tonight"


@dataclass(frozen=True, slots=True)
class Hex:
    code: str
    name: str
    q: int
    r: int


@dataclass(frozen=True, slots=True)
class Layout:
    offset: Offset
    hexes: dict[str, Hex]


@dataclass(frozen=True, slots=True)
class Tile:
    """One place on a map: where it is, what it shows and where it links."""

    hex: Hex
    state: State
    swatch: Swatch
    key: str
    """What the colour means, for the map's key: a party, "no overall control", "still to declare"."""
    words: str
    """The tooltip: the place and what happened there."""
    href: str | None
    marked: bool = False
    """Drawn with a dark outline, for a gain."""


def _read(name: str) -> Layout:
    raw = json.loads(resources.files("tallyroom.data").joinpath("hexmaps").joinpath(name).read_text("utf-8"))
    hexes = {code: Hex(code, h["n"], int(h["q"]), int(h["r"])) for code, h in raw["hexes"].items()}
    return Layout(Offset(raw["layout"]), hexes)


@cache
def districts() -> Layout:
    """Every local authority district of 2023, with those merged away since 2021 where their place is
    still free, so a night before the merger can be drawn too."""
    newer, older = (
        _read("uk-local-authority-districts-2023.hexjson"),
        _read("uk-local-authority-districts-2021.hexjson"),
    )
    taken = {(h.q, h.r) for h in newer.hexes.values()}
    hexes = dict(newer.hexes)
    for code, h in older.hexes.items():
        if code not in hexes and (h.q, h.r) not in taken:
            hexes[code] = h
    return Layout(newer.offset, hexes)


@cache
def upper_tier() -> Layout:
    return _read("uk-upper-tier-local-authorities.hexjson")


@cache
def ward_layouts() -> dict[str, Layout]:
    """Every council's 2022 wards, read from the layouts once (a council in two of them: the first's)."""
    folder = resources.files("tallyroom.data").joinpath("hexmaps").joinpath("wards-2022")
    councils: dict[str, Layout] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        raw = json.loads(entry.read_text("utf-8"))
        found: dict[str, dict[str, Hex]] = {}
        for code, h in raw["hexes"].items():
            found.setdefault(h["LAD22CD"], {})[code] = Hex(code, h["n"], int(h["q"]), int(h["r"]))
        for council, hexes in found.items():
            councils.setdefault(council, Layout(Offset(raw["layout"]), hexes))
    return councils


def wards_of(council: str) -> Layout | None:
    """The 2022 wards of a council, or None when the layout has none for it."""
    return ward_layouts().get(council)


def centre(offset: Offset, q: int, r: int) -> tuple[float, float]:
    """Where a hex's centre lies, with rows numbered upwards as HexJSON numbers them."""
    wide = math.sqrt(3) * SIZE
    if offset in (Offset.ODD_R, Offset.EVEN_R):
        shift = (r & 1) if offset is Offset.ODD_R else 1 - (r & 1)
        return wide * (q + shift / 2), -1.5 * SIZE * r
    shift = (q & 1) if offset is Offset.ODD_Q else 1 - (q & 1)
    return 1.5 * SIZE * q, -wide * (r + shift / 2)


def _corners(offset: Offset, x: float, y: float) -> str:
    start = 30 if offset in (Offset.ODD_R, Offset.EVEN_R) else 0
    points = (
        (x + SIZE * math.cos(math.radians(start + 60 * i)), y + SIZE * math.sin(math.radians(start + 60 * i)))
        for i in range(6)
    )
    return "M" + "L".join(f"{px:.1f},{py:.1f}" for px, py in points) + "Z"


@dataclass(frozen=True, slots=True)
class HexMap:
    """A map: its `<svg>`, its key (a swatch and what it means, as HTML beside the map so the words
    keep their size on a phone), and `text`, the same facts as a sentence."""

    title: str
    svg: Markup
    key: list[tuple[Markup, str]]
    text: str


def hex_map(tiles: Sequence[Tile], offset: Offset, *, title: str, attribute: str, summary: str) -> HexMap:
    """A map of `tiles`. Each hex carries `data-<attribute>` with its GSS code."""
    if not tiles:
        return HexMap(title, Markup(""), [], summary)
    centres = [centre(offset, t.hex.q, t.hex.r) for t in tiles]
    xs, ys = [x for x, _ in centres], [y for _, y in centres]
    pad = SIZE * 1.2
    left, top = min(xs) - pad, min(ys) - pad
    width, height = max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad
    uid = _uid("map", title, summary)
    keys = _keys(tiles)
    swatches = list(dict.fromkeys(s for s, _ in keys))
    shapes = []
    for tile, (x, y) in zip(tiles, centres, strict=True):
        path = _tag(
            "path",
            _tag("title", tile.words),
            d=_corners(offset, x, y),
            fill=_fill(uid, swatches, tile.swatch),
            stroke=INK if tile.marked else None,  # else the group's
            stroke_width=2 if tile.marked else None,
            **{f"data_{attribute}": tile.hex.code, "data_state": tile.state.value},
        )
        shapes.append(_tag("a", path, href=tile.href, aria_label=tile.words) if tile.href else path)
    svg = _tag(
        "svg",
        _tag("title", f"Map: {title}", id=f"{uid}-title")
        + _tag("desc", summary, id=f"{uid}-desc")
        + _defs(uid, swatches)
        + _tag("g", Markup("").join(shapes), stroke="#ffffff", stroke_width=1),
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"{left:.1f} {top:.1f} {width:.1f} {height:.1f}",
        width=f"{width * SCALE:.0f}",
        height=f"{height * SCALE:.0f}",
        role="group",
        aria_labelledby=f"{uid}-title {uid}-desc",
        class_="hexmap",
    )
    key = [(_sample(f"{uid}-k{i}", offset, swatch), words) for i, (swatch, words) in enumerate(keys)]
    if any(t.marked for t in tiles):
        key.append((_sample(f"{uid}-gain", offset, None), "outlined: gained tonight"))
    return HexMap(title, svg, key, summary)


def _keys(tiles: Sequence[Tile]) -> list[tuple[Swatch, str]]:
    """Each colour shown and what it means: what won, most often first, then what did not."""
    counts: dict[tuple[Swatch, str], int] = {}
    for tile in tiles:
        counts[tile.swatch, tile.key] = counts.get((tile.swatch, tile.key), 0) + 1
    order = list(State)
    states = {(t.swatch, t.key): order.index(t.state) for t in tiles}
    return sorted(counts, key=lambda k: (states[k], -counts[k], k[1]))


def _defs(uid: str, swatches: Sequence[Swatch]) -> Markup:
    return _tag("defs", Markup("").join(_pattern(f"{uid}-{i}", s) for i, s in enumerate(swatches)))


def _sample(uid: str, offset: Offset, swatch: Swatch | None) -> Markup:
    """One hex for the key: a swatch, or an outline alone for `None`."""
    shape = _corners(offset, SIZE, SIZE)
    if swatch is None:
        body = _tag("path", d=shape, fill="none", stroke=INK, stroke_width=2)
    else:
        body = _defs(uid, [swatch]) + _tag("path", d=shape, fill=_fill(uid, [swatch], swatch))
    side = f"{2 * SIZE:.0f}"
    return _tag("svg", body, viewBox=f"0 0 {side} {side}", width="16", height="16", aria_hidden="true")


def _fill(uid: str, swatches: list[Swatch], swatch: Swatch) -> str:
    return swatch.fill if swatch.pattern == "solid" else f"url(#{uid}-{swatches.index(swatch)})"


def tally(tiles: Iterable[Tile], what: str) -> str:
    """A sentence counting the tiles by what they show: the map's text alternative."""
    counts: dict[str, int] = {}
    for tile in tiles:
        counts[tile.key] = counts.get(tile.key, 0) + 1
    parts = [f"{_count(n, what)} {key}" for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "; ".join(parts) + "." if parts else f"No {what}s to show."
