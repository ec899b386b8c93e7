"""Party colours for the results website, never colour alone.

Each party on a page gets a fill colour, a text colour that reads on it (WCAG contrast of at least
4.5:1), a short text label and a fill pattern. Colours are assigned per page (`Palette`), so that every
two parties on one page differ by a CIEDE2000 distance of at least `DISTINCT`: the big parties keep their
conventional colours, and any other party takes the free colour of `POOL` nearest to its own (chosen from
a stable hash of its id), with a pattern that no other party on the page has while patterns last.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from tallyroom.rules.parties import Party
from tallyroom.web.colour import difference

BLACK = "#000000"
WHITE = "#ffffff"
DISTINCT = 20.0
"""The least CIEDE2000 distance between the colours of two parties on one page."""


class Pattern(StrEnum):
    """The marks drawn over a party's fill, the second channel beside its colour."""

    SOLID = "solid"
    STRIPES = "stripes"
    DOTS = "dots"
    CROSSHATCH = "crosshatch"
    HSTRIPES = "hstripes"


@dataclass(frozen=True, slots=True)
class Swatch:
    """How a party is drawn: `fill` and `text` colours, a `pattern` and a short `label`."""

    fill: str
    text: str
    pattern: Pattern
    label: str


NAMED: dict[str, tuple[str, Pattern]] = {
    "conservative": ("#0a5aa6", Pattern.SOLID),
    "labour": ("#c8102e", Pattern.STRIPES),
    "liberal-democrats": ("#faa61a", Pattern.DOTS),
    "green": ("#2b8a3e", Pattern.CROSSHATCH),
    "reform-uk": ("#12b6cf", Pattern.HSTRIPES),
    "ukip": ("#6d3177", Pattern.CROSSHATCH),
    "plaid-cymru": ("#005b54", Pattern.DOTS),
    "snp": ("#fdf38e", Pattern.STRIPES),
    "independent": ("#6b6b6b", Pattern.HSTRIPES),
}
"""The conventional colours of the big parties and of independents."""
POOL = (
    "#ff33ff",
    "#000000",
    "#00eeaa",
    "#663300",
    "#8899ff",
    "#ff8877",
    "#887700",
    "#ffbbee",
    "#440011",
    "#334400",
    "#bb6622",
    "#bb6688",
    "#000044",
)
"""Colours for every other party: each at least `DISTINCT` from every other colour here, from every
conventional colour and from the page's white (chosen greedily, farthest first, from a grid of sRGB)."""


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a `#rrggbb` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@cache
def text_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with `fill` (always at least 4.58:1)."""
    return BLACK if contrast_ratio(fill, BLACK) >= contrast_ratio(fill, WHITE) else WHITE


class Palette:
    """The swatches of the parties on one page. Given the page's parties in the order it shows them
    (largest first), the same parties always get the same swatches; a party beyond the colours there
    are gets none (`of` is None) and is shown by its name alone."""

    def __init__(self, parties: Iterable[Party]) -> None:
        unique = {party.id: party for party in parties}
        self.swatches: dict[str, Swatch] = {}
        free = list(POOL)
        patterns = {NAMED[p][1] for p in unique if p in NAMED}
        for party in unique.values():
            if party.id in NAMED:
                fill, pattern = NAMED[party.id]
            elif free:
                code = zlib.crc32(party.id.encode())
                home = POOL[code % len(POOL)]
                fill = min(free, key=lambda colour: (difference(colour, home), colour))
                free.remove(fill)
                unused = [p for p in Pattern if p not in patterns] or list(Pattern)
                pattern = unused[code % len(unused)]
                patterns.add(pattern)
            else:
                continue
            self.swatches[party.id] = Swatch(fill, text_colour(fill), pattern, party.short)

    def of(self, party: Party) -> Swatch | None:
        """The party's swatch on this page, or None where it has no colour of its own here."""
        return self.swatches.get(party.id)

    def __getitem__(self, party: Party) -> Swatch:
        return self.swatches[party.id]
