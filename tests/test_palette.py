"""Every two parties with a colour on one page differ by a CIEDE2000 distance of at least 20, on every
page of three real nights: 2019 (LEAP, 257 councils), 2021 (the Library's results, 143 councils) and 2025
(the counties); each party's swatch is the same wherever the page shows it."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from types import SimpleNamespace

import pytest

from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.store.database import connect
from tallyroom.web import palette
from tallyroom.web.colour import difference
from tallyroom.web.pages import Pages, ward_palette
from tallyroom.web.palette import DISTINCT, Palette
from tests.conftest import NIGHTS


def nights_pages(
    ref: Reference, night_store: Callable[[str], str]
) -> Iterator[tuple[str, Palette, list[str]]]:
    """Each page of the nights: its name, its palette, and the parties its charts draw."""
    for night, (day, _, _) in NIGHTS.items():
        engine = connect(night_store(night))
        found = tuple(outcomes(engine, ref, day).councils)
        engine.dispose()
        pages = Pages(SimpleNamespace(reference=ref))  # type: ignore[arg-type]
        regions: dict[str, list[CouncilOutcome]] = {}
        for o in found:
            council = ref.councils.get(o.council.code)
            regions.setdefault(council.region if council else "", []).append(o)
        for name, shown in [("the night", found), *((r, tuple(os)) for r, os in regions.items() if r)]:
            rows = pages.summary(shown, name)[1]
            yield f"{day} {name}", pages.palette((r.party for r in rows), shown), []
        for o in found:
            rows = pages.party_rows(o)
            yield (
                f"{day} {o.council.name}",
                pages.palette((r.party for r in rows), [o]),
                [r.party.id for r in rows],
            )
            for w in o.wards:
                parties = [c.party.id for c in w.result.ranked]
                yield f"{day} {o.council.name}, {w.result.poll.ward.name}", ward_palette(w), parties


@pytest.fixture(scope="module")
def pages(ref: Reference, night_store: Callable[[str], str]) -> list[tuple[str, Palette, list[str]]]:
    return list(nights_pages(ref, night_store))


def test_the_fixed_colours_are_distinct_from_each_other_and_the_page() -> None:
    fixed = [*(fill for fill, _ in palette.NAMED.values()), *palette.POOL, palette.WHITE]
    for first, second in itertools.combinations(fixed, 2):
        assert difference(first, second) >= DISTINCT, (first, second)


def test_every_two_parties_on_a_page_are_told_apart(pages: list[tuple[str, Palette, list[str]]]) -> None:
    assert len({name.split()[0] for name, _, _ in pages}) == 3
    closest = min(
        (difference(a.fill, b.fill), name)
        for name, on_page, _ in pages
        for a, b in itertools.combinations(on_page.swatches.values(), 2)
    )
    assert closest[0] >= DISTINCT, closest


def test_every_charted_party_has_a_colour(pages: list[tuple[str, Palette, list[str]]]) -> None:
    for name, on_page, charted in pages:
        assert set(charted) <= set(on_page.swatches), name


def test_named_parties_keep_their_colours_and_locals_leave_them(
    pages: list[tuple[str, Palette, list[str]]],
) -> None:
    for name, on_page, _ in pages:
        for party_id, drawn in on_page.swatches.items():
            if party_id in palette.NAMED:
                assert (drawn.fill, drawn.pattern) == palette.NAMED[party_id], name
            else:
                assert drawn.fill in palette.POOL, name
        if len(on_page.swatches) <= len(palette.Pattern):  # a local's pattern is its own while they last
            patterns = Counter(s.pattern for s in on_page.swatches.values())
            for party_id, drawn in on_page.swatches.items():
                assert party_id in palette.NAMED or patterns[drawn.pattern] == 1, name


def test_the_same_parties_get_the_same_colours(ref: Reference) -> None:
    parties = [
        ref.parties.resolve(label) for label in ("Conservative", "Lincolnshire Independents", "Mebyon Kernow")
    ]
    assert Palette(parties).swatches == Palette(list(parties)).swatches
    conservative, lincs, kernow = (Palette(parties)[p].fill for p in parties)
    assert (
        min(difference(conservative, lincs), difference(conservative, kernow), difference(lincs, kernow))
        >= DISTINCT
    )
