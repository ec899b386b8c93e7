"""Server-rendered SVG charts for the results pages, embedded inline in the HTML.

Every chart is a `Chart`: the `<svg>`, labelled by its own `<title>` and `<desc>`, and `text`, the same
content as a plain sentence for the page to show under the chart. Every string that comes from data is
escaped. Parties are drawn with their palette swatch: colour, pattern and, where there is room, label.
Element and pattern ids start with a hash of the chart's content, so charts on one page do not clash.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from tallyroom.rules.parties import Party
from tallyroom.web.palette import WHITE, Swatch, swatch

WIDTH = 600
MARGIN = 10
FONT = 12
CHAR = 7  # a generous width of one character at FONT, to decide whether a label fits
INK = "#333333"
MINUS = "\u2212"
EMPTY = Swatch(WHITE, "#8c8c8c", "stripes", "")  # unfilled or undeclared seats

# Pattern tiles are 6 units square: the marks drawn in the swatch's text colour, and a rotation.
MARKS = {
    "solid": (Markup(""), 0),
    "stripes": (Markup('<rect width="2" height="6"/>'), 45),
    "hstripes": (Markup('<rect width="2" height="6"/>'), 90),
    "crosshatch": (Markup('<rect width="1.5" height="6"/><rect width="6" height="1.5"/>'), 45),
    "dots": (Markup('<circle cx="3" cy="3" r="1.4"/>'), 45),
}


@dataclass(frozen=True, slots=True)
class Chart:
    """An inline `<svg>` and its text equivalent."""

    svg: Markup
    text: str


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _signed(number: int) -> str:
    return f"+{number:,}" if number > 0 else f"{MINUS}{-number:,}" if number < 0 else "0"


def _tag(name: str, body: str = "", /, **attrs: object) -> Markup:
    """An element. Attribute names take `-` for `_` (`class_` is `class`) and a None value leaves the
    attribute out; values and a str body are escaped, a Markup body is not."""
    pairs = Markup("").join(
        Markup(' {}="{}"').format(
            Markup(key.rstrip("_").replace("_", "-")), _num(value) if isinstance(value, float) else value
        )
        for key, value in attrs.items()
        if value is not None
    )
    if not body:
        return Markup("<{}{}/>").format(Markup(name), pairs)
    return Markup("<{0}{1}>{2}</{0}>").format(Markup(name), pairs, body)


def _uid(kind: str, title: str, text: str) -> str:
    return f"{kind}-{hashlib.sha1(f'{title}|{text}'.encode()).hexdigest()[:8]}"


def _url(uid: str, index: int) -> str:
    return f"url(#{uid}-{index})"


def _pattern(pattern_id: str, colours: Swatch) -> Markup:
    marks, angle = MARKS[colours.pattern]
    return _tag(
        "pattern",
        _tag("rect", width=6, height=6, fill=colours.fill)
        + _tag("g", marks, fill=colours.text, fill_opacity=0.5),
        id=pattern_id,
        width=6,
        height=6,
        patternUnits="userSpaceOnUse",
        patternTransform=f"rotate({angle})",
    )


def _svg(
    uid: str, title: str, text: str, height: float, swatches: Sequence[Swatch], body: list[Markup]
) -> Chart:
    defs = Markup("").join(_pattern(f"{uid}-{i}", s) for i, s in enumerate(swatches))
    content = Markup("").join(
        [
            _tag("title", title, id=f"{uid}-title"),
            _tag("desc", text, id=f"{uid}-desc"),
            _tag("defs", defs),
            *body,
        ]
    )
    svg = _tag(
        "svg",
        content,
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {WIDTH} {_num(height)}",
        width="100%",
        role="img",
        aria_labelledby=f"{uid}-title {uid}-desc",
        font_family="system-ui, sans-serif",
        font_size=FONT,
    )
    return Chart(svg, text)


def _swatches(parties: Iterable[Party]) -> tuple[list[Swatch], dict[str, int]]:
    """One swatch per distinct party, and each party id's index among them."""
    unique = {party.id: party for party in parties}
    return [swatch(party) for party in unique.values()], {party_id: i for i, party_id in enumerate(unique)}


def _ordered(seats: Sequence[tuple[Party, int]], total: int) -> list[tuple[Party, int]]:
    """Parties holding seats, largest first; parties with none are left out."""
    if any(n < 0 for _, n in seats) or sum(n for _, n in seats) > total:
        raise ValueError(f"seats {[n for _, n in seats]} do not fit in {_count(total, 'seat')}")
    return sorted(((party, n) for party, n in seats if n), key=lambda held: (-held[1], held[0].name))


def _make_up(ordered: Sequence[tuple[Party, int]], total: int, rest: str) -> str:
    """The make-up in words: "Conservative 45, Labour 14, 5 unfilled of 64 seats"."""
    empty = total - sum(n for _, n in ordered)
    parts = [f"{party.name} {n:,}" for party, n in ordered] + ([f"{empty:,} {rest}"] if empty else [])
    return f"{', '.join(parts)} of {_count(total, 'seat')}" if parts else _count(total, "seat")


def _legend(uid: str, entries: Sequence[tuple[int, str]], top: float) -> tuple[list[Markup], float]:
    """Key boxes (pattern index, text) in rows from `top`; returns the elements and the bottom."""
    parts: list[Markup] = []
    x, y = float(MARGIN), top
    for index, label in entries:
        width = 20 + len(label) * CHAR + 16
        if x > MARGIN and x + width > WIDTH - MARGIN:
            x, y = float(MARGIN), y + 22
        parts.append(_tag("rect", x=x, y=y, width=14, height=14, fill=_url(uid, index), stroke=INK))
        parts.append(_tag("text", label, x=x + 20, y=y + 11))
        x += width
    return parts, y + 22


def seat_bar(
    seats: Sequence[tuple[Party, int]],
    total: int,
    threshold: int | None,
    declared: int | None = None,
    *,
    title: str = "Seats on the council",
) -> Chart:
    """The council's make-up as one stacked bar, largest party first, with the majority line at
    `threshold` (none where that is None or 0, not known). Seats not held are an empty hatched segment:
    "undeclared" when `declared` (the number of seats declared so far) is given, else "unfilled"."""
    if total < 1 or not 0 <= (threshold or 0) <= total or not 0 <= (declared or 0) <= total:
        raise ValueError(f"total {total}, threshold {threshold}, declared {declared}: out of range")
    ordered = _ordered(seats, total)
    rest = "unfilled" if declared is None else "undeclared"
    text = _make_up(ordered, total, rest)
    text += "" if declared is None else f", {declared:,} declared"
    text += f"; {threshold:,} needed for a majority." if threshold else "."
    uid = _uid("seats", title, text)
    swatches, _ = _swatches(party for party, _ in ordered)
    top, bar, strip = 26, 30, 7
    scale = (WIDTH - 2 * MARGIN) / total
    body: list[Markup] = []
    x = float(MARGIN)
    for index, ((party, n), colours) in enumerate(zip(ordered, swatches, strict=True)):
        width = n * scale
        segment = {"x": x, "y": top, "width": width, "height": bar}
        body.append(_tag("rect", class_="seats", data_party=party.id, **segment, fill=colours.fill))
        body.append(_tag("rect", x=x, y=top + bar - strip, width=width, height=strip, fill=_url(uid, index)))
        label = f"{colours.label} {n:,}"
        if len(label) * CHAR + 8 <= width:
            body.append(
                _tag("text", label, x=x + width / 2, y=top + 16, fill=colours.text, text_anchor="middle")
            )
        x += width
    empty = total - sum(n for _, n in ordered)
    if empty:
        hatched = {"x": x, "y": top, "width": empty * scale, "height": bar}
        body.append(_tag("rect", class_="seats", **hatched, fill=_url(uid, len(ordered))))
    body.append(_tag("rect", x=MARGIN, y=top, width=WIDTH - 2 * MARGIN, height=bar, fill="none", stroke=INK))
    if threshold:
        at = MARGIN + threshold * scale
        line = {"x1": at, "x2": at, "y1": top - 6, "y2": top + bar + 6}
        body.append(_tag("line", **line, stroke=WHITE, stroke_width=5))
        body.append(_tag("line", class_="majority", **line, stroke=INK, stroke_width=2))
        anchor = "end" if at > WIDTH * 0.8 else "start" if at < WIDTH * 0.2 else "middle"
        body.append(_tag("text", f"{threshold:,} for a majority", x=at, y=top - 10, text_anchor=anchor))
    entries = [(i, f"{party.name} {n:,}") for i, (party, n) in enumerate(ordered)]
    entries += [(len(ordered), f"{rest.capitalize()} {empty:,}")] if empty else []
    legend, bottom = _legend(uid, entries, top + bar + 16)
    return _svg(uid, title, text, bottom, [*swatches, EMPTY], body + legend)


HEMICYCLE_RADIUS = 200  # of the outer row of seats
HEMICYCLE_CENTRE = (WIDTH / 2, 8 + HEMICYCLE_RADIUS * 1.24)


def _hemicycle_rows(rows: int) -> tuple[float, list[tuple[float, int]]]:
    """The distance between rows, and each row's radius and the most seats it holds."""
    pitch = HEMICYCLE_RADIUS * 0.6 / rows
    radii = [HEMICYCLE_RADIUS - i * pitch for i in range(rows)]
    return pitch, [(r, math.floor(math.pi * r / pitch) + 1) for r in radii]


def _seat_positions(total: int) -> tuple[list[tuple[float, float]], float]:
    """Centres of `total` seats, left to right by angle, and the dot radius. As few rows as hold the
    seats; seats are shared across rows in proportion to their length (largest remainder)."""
    rows = next(n for n in itertools.count(1) if sum(room for _, room in _hemicycle_rows(n)[1]) >= total)
    pitch, radii = _hemicycle_rows(rows)
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
    cx, cy = HEMICYCLE_CENTRE
    return [(cx + r * math.cos(a), cy - r * math.sin(a)) for a, r in seats], 0.4 * pitch


def hemicycle(
    seats: Sequence[tuple[Party, int]], total: int, *, title: str = "Seats on the council"
) -> Chart:
    """A parliament chart: one dot per seat in rows of a half circle, each party a wedge, largest party
    on the left, unfilled seats hatched on the right."""
    ordered = _ordered(seats, total)
    text = f"{_make_up(ordered, total, 'unfilled')}."
    uid = _uid("hemicycle", title, text)
    swatches, _ = _swatches(party for party, _ in ordered)
    holders: list[tuple[int, Party | None]] = [(i, p) for i, (p, n) in enumerate(ordered) for _ in range(n)]
    empty = total - len(holders)
    holders += [(len(ordered), None)] * empty
    positions, radius = _seat_positions(total)
    body = [
        _tag(
            "circle",
            cx=x,
            cy=y,
            r=radius,
            fill=_url(uid, index),
            stroke=INK,
            stroke_width=0.75,
            data_party=party.id if party else None,
        )
        for (x, y), (index, party) in zip(positions, holders, strict=True)
    ]
    entries = [(i, f"{party.name} {n:,}") for i, (party, n) in enumerate(ordered)]
    entries += [(len(ordered), f"Unfilled {empty:,}")] if empty else []
    legend, bottom = _legend(uid, entries, HEMICYCLE_CENTRE[1] + HEMICYCLE_RADIUS * 0.24 + 12)
    return _svg(uid, title, text, bottom, [*swatches, EMPTY], body + legend)


def _share(votes: int, total: int) -> float:
    return 100 * votes / total if total else 0.0


def vote_shares(rows: Sequence[tuple[str, Party, int | None, bool]], *, title: str = "Votes cast") -> Chart:
    """Each candidate's votes as a bar of their share of all votes cast, most votes first; a row is
    (candidate, party, votes or None where the ward was uncontested, elected). Winners carry the word
    "Elected"; an uncontested ward has no bars, only "Elected unopposed"."""
    contested = [votes is not None for _, _, votes, _ in rows]
    if not rows or any(contested) != all(contested):
        raise ValueError("give votes for every candidate, or for none where the ward was uncontested")
    total = sum(votes or 0 for _, _, votes, _ in rows)
    ordered = sorted(rows, key=lambda row: -(row[2] or 0))
    labels = [
        f"{name} ({party.name})"
        + ("" if votes is None else f" {_count(votes, 'vote')}, {_share(votes, total):.1f}%")
        for name, party, votes, _ in ordered
    ]
    markers = [
        ("Elected" if votes is not None else "Elected unopposed") if elected else ""
        for _, _, votes, elected in ordered
    ]
    text = (
        "; ".join(
            f"{label}, {marker.lower()}" if marker else label
            for label, marker in zip(labels, markers, strict=True)
        )
        + "."
    )
    uid = _uid("votes", title, text)
    swatches, index = _swatches(party for _, party, _, _ in rows)
    step, inner = (40 if all(contested) else 22), WIDTH - 2 * MARGIN
    body: list[Markup] = []
    for row, ((_, party, votes, _), label, marker) in enumerate(zip(ordered, labels, markers, strict=True)):
        y = 6 + row * step
        tspan = _tag("tspan", marker, dx=8, font_weight="bold") if marker else Markup("")
        body.append(_tag("text", Markup("{}{}").format(label, tspan), x=MARGIN, y=y + 12))
        if votes is not None:
            bar = {"x": MARGIN, "y": y + 18, "height": 14}
            body.append(_tag("rect", **bar, width=inner, fill="#eeeeee"))
            width = inner * _share(votes, total) / 100
            fill = _url(uid, index[party.id])
            body.append(
                _tag("rect", class_="bar", data_party=party.id, **bar, width=width, fill=fill, stroke=INK)
            )
    return _svg(uid, title, text, 6 + len(rows) * step, swatches if all(contested) else [], body)


def change_bars(changes: Sequence[tuple[Party, int]], *, title: str = "Net change in seats") -> Chart:
    """Net seats won or lost by each party, in the order given: gains to the right of a zero axis,
    losses to the left, each labelled "+8" or "−10"."""
    text = (
        f"Net change in seats: {', '.join(f'{party.name} {_signed(n)}' for party, n in changes) or 'none'}."
    )
    uid = _uid("change", title, text)
    swatches, index = _swatches(party for party, _ in changes)
    axis, step = WIDTH / 2, 40
    scale = (axis - MARGIN - 50) / max([abs(n) for _, n in changes] + [1])
    body: list[Markup] = []
    for row, (party, n) in enumerate(changes):
        y = 6 + row * step
        body.append(_tag("text", party.name, x=MARGIN, y=y + 12))
        start, width = (axis, n * scale) if n >= 0 else (axis + n * scale, -n * scale)
        if n:
            body.append(
                _tag(
                    "rect",
                    class_="change",
                    data_party=party.id,
                    x=start,
                    y=y + 18,
                    width=width,
                    height=14,
                    fill=_url(uid, index[party.id]),
                    stroke=INK,
                )
            )
        label_x, anchor = (start - 4, "end") if n < 0 else (start + width + 4, "start")
        body.append(_tag("text", _signed(n), x=label_x, y=y + 30, text_anchor=anchor))
    height = 6 + len(changes) * step
    body.append(_tag("line", x1=axis, x2=axis, y1=2, y2=height, stroke=INK))
    return _svg(uid, title, text, height, swatches, body)
