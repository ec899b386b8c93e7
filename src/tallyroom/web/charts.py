"""Server-rendered SVG charts for the results pages, embedded inline in the HTML.

Every chart is a `Chart`: the `<svg>`, labelled by its own `<title>` and `<desc>`, drawn at two widths
(the page shows the one that fits, so text stays 12 px on a phone), and `text`, the same content as a
plain sentence for the page to show under the chart. Every string that comes from data is
escaped. Parties are drawn with their swatch on the page's palette: colour, pattern and, where there is room,
label.
Element and pattern ids start with a hash of the chart's content, so charts on one page do not clash.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache

from markupsafe import Markup, escape

from tallyroom.rules.parties import Party
from tallyroom.web.palette import WHITE, Palette, Pattern, Swatch

WIDTH = 600
NARROW = 296
"""The chart widths, in pixels at 12 px text: a wide screen's, and the narrowest phone's (320 px less
the page's margins)."""
MARGIN = 10
FONT = 12
CHAR = 7  # a generous width of one character at FONT, to decide whether a label fits
INK = "#333333"
MINUS = "\u2212"
EMPTY = Swatch(WHITE, "#8c8c8c", Pattern.STRIPES, "")  # seats not yet declared

# Pattern tiles are 6 units square: the marks drawn in the swatch's text colour, and a rotation.
MARKS = {
    Pattern.SOLID: (Markup(""), 0),
    Pattern.STRIPES: (Markup('<rect width="2" height="6"/>'), 45),
    Pattern.HSTRIPES: (Markup('<rect width="2" height="6"/>'), 90),
    Pattern.CROSSHATCH: (Markup('<rect width="1.5" height="6"/><rect width="6" height="1.5"/>'), 45),
    Pattern.DOTS: (Markup('<circle cx="3" cy="3" r="1.4"/>'), 45),
}
# The same marks on a 14 unit key, drawn without a <pattern> (keys repeat on a page; ids must not).
KEY_MARKS = {
    Pattern.SOLID: "",
    Pattern.STRIPES: "M0 7L7 0M0 14L14 0M7 14L14 7",
    Pattern.HSTRIPES: "M0 3.5H14M0 7H14M0 10.5H14",
    Pattern.CROSSHATCH: "M0 7L7 0M0 14L14 0M7 14L14 7M0 7L7 14M0 0L14 14M7 0L14 7",
    Pattern.DOTS: "M3 3.5h1M10 3.5h1M6.5 7h1M3 10.5h1M10 10.5h1",
}


@dataclass(frozen=True, slots=True)
class Chart:
    """The chart as an inline `<svg>` `WIDTH` wide, the same `NARROW` wide, and its text equivalent."""

    svg: Markup
    narrow: Markup
    text: str


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _signed(number: int) -> str:
    return f"+{number:,}" if number > 0 else f"{MINUS}{-number:,}" if number < 0 else "0"


def _tag(name: str, body: str = "", /, **attrs: object) -> Markup:
    """An element. Attribute names take `-` for `_` (`class_` is `class`) and a None value leaves the
    attribute out; values and a str body are escaped, a Markup body is not. Built as one string (a
    chart has hundreds of elements: `Markup.format` per element was half a page's render)."""
    pairs = "".join(
        [f' {_attribute(key)}="{_value(value)}"' for key, value in attrs.items() if value is not None]
    )
    if not body:
        return Markup(f"<{name}{pairs}/>")
    inner = body if isinstance(body, Markup) else escape(body)
    return Markup(f"<{name}{pairs}>{inner}</{name}>")


def _value(value: object) -> str:
    """An attribute's value as written: a number as it is (digits need no escaping), else escaped."""
    if isinstance(value, float):
        return _num(value)
    if type(value) is int:
        return str(value)
    return _escaped(value) if type(value) is str else escape(value)


@lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    """A text value escaped once: the charts of a night repeat a few hundred colours, classes and ids."""
    return escape(text)


@cache
def _attribute(key: str) -> str:
    return key.rstrip("_").replace("_", "-")


def _uid(kind: str, title: str, text: str) -> str:
    return f"{kind}-{hashlib.sha1(f'{title}|{text}'.encode()).hexdigest()[:8]}"


def _url(uid: str, index: int) -> str:
    return f"url(#{uid}-{index})"


def _pattern(pattern_id: str, colours: Swatch) -> Markup:
    return _tag(
        "pattern",
        _tile(colours),
        id=pattern_id,
        width=6,
        height=6,
        patternUnits="userSpaceOnUse",
        patternTransform=f"rotate({MARKS[colours.pattern][1]})",
    )


@lru_cache(maxsize=1024)
def _tile(colours: Swatch) -> Markup:
    """A pattern's tile, made once a swatch: each chart is drawn twice, and the night's pages share
    their parties' swatches."""
    marks, _angle = MARKS[colours.pattern]
    return _tag("rect", width=6, height=6, fill=colours.fill) + _tag(
        "g", marks, fill=colours.text, fill_opacity=0.5
    )


def _svg(
    uid: str,
    size: tuple[float, float],
    title: str,
    text: str,
    swatches: Sequence[Swatch],
    body: list[Markup],
) -> Markup:
    defs = Markup("").join(_pattern(f"{uid}-{i}", s) for i, s in enumerate(swatches))
    content = Markup("").join(
        [
            _tag("title", title, id=f"{uid}-title"),
            _tag("desc", text, id=f"{uid}-desc"),
            _tag("defs", defs),
            *body,
        ]
    )
    return _tag(
        "svg",
        content,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {_num(size[0])} {_num(size[1])}",
        width=_num(size[0]),
        role="img",
        aria_labelledby=f"{uid}-title {uid}-desc",
        font_family="system-ui, sans-serif",
        font_size=FONT,
    )


Layout = Callable[[str, float], tuple[float, list[Markup]]]
"""Draws a chart at a width, its ids starting with a prefix: its height and elements."""


def _chart(kind: str, title: str, text: str, swatches: Sequence[Swatch], layout: Layout) -> Chart:
    """The chart drawn twice, `WIDTH` wide and `NARROW` wide, for the page to show the one that fits."""
    drawn = []
    for width in (WIDTH, NARROW):
        uid = _uid(f"{kind}{width}", title, text)
        height, body = layout(uid, width)
        drawn.append(_svg(uid, (width, height), title, text, swatches, body))
    return Chart(drawn[0], drawn[1], text)


def key(colours: Swatch | None) -> Markup:
    """A 14 pixel key: the swatch's fill with its pattern's marks, or nothing for no swatch."""
    if colours is None:
        return Markup("")
    marks = KEY_MARKS[colours.pattern]
    return _tag(
        "svg",
        _tag("rect", x=0.5, y=0.5, width=13, height=13, rx=2, fill=colours.fill, stroke=INK)
        + (
            _tag("path", d=marks, stroke=colours.text, stroke_width=1.5, stroke_linecap="round")
            if marks
            else ""
        ),
        class_="key",
        aria_hidden="true",
        focusable="false",
        width=14,
        height=14,
        viewBox="0 0 14 14",
    )


def _swatches(parties: Iterable[Party], palette: Palette | None) -> tuple[list[Swatch], dict[str, int]]:
    """One swatch per distinct party (from the page's palette, else one for these parties alone), and
    each party id's index among them."""
    unique = {party.id: party for party in parties}
    colours = palette or Palette(unique.values())
    return [colours[party] for party in unique.values()], {party_id: i for i, party_id in enumerate(unique)}


def _ordered(seats: Sequence[tuple[Party, int]], total: int) -> list[tuple[Party, int]]:
    """Parties holding seats, largest first; parties with none are left out."""
    if any(n < 0 for _, n in seats) or sum(n for _, n in seats) > total:
        raise ValueError(f"seats {[n for _, n in seats]} do not fit in {_count(total, 'seat')}")
    return sorted(((party, n) for party, n in seats if n), key=lambda held: (-held[1], held[0].name))


class Empty(StrEnum):
    """What the seats no party holds are, one word for them on every chart of a page."""

    UNDECLARED = "undeclared"
    VACANT = "vacant"


def _make_up(ordered: Sequence[tuple[Party, int]], total: int, rest: Empty) -> str:
    """The make-up in words: "Conservative 45, Labour 14, 5 undeclared of 64 seats"."""
    empty = total - sum(n for _, n in ordered)
    parts = [f"{party.name} {n:,}" for party, n in ordered] + ([f"{empty:,} {rest}"] if empty else [])
    return f"{', '.join(parts)} of {_count(total, 'seat')}" if parts else _count(total, "seat")


def _legend_entries(ordered: Sequence[tuple[Party, int]], total: int, rest: Empty) -> list[tuple[int, str]]:
    entries = [(i, f"{party.name} {n:,}") for i, (party, n) in enumerate(ordered)]
    empty = total - sum(n for _, n in ordered)
    return entries + ([(len(ordered), f"{rest.capitalize()} {empty:,}")] if empty else [])


def _legend(
    uid: str, entries: Sequence[tuple[int, str]], top: float, width: float
) -> tuple[list[Markup], float]:
    """Key boxes (pattern index, text) in rows from `top`; returns the elements and the bottom."""
    parts: list[Markup] = []
    x, y = float(MARGIN), top
    for index, label in entries:
        room = 20 + len(label) * CHAR + 16
        if x > MARGIN and x + room > width - MARGIN:
            x, y = float(MARGIN), y + 22
        parts.append(_tag("rect", x=x, y=y, width=14, height=14, fill=_url(uid, index), stroke=INK))
        parts.append(_tag("text", label, x=x + 20, y=y + 11))
        x += room
    return parts, y + 22


def seat_bar(
    seats: Sequence[tuple[Party, int]],
    total: int,
    threshold: int | None,
    declared: int | None = None,
    *,
    title: str = "Seats on the council",
    palette: Palette | None = None,
    empty: Empty = Empty.UNDECLARED,
) -> Chart:
    """The council's make-up as one stacked bar, largest party first, with the majority marked above
    and below the bar at `threshold` (none where that is None or 0, not known), never across a party's
    segment. Seats not held are an empty hatched segment, named by `empty`; `declared` (seats declared
    so far) is said in the text where given."""
    if total < 1 or not 0 <= (threshold or 0) <= total or not 0 <= (declared or 0) <= total:
        raise ValueError(f"total {total}, threshold {threshold}, declared {declared}: out of range")
    ordered = _ordered(seats, total)
    text = _make_up(ordered, total, empty)
    text += "" if declared is None else f", {declared:,} declared"
    text += f"; {threshold:,} needed for a majority." if threshold else "."
    swatches, _ = _swatches((party for party, _ in ordered), palette)

    def layout(uid: str, width: float) -> tuple[float, list[Markup]]:
        top, bar, strip = 26, 30, 7
        scale = (width - 2 * MARGIN) / total
        body: list[Markup] = []
        x = float(MARGIN)
        for index, ((party, n), colours) in enumerate(zip(ordered, swatches, strict=True)):
            size = n * scale
            segment = {"x": x, "y": top, "width": size, "height": bar}
            body.append(_tag("rect", class_="seats", data_party=party.id, **segment, fill=colours.fill))
            body.append(
                _tag("rect", x=x, y=top + bar - strip, width=size, height=strip, fill=_url(uid, index))
            )
            label = f"{colours.label} {n:,}"
            if len(label) * CHAR + 8 <= size:
                body.append(
                    _tag("text", label, x=x + size / 2, y=top + 16, fill=colours.text, text_anchor="middle")
                )
            x += size
        unheld = total - sum(n for _, n in ordered)
        if unheld:
            hatched = {"x": x, "y": top, "width": unheld * scale, "height": bar}
            body.append(_tag("rect", class_="seats", **hatched, fill=_url(uid, len(ordered))))
        body.append(
            _tag("rect", x=MARGIN, y=top, width=width - 2 * MARGIN, height=bar, fill="none", stroke=INK)
        )
        if threshold:
            at = MARGIN + threshold * scale
            marker = f"M{_num(at - 5)} {top - 7}h10l-5 6zM{_num(at - 5)} {top + bar + 7}h10l-5 -6z"
            body.append(_tag("path", class_="majority", d=marker, fill=INK))
            anchor = "end" if at > width * 0.8 else "start" if at < width * 0.2 else "middle"
            body.append(_tag("text", f"{threshold:,} for a majority", x=at, y=top - 10, text_anchor=anchor))
        legend, bottom = _legend(uid, _legend_entries(ordered, total, empty), top + bar + 16, width)
        return bottom, body + legend

    return _chart("seats", title, text, [*swatches, EMPTY], layout)


def _hemicycle_rows(rows: int, radius: float) -> tuple[float, list[tuple[float, int]]]:
    """The distance between rows, and each row's radius and the most seats it holds."""
    pitch = radius * 0.6 / rows
    radii = [radius - i * pitch for i in range(rows)]
    return pitch, [(r, math.floor(math.pi * r / pitch) + 1) for r in radii]


def _seat_positions(
    total: int, centre: tuple[float, float], radius: float
) -> tuple[list[tuple[float, float]], float]:
    """Centres of `total` seats, left to right by angle, and the dot radius. As few rows as hold the
    seats; seats are shared across rows in proportion to their length (largest remainder)."""
    rows = next(
        n for n in itertools.count(1) if sum(room for _, room in _hemicycle_rows(n, radius)[1]) >= total
    )
    pitch, radii = _hemicycle_rows(rows, radius)
    capacity = sum(room for _, room in radii)
    quotas = [total * room / capacity for _, room in radii]
    counts = [math.floor(q) for q in quotas]
    for i in sorted(range(rows), key=lambda i: counts[i] - quotas[i])[: total - sum(counts)]:
        counts[i] += 1
    seats = [
        (math.pi / 2 if k == 1 else math.pi * j / (k - 1), r)
        for (r, _), k in zip(radii, counts, strict=True)
        for j in range(k)
    ]
    seats.sort(key=lambda seat: (-seat[0], -seat[1]))
    cx, cy = centre
    return [(cx + r * math.cos(a), cy - r * math.sin(a)) for a, r in seats], 0.4 * pitch


def hemicycle(
    seats: Sequence[tuple[Party, int]],
    total: int,
    *,
    title: str = "Seats on the council",
    palette: Palette | None = None,
    empty: Empty = Empty.UNDECLARED,
) -> Chart:
    """A parliament chart: one dot per seat in rows of a half circle, each party a wedge, largest party
    on the left, seats no party holds (named by `empty`) hatched on the right."""
    ordered = _ordered(seats, total)
    text = f"{_make_up(ordered, total, empty)}."
    swatches, _ = _swatches((party for party, _ in ordered), palette)
    holders: list[tuple[int, Party | None]] = [(i, p) for i, (p, n) in enumerate(ordered) for _ in range(n)]
    holders += [(len(ordered), None)] * (total - len(holders))

    def layout(uid: str, width: float) -> tuple[float, list[Markup]]:
        radius = min(200.0, (width - 2 * MARGIN) / 2 - 10)
        centre = (width / 2, 8 + radius * 1.24)
        positions, dot = _seat_positions(total, centre, radius)
        body = [
            _tag(
                "circle",
                cx=x,
                cy=y,
                r=dot,
                fill=_url(uid, index),
                stroke=INK,
                stroke_width=0.75,
                data_party=party.id if party else None,
            )
            for (x, y), (index, party) in zip(positions, holders, strict=True)
        ]
        top = centre[1] + radius * 0.24 + 12
        legend, bottom = _legend(uid, _legend_entries(ordered, total, empty), top, width)
        return bottom, body + legend

    return _chart("hemicycle", title, text, [*swatches, EMPTY], layout)


def _share(votes: int, total: int) -> float:
    return 100 * votes / total if total else 0.0


def vote_shares(
    rows: Sequence[tuple[str, Party, int | None, bool]],
    *,
    title: str = "Votes cast",
    palette: Palette | None = None,
) -> Chart:
    """Each candidate's votes as a bar of their share of all votes cast, most votes first; a row is
    (candidate, party, votes or None where the ward was uncontested, elected). Winners carry the word
    "Elected"; an uncontested ward has no bars, only "Elected unopposed". A label too long for the
    width takes two lines: the candidate, then the votes."""
    contested = [votes is not None for _, _, votes, _ in rows]
    if not rows or any(contested) != all(contested):
        raise ValueError("give votes for every candidate, or for none where the ward was uncontested")
    total = sum(votes or 0 for _, _, votes, _ in rows)
    ordered = sorted(rows, key=lambda row: -(row[2] or 0))
    labels = [
        (
            f"{name} ({party.name})",
            "" if votes is None else f"{_count(votes, 'vote')}, {_share(votes, total):.1f}%",
        )
        for name, party, votes, _ in ordered
    ]
    markers = [
        ("Elected" if votes is not None else "Elected unopposed") if elected else ""
        for _, _, votes, elected in ordered
    ]
    text = (
        "; ".join(
            ", ".join(part for part in (f"{who} {figures}".strip(), marker.lower()) if part)
            for (who, figures), marker in zip(labels, markers, strict=True)
        )
        + "."
    )
    swatches, index = _swatches((party for _, party, _, _ in rows), palette)

    def layout(uid: str, width: float) -> tuple[float, list[Markup]]:
        inner = width - 2 * MARGIN
        body: list[Markup] = []
        y = 6.0
        for (_, party, votes, _), (who, figures), marker in zip(ordered, labels, markers, strict=True):
            tspan = _tag("tspan", marker, dx=8, font_weight="bold") if marker else Markup("")
            lines = [f"{who} {figures}".strip()]
            if len(lines[0] + marker) * CHAR + 8 > inner:
                lines = [who, figures] if figures else [who]
            for i, line in enumerate(lines):
                last = i == len(lines) - 1
                body.append(_tag("text", escape(line) + (tspan if last else ""), x=MARGIN, y=y + 12))
                y += 16
            if votes is not None:
                bar = {"x": MARGIN, "y": y + 2, "height": 14}
                body.append(_tag("rect", **bar, width=inner, fill="#eeeeee"))
                size = inner * _share(votes, total) / 100
                fill = _url(uid, index[party.id])
                body.append(
                    _tag("rect", class_="bar", data_party=party.id, **bar, width=size, fill=fill, stroke=INK)
                )
                y += 24
            else:
                y += 6
        return y, body

    return _chart("votes", title, text, swatches if all(contested) else [], layout)


def change_bars(
    changes: Sequence[tuple[Party, int]],
    *,
    title: str = "Net change in seats",
    palette: Palette | None = None,
) -> Chart:
    """Net seats won or lost by each party, in the order given: gains to the right of a zero axis,
    losses to the left, each labelled "+8" or "−10"."""
    text = (
        f"Net change in seats: {', '.join(f'{party.name} {_signed(n)}' for party, n in changes) or 'none'}."
    )
    swatches, index = _swatches((party for party, _ in changes), palette)

    def layout(uid: str, width: float) -> tuple[float, list[Markup]]:
        axis, step = width / 2, 40
        scale = (axis - MARGIN - 50) / max([abs(n) for _, n in changes] + [1])
        body: list[Markup] = []
        for row, (party, n) in enumerate(changes):
            y = 6 + row * step
            body.append(_tag("text", party.name, x=MARGIN, y=y + 12))
            start, size = (axis, n * scale) if n >= 0 else (axis + n * scale, -n * scale)
            if n:
                body.append(
                    _tag(
                        "rect",
                        class_="change",
                        data_party=party.id,
                        x=start,
                        y=y + 18,
                        width=size,
                        height=14,
                        fill=_url(uid, index[party.id]),
                        stroke=INK,
                    )
                )
            label_x, anchor = (start - 4, "end") if n < 0 else (start + size + 4, "start")
            body.append(_tag("text", _signed(n), x=label_x, y=y + 30, text_anchor=anchor))
        height = 6 + len(changes) * step
        body.append(_tag("line", x1=axis, x2=axis, y1=2, y2=height, stroke=INK))
        return height, body

    return _chart("change", title, text, swatches, layout)
