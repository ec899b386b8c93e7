"""The maps on the pages: a night's or a region's councils, and a council's wards, as hex tiles.

A council polling tonight is drawn on the district layout when it is a district, unitary, metropolitan
or London borough, or a Scottish or Welsh council, and on the upper-tier layout when it is a county
council; the county map is drawn only on nights when a county polls. A council's wards are drawn on
the 2022 ward layout. County divisions have no published layout, and a council whose wards changed
after 2022 matches none of it: such pages say so instead of drawing a wrong map.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from tallyroom.rules.change import Gain
from tallyroom.rules.control import Outcome
from tallyroom.rules.model import Candidacy, Poll, WardRef
from tallyroom.rules.outcome import CouncilOutcome, WardOutcome
from tallyroom.rules.parties import NOC, Party
from tallyroom.web.charts import EMPTY
from tallyroom.web.hexmap import (
    NOT_UP,
    HexMap,
    Layout,
    State,
    Tile,
    districts,
    hex_map,
    tally,
    upper_tier,
    wards_of,
)
from tallyroom.web.palette import Palette, Pattern, Swatch

SPLIT = Swatch("#d9d9d9", "#000000", Pattern.CROSSHATCH, "split")
NOC_SWATCH = Swatch("#b3b3b3", "#000000", Pattern.SOLID, "NOC")
OTHER = Swatch("#e0e0e0", "#000000", Pattern.DOTS, "other")
"""For a party the page's palette has no colour left for: named in the key as "another party"."""
COUNTY = "E10"
"""The GSS prefix of a county council, drawn on the upper-tier layout."""


@dataclass(frozen=True, slots=True)
class Maps:
    """A page's maps, and the sentence saying which places have no hex."""

    maps: list[HexMap]
    note: str


def _control_words(outcome: CouncilOutcome, party: Callable[[str], Party]) -> tuple[str, str]:
    """What a council's hex means, for the key and for its tooltip."""
    if not outcome.decided or outcome.control_after is None:
        return "undecided", f"undecided, {outcome.seats_declared} of {outcome.seats_up} seats declared"
    after = "no overall control" if outcome.control_after == NOC else party(outcome.control_after).name
    before = outcome.control_before
    was = "no overall control" if before == NOC else party(before).name if before else ""
    words = {
        Outcome.HOLD: f"{after} hold",
        Outcome.GAIN: f"{after} gain from {was}",
        Outcome.LOSS_TO_NOC: f"no overall control, {was} lose control",
        Outcome.NOC_HOLD: "no overall control (no change)",
        Outcome.NEW: f"{after} (new council)",
    }
    return after, words.get(outcome.outcome, after) if outcome.outcome else after


def council_maps(
    outcomes: Sequence[CouncilOutcome],
    party: Callable[[str], Party],
    href: Callable[[str], str],
    palette: Palette,
    within: Callable[[str], bool] = lambda _code: True,
) -> Maps:
    """Every council of `outcomes` on its layout, with the other councils `within` the area as not up."""
    polling = {o.council.code: o for o in outcomes}
    maps = []
    for layout, title, keep in (
        (
            districts(),
            "District, unitary, metropolitan and London councils",
            lambda c: not c.startswith(COUNTY),
        ),
        (upper_tier(), "County councils", lambda c: c.startswith(COUNTY)),
    ):
        codes = [c for c in polling if c in layout.hexes and keep(c)]
        if not codes:
            continue
        tiles = []
        for code, place in sorted(layout.hexes.items()):
            if not keep(code) or not within(code):
                continue
            found = polling.get(code)
            if found is None:
                tiles.append(
                    Tile(
                        place,
                        State.NOT_UP,
                        NOT_UP,
                        State.NOT_UP.value,
                        f"{place.name}: no election tonight",
                        None,
                    )
                )
                continue
            key, words = _control_words(found, party)
            decided = found.decided and found.control_after is not None
            if not decided:
                tint = EMPTY
            elif found.control_after == NOC:
                tint = NOC_SWATCH
            else:
                tint, key = _colour(palette, party(found.control_after or ""), key)
            tiles.append(
                Tile(
                    place,
                    State.WON if decided else State.UNDECIDED,
                    tint,
                    key,
                    f"{found.council.name}: {words}",
                    href(code),
                    marked=found.outcome in (Outcome.GAIN, Outcome.LOSS_TO_NOC),
                )
            )
        polled = [t for t in tiles if t.state is not State.NOT_UP]
        maps.append(
            hex_map(tiles, layout.offset, title=title, attribute="council", summary=tally(polled, "council"))
        )
    unplaced = sorted(o.council.name for o in outcomes if not _placed(o.council.code))
    note = f"Not on the maps, having no hex in the layouts: {', '.join(unplaced)}." if unplaced else ""
    return Maps(maps, note)


def _placed(code: str) -> bool:
    return code in (upper_tier().hexes if code.startswith(COUNTY) else districts().hexes)


def _colour(palette: Palette, party: Party, key: str) -> tuple[Swatch, str]:
    """The party's colour on the page, and the key's words for it: a party the palette has no colour
    left for shares the key's "another party"."""
    found = palette.of(party)
    return (found, key) if found else (OTHER, "another party")


def ward_map(outcome: CouncilOutcome, href: Callable[[WardRef], str], palette: Palette) -> Maps:
    """The council's 2022 wards: each won tonight in its winner's colour, each still to declare
    hatched, and each with no election tonight in pale grey."""
    code = outcome.council.code
    if code.startswith(COUNTY):
        return Maps([], "County divisions have no published hex layout, so this council has no map.")
    layout = wards_of(code)
    declared: dict[str, list[WardOutcome]] = {}
    for found in outcome.wards:
        if found.result.poll.ward.code:
            declared.setdefault(found.result.poll.ward.code, []).append(found)
    pending = {p.ward.code: p for p in outcome.pending if p.ward.code}
    tonight = set(declared) | set(pending)
    if layout is None or not tonight & set(layout.hexes):
        return Maps(
            [], "There is no hex map of this council's wards: its wards are not in the 2022 ward layout."
        )
    tiles = [
        _ward_tile(place.code, layout, declared, pending, href, palette) for place in layout.hexes.values()
    ]
    tiles.sort(key=lambda t: (t.hex.r, t.hex.q))
    missing = sorted(
        {w.result.poll.ward.name for w in outcome.wards if w.result.poll.ward.code not in layout.hexes}
        | {p.ward.name for p in outcome.pending if p.ward.code not in layout.hexes}
    )
    note = f"Not on the map, their boundaries being newer than 2022: {', '.join(missing)}." if missing else ""
    title = f"Wards of {outcome.council.name}"
    return Maps(
        [hex_map(tiles, layout.offset, title=title, attribute="ward", summary=tally(tiles, "ward"))], note
    )


def _ward_tile(
    code: str,
    layout: Layout,
    declared: dict[str, list[WardOutcome]],
    pending: dict[str, Poll],
    href: Callable[[WardRef], str],
    palette: Palette,
) -> Tile:
    place = layout.hexes[code]
    polls = declared.get(code)
    if polls:
        parties = _winners(c for found in polls for c in found.result.elected)
        gains = [g for found in polls if found.change for g in found.change.gains]
        if len(parties) == 1:
            (only,) = parties
            tint, key = _colour(palette, only, only.name)
        else:
            tint, key = SPLIT, "seats split between parties"
        seats = ", ".join(
            f"{p.name} {n}" if n > 1 or len(parties) > 1 else p.name for p, n in parties.items()
        )
        gained = "; " + "; ".join(_gain_words(g) for g in gains) if gains else ""
        return Tile(
            place,
            State.WON,
            tint,
            key,
            f"{place.name}: {seats}{gained}",
            href(polls[0].result.poll.ward),
            bool(gains),
        )
    if code in pending:
        poll = pending[code]
        return Tile(
            place,
            State.TO_DECLARE,
            EMPTY,
            State.TO_DECLARE.value,
            f"{place.name}: still to declare",
            href(poll.ward),
        )
    return Tile(place, State.NOT_UP, NOT_UP, State.NOT_UP.value, f"{place.name}: no election tonight", None)


def _gain_words(gain: Gain) -> str:
    return (
        f"{gain.party.name} gain from {gain.from_party.name}"
        if gain.from_party
        else f"{gain.party.name} gain"
    )


def _winners(elected: Iterable[Candidacy]) -> dict[Party, int]:
    counts: dict[Party, int] = {}
    for candidacy in elected:
        counts[candidacy.party] = counts.get(candidacy.party, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].name)))
