"""Party colours for the results website, never colour alone.

Each party gets a fill colour, a text colour that reads on it (WCAG contrast of at least 4.5:1), a short
text label and a fill pattern, so parties side by side differ by more than hue for readers with
colour-blind vision. Known parties keep their conventional hues, darkened or lightened for contrast;
any other party takes an Okabe-Ito colour and a pattern chosen from a stable hash of its id.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from tallyroom.rules.parties import NOC, Party

BLACK = "#000000"
WHITE = "#ffffff"
PATTERNS = ("solid", "stripes", "dots", "crosshatch", "hstripes")


@dataclass(frozen=True, slots=True)
class Swatch:
    """How a party is drawn: `fill` and `text` colours, a `pattern` from PATTERNS and a short `label`."""

    fill: str
    text: str
    pattern: str
    label: str


NAMED: dict[str, tuple[str, str]] = {
    "conservative": ("#0a5aa6", "solid"),
    "labour": ("#c8102e", "stripes"),
    "liberal-democrats": ("#faa61a", "dots"),
    "green": ("#2b8a3e", "crosshatch"),
    "reform-uk": ("#12b6cf", "hstripes"),
    "ukip": ("#6d3177", "crosshatch"),
    "plaid-cymru": ("#005b54", "dots"),
    "snp": ("#fdf38e", "stripes"),
}
INDEPENDENT_FILL = "#6b6b6b"
INDEPENDENT_PATTERN = "hstripes"
NOC_FILL = "#b3b3b3"
PENDING_FILL = WHITE
FALLBACK = ("#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7")


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a `#rrggbb` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with `fill` (always at least 4.58:1)."""
    return BLACK if contrast_ratio(fill, BLACK) >= contrast_ratio(fill, WHITE) else WHITE


def _swatch(fill: str, pattern: str, label: str) -> Swatch:
    return Swatch(fill, text_colour(fill), pattern, label)


def swatch(party: Party) -> Swatch:
    """The party's swatch, labelled with its short name."""
    if party.id in NAMED:
        fill, pattern = NAMED[party.id]
    elif party.independent:
        fill, pattern = INDEPENDENT_FILL, INDEPENDENT_PATTERN
    else:
        code = zlib.crc32(party.id.encode())
        fill, pattern = FALLBACK[code % len(FALLBACK)], PATTERNS[code // len(FALLBACK) % len(PATTERNS)]
    return _swatch(fill, pattern, party.short)


def control_swatch(control: str | None, party: Party | None) -> Swatch:
    """The swatch for a council's control: `control` is a party id, NOC, or None while not yet known
    ("TBC"); `party` is the party that id names."""
    if control is None:
        return _swatch(PENDING_FILL, "solid", "TBC")
    if control == NOC:
        return _swatch(NOC_FILL, "solid", "NOC")
    if party is None or party.id != control:
        raise ValueError(f"control {control!r} needs its party, not {party!r}")
    return swatch(party)
