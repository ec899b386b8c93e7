"""Hex maps: the shipped layouts drawn without overlap, the 2021 night's councils each on a map, and a
council's wards each on its map, coloured by tonight's result."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.rules.parties import Party
from tallyroom.store.database import connect
from tallyroom.web import hexmap
from tallyroom.web.app import create_app
from tallyroom.web.site import Site

NIGHT = date(2021, 5, 6)
DERBY = "E06000015"


def _layouts() -> Iterator[tuple[str, hexmap.Layout]]:
    yield "districts", hexmap.districts()
    yield "upper tier", hexmap.upper_tier()
    for council in sorted({"E06000015", "E08000025", "S12000036", "W06000015"}):
        found = hexmap.wards_of(council)
        assert found is not None, council
        yield council, found


@pytest.mark.parametrize(("name", "layout"), list(_layouts()))
def test_no_two_hexes_of_a_layout_overlap(name: str, layout: hexmap.Layout) -> None:
    """Neighbouring hexes' centres lie exactly one hex width apart, and no two are closer: a wrong
    stagger for the layout's rows would put neighbours on top of each other."""
    centres = [hexmap.centre(layout.offset, h.q, h.r) for h in layout.hexes.values()]
    width = math.sqrt(3) * hexmap.SIZE
    closest = min(math.dist(a, b) for a, b in itertools.combinations(centres, 2))
    assert closest == pytest.approx(width, abs=0.01), name


@pytest.fixture(scope="module")
def store(night_store: Callable[[str], str]) -> Iterator[Engine]:
    engine = connect(night_store("2021"))  # LEAP 2017 and the Library's 2021 results
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(store: Engine, ref: Reference) -> TestClient:
    return TestClient(create_app(Site.open(store, ref, NIGHT)))


def _hexes(html: str, attribute: str) -> dict[str, str]:
    """Each hex's code and its state, from the page's maps."""
    return dict(re.findall(rf'data-{attribute}="([^"]+)" data-state="([^"]+)"', html))


def test_every_council_polling_on_the_2021_night_has_a_hex(
    client: TestClient, store: Engine, ref: Reference
) -> None:
    polling = {o.council.code for o in outcomes(store, ref, NIGHT).councils}
    page = client.get("/").text
    drawn = _hexes(page, "council")
    assert polling <= set(drawn)
    assert {c for c, state in drawn.items() if state != "no election tonight"} == polling
    assert "Not on the maps" not in page
    assert page.count('class="hexmap"') == 2  # counties, and the rest
    link = r'<a href="/council/E10000007" aria-label="Derbyshire: [^"]+"><path[^>]*data-council="E10000007"'
    derbyshire = re.search(link, page)
    assert derbyshire is not None


def test_derby_has_a_hex_for_each_of_its_wards_coloured_by_the_winner(
    client: TestClient, store: Engine, ref: Reference
) -> None:
    derby = next(o for o in outcomes(store, ref, NIGHT).councils if o.council.code == DERBY)
    page = client.get(f"/council/{DERBY}").text
    drawn = _hexes(page, "ward")
    assert len(drawn) == len(derby.wards) == 17  # Derby had 17 wards until its 2023 boundaries gave 18
    assert {w.result.poll.ward.code for w in derby.wards} == set(drawn)
    assert set(drawn.values()) == {"won"}
    for ward in derby.wards:  # a ward with a by-election beside its ordinary poll shows both polls' winners
        winners = sorted(
            f"{p.name} {n}" if len(won) > 1 else p.name
            for won in [_winners(derby, ward.result.poll.ward.code)]
            for p, n in won.items()
        )
        tooltip = re.search(rf'<path[^>]*data-ward="{ward.result.poll.ward.code}"[^>]*><title>([^<;]+)', page)
        assert tooltip is not None
        name, shown = tooltip.group(1).split(": ")
        assert (name, sorted(shown.split(", "))) == (ward.result.poll.ward.name, winners)


def _winners(council: CouncilOutcome, code: str) -> Counter[Party]:
    return Counter(
        c.party for w in council.wards if w.result.poll.ward.code == code for c in w.result.elected
    )


def test_a_county_says_it_has_no_ward_map(client: TestClient) -> None:
    page = client.get("/council/E10000007").text
    assert "County divisions have no published hex layout" in page
    assert "data-ward=" not in page


def test_the_region_map_holds_only_its_councils(client: TestClient, store: Engine, ref: Reference) -> None:
    site = Site.open(store, ref, NIGHT)
    east = {
        o.council.code
        for o in outcomes(store, ref, NIGHT).councils
        if site.region_of(o.council.code) == "East Midlands"
    }
    drawn = _hexes(client.get("/region/east-midlands").text, "council")
    assert {c for c, state in drawn.items() if state != "no election tonight"} == east
    assert all(site.region_of(c) == "East Midlands" for c in drawn)


def test_the_shipped_layouts_keep_their_licence() -> None:
    folder = Path(hexmap.__file__).parent.parent / "data" / "hexmaps"
    assert "Open Innovations" in (folder / "LICENSE").read_text()
