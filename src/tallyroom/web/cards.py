"""Social cards: a PNG for each council and ward page, drawn on the server with Pillow in its bundled
font, and the Open Graph and Twitter tags that point to it. A council's card has its headline and seat
bar; a ward's, who was elected and its votes by party as a bar. A card is drawn once for what it shows
(`draw_card` keeps the last ones made), so a bake after a declaration redraws only the cards it changed.

A card's address, like every link in a tag, is absolute from the configured base URL: with none, pages
carry no social tags (a Host header's value is never used)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request
from PIL import Image, ImageColor, ImageDraw, ImageFont
from starlette.responses import Response

from tallyroom.rules.model import PollKind
from tallyroom.rules.outcome import CouncilOutcome, WardOutcome
from tallyroom.rules.parties import Party
from tallyroom.web import png
from tallyroom.web.caching import cached_response, site_of
from tallyroom.web.palette import WHITE, Palette
from tallyroom.web.site import View
from tallyroom.web.templating import ward_key

if TYPE_CHECKING:
    from tallyroom.web.pages import Pages

router = APIRouter(include_in_schema=False)
WIDTH, HEIGHT, MARGIN = 1200, 630, 60
INK, PAPER, EMPTY = "#1a1a1a", WHITE, "#d9d9d9"
OTHER_FILL = "#9e9e9e"
"""A party the palette has no colour left for."""
PNG = "image/png"


@dataclass(frozen=True)
class Social:
    """What the Open Graph and Twitter tags of a page say, their addresses absolute."""

    title: str
    description: str
    url: str
    image: str
    alt: str
    width: int = WIDTH
    height: int = HEIGHT


def social(request: Request, title: str, description: str, page: str, card: str) -> Social | None:
    """The tags of a page at the path `page` with its card at the path `card`: None without a base URL."""
    base: str | None = request.app.state.base_url
    if base is None:
        return None
    alt = f"{title}: {description}"
    return Social(title, description, f"{base}{page}", f"{base}{card}", alt)


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


@lru_cache(maxsize=4096)
def _glyph(char: str, size: int) -> tuple[Image.Image, int, int, int]:
    """A character drawn once at `size`: its coverage mask, the mask's offset from the pen, and how far
    the pen then moves. Pillow's basic layout, which the bundled font gets, sets each character on its
    own (whole-pixel advances, no kerning), so a line set glyph by glyph from these is the line Pillow
    would draw, for a fraction of the rasterising."""
    font = _font(size)
    left, top, right, bottom = map(int, font.getbbox(char))
    mask = Image.new("L", (max(right - left, 0), max(bottom - top, 0)))
    ImageDraw.Draw(mask).text((-left, -top), char, fill=255, font=font)
    return mask, left, top, int(font.getlength(char))


def _length(text: str, size: int) -> int:
    return sum(_glyph(char, size)[3] for char in text)


def _set(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, ink: Ink) -> None:
    """`text` set on one line from its top left at `xy`, in `ink`."""
    x, y = xy
    for char in text:
        mask, left, top, advance = _glyph(char, size)
        if mask.width and mask.height:
            draw.bitmap((x + left, y + top), mask, fill=ink)
        x += advance


def _lines(text: str, size: int, most: int) -> list[str]:
    """`text` wrapped to the card's width at `size`, at most `most` lines (the last cut short with …)."""
    usable = WIDTH - 2 * MARGIN
    chars = max(10, int(usable / (size * 0.5)))
    while True:
        lines = textwrap.wrap(text, chars) or [""]
        if all(_length(line, size) <= usable for line in lines) or chars <= 10:
            break
        chars -= 2
    if len(lines) > most:
        lines = [*lines[: most - 1], textwrap.shorten(lines[most - 1] + " …", chars, placeholder=" …")]
    return lines


Bar = tuple[tuple[str, str, int], ...]
"""A bar's segments, largest first: a party's name, its fill colour and its seats (or votes)."""


Ink = str | int
"""A colour as drawn: its name on an RGB card, its index on a palette card."""


def _indexed(colours: list[str]) -> tuple[list[Ink], list[int]] | None:
    """The index of each of `colours` on a palette card, and the palette; None when they do not fit.
    Index k is the grey (k, k, k), so that text, whose edges blend INK into PAPER index by index, gets
    the very greys an RGB card's edges get; a colour that is not grey takes an index darker than INK,
    a grey text never makes."""
    palette = [(k, k, k) for k in range(256)]
    greys = {ImageColor.getrgb(c)[0] for c in colours if len(set(ImageColor.getrgb(c)[:3])) == 1}
    free = (i for i in range(ImageColor.getrgb(INK)[0]) if i not in greys)
    indices: dict[str, Ink] = {}
    for colour in colours:
        red, green, blue = ImageColor.getrgb(colour)[:3]
        if colour in indices:
            continue
        if red == green == blue:
            indices[colour] = red
        elif (index := next(free, None)) is not None:
            indices[colour], palette[index] = index, (red, green, blue)
        else:
            return None
    return [indices[c] for c in colours], [level for colour in palette for level in colour]


@lru_cache(maxsize=2048)
def draw_card(heading: str, headline: str, seats: Bar, total: int, threshold: int | None, unit: str) -> bytes:
    """A card as PNG bytes: a heading, a headline, and a bar of `seats` out of `total` (its key counts
    in `unit`), with the majority line at `threshold`. Drawn on a palette (a third of the bytes of RGB
    to encode), pixel for pixel as in RGB; in RGB when its colours do not fit a palette."""
    colours = [INK, PAPER, EMPTY, *(fill for _name, fill, _held in seats)]
    indexed = _indexed(colours)
    inks: list[Ink] = list(colours) if indexed is None else indexed[0]
    ink, paper, empty, *fills = inks
    card = Image.new("RGB" if indexed is None else "P", (WIDTH, HEIGHT), paper)
    if indexed is not None:
        card.putpalette(indexed[1])
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, WIDTH, 12), fill=ink)
    y = 44
    for line in _lines(heading, 64, 2):
        _set(draw, (MARGIN, y), line, 64, ink)
        y += 76
    for line in _lines(headline, 40, 3):
        _set(draw, (MARGIN, y + 8), line, 40, ink)
        y += 52
    top, bar = max(y + 36, 370), 80
    scale = (WIDTH - 2 * MARGIN) / max(total, 1)
    x = float(MARGIN)
    draw.rectangle((MARGIN, top, WIDTH - MARGIN, top + bar), fill=empty)
    for (_name, _colour, held), fill in zip(seats, fills, strict=True):
        draw.rectangle((x, top, x + held * scale, top + bar), fill=fill, outline=paper, width=2)
        x += held * scale
    draw.rectangle((MARGIN, top, WIDTH - MARGIN, top + bar), outline=ink, width=3)
    if threshold:
        at = MARGIN + threshold * scale
        draw.line((at, top - 14, at, top + bar + 14), fill=paper, width=9)
        draw.line((at, top - 14, at, top + bar + 14), fill=ink, width=4)
    key = "   ".join(f"{name} {held:,}" for name, _fill, held in seats[:5])
    key += f"   ({threshold:,} for a majority)" if threshold else ""
    for i, line in enumerate(_lines(f"{unit.capitalize()}: {key or 'none declared yet'}", 28, 2)):
        _set(draw, (MARGIN, top + bar + 24 + 36 * i), line, 28, ink)
    return png.encode(card)


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _bar(held: list[tuple[Party, int]]) -> Bar:
    ordered = [(p, n) for p, n in sorted(held, key=lambda s: (-s[1], s[0].name)) if n]
    palette = Palette(p for p, _ in ordered)
    return tuple((p.name, found.fill if (found := palette.of(p)) else OTHER_FILL, n) for p, n in ordered)


def _ward_bar(ward: WardOutcome | None) -> tuple[Bar, int, str]:
    """A ward's votes by party (seats won where it was not contested), the whole, and the unit."""
    if ward is None:
        return (), 1, "votes"
    result = ward.result
    by_party: dict[Party, int] = {}
    if result.contested:
        for c in result.ranked:
            by_party[c.party] = by_party.get(c.party, 0) + (c.votes or 0)
        return _bar(list(by_party.items())), max(1, result.votes_cast), "votes"
    for c in result.elected:
        by_party[c.party] = by_party.get(c.party, 0) + 1
    return _bar(list(by_party.items())), max(1, result.poll.seats), "seats won unopposed"


def ward_line(ward: WardOutcome | None) -> str:
    """A ward's result in a line: who was elected, or that it is still to declare."""
    if ward is None:
        return "Still to declare"
    elected = ", ".join(f"{c.name} ({c.party.name})" for c in ward.result.elected)
    return f"Elected: {elected}" if elected else "No one elected"


def _outcome(request: Request, code: str) -> CouncilOutcome:
    found = site_of(request).view.by_code.get(code)
    if found is None:
        raise HTTPException(404, f"no council with code {code!r} tonight")
    return found


@router.get("/cards/council/{code}.png", name="council_card")
async def council_card(request: Request, code: str) -> Response:
    """The council's card: its name, headline and seat bar."""
    _outcome(request, code)

    def make(view: View) -> bytes:
        outcome = view.by_code[code]
        pages = _pages(request)
        seats, total = pages.seats(outcome)
        return draw_card(
            outcome.council.name,
            pages.headline(outcome),
            _bar(seats),
            total,
            outcome.majority_threshold,
            "seats" if outcome.composition is not None else "seats won",
        )

    return await cached_response(
        request, f"card:council:{code}", PNG, make, lambda view: view.council_stamp(code)
    )


@router.get("/cards/council/{code}/ward/{key}.png", name="ward_card")
async def ward_card(request: Request, code: str, key: str) -> Response:
    """A ward's card: its name and council, who was elected, and its votes by party."""
    outcome = _outcome(request, code)
    known = [w.result.poll.ward for w in outcome.wards] + [p.ward for p in outcome.pending]
    if not any(ward_key(w) == key for w in known):
        raise HTTPException(404, f"no ward {key!r} in {outcome.council.name} tonight")

    def make(view: View) -> bytes:
        outcome = view.by_code[code]
        here = [w for w in outcome.wards if ward_key(w.result.poll.ward) == key]
        found = min(here, key=lambda w: w.result.poll.kind is not PollKind.ORDINARY, default=None)
        name = found.result.poll.ward.name if found else next(w.name for w in known if ward_key(w) == key)
        bar, total, unit = _ward_bar(found)
        return draw_card(f"{name}, {outcome.council.name}", ward_line(found), bar, total, None, unit)

    return await cached_response(
        request, f"card:ward:{code}:{key}", PNG, make, lambda view: view.council_stamp(code)
    )
