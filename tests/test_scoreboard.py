"""The scoreboard of the 2021 night (LEAP 2017 and the Library's 2021 results): national parties and
parties in control on lines of their own, no overall control as a row, every other party counted
together as "Others" and listed beneath, and the baseline named; the figures add up to the night's."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.control import Outcome
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.rules.parties import NOC
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.scoreboard import NATIONAL
from tallyroom.web.site import Site

NIGHT = date(2021, 5, 6)


@pytest.fixture(scope="module")
def store(night_store: Callable[[str], str]) -> Iterator[Engine]:
    engine = connect(night_store("2021"))  # LEAP 2017 and the Library's 2021 results
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def night(store: Engine, ref: Reference) -> list[CouncilOutcome]:
    return outcomes(store, ref, NIGHT).councils


@pytest.fixture(scope="module")
def page(store: Engine, ref: Reference) -> str:
    return TestClient(create_app(Site.open(store, ref, NIGHT))).get("/").text


def _rows(html: str) -> dict[str, list[str]]:
    """The scoreboard's rows, by the name in their header cell: their cells' text."""
    table = html[html.index('<table class="numeric scoreboard">') :]
    table = table[: table.index("</table>")]
    rows = {}
    for header, cells in re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", table):
        name = re.sub(r"<[^>]+>", "", header).strip()
        rows[name] = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", cells)]
    return rows


def test_no_overall_control_is_a_row_of_its_own(page: str, night: list[CouncilOutcome]) -> None:
    noc = _rows(page)["No overall control"]
    decided = [o for o in night if o.decided]
    assert int(noc[0]) == sum(1 for o in decided if o.control_after == NOC) > 0
    assert int(noc[1]) == sum(1 for o in decided if o.outcome is Outcome.LOSS_TO_NOC)
    assert int(noc[2]) == sum(1 for o in decided if o.outcome is Outcome.GAIN and o.control_before == NOC)


def test_local_parties_are_others_and_the_councillors_add_up(
    page: str, night: list[CouncilOutcome], ref: Reference
) -> None:
    rows = _rows(page)
    controlling = {c for o in night for c in (o.control_before, o.control_after) if c and c != NOC}
    won: dict[str, int] = {}
    names: dict[str, str] = {}
    for o in night:
        for party, n in o.won.items():
            won[party.id] = won.get(party.id, 0) + n
            names[party.id] = party.name
    own = {pid for pid in won if pid in NATIONAL or pid in controlling}
    shown = set(rows) - {"No overall control", "Others"}
    assert {names[pid] for pid in own} <= shown
    allowed = {ref.parties.get(pid).name for pid in {*NATIONAL, *controlling}}
    assert shown <= allowed
    others = sum(n for pid, n in won.items() if pid not in own)
    assert int(rows["Others"][3].replace(",", "")) == others > 0
    assert sum(int(r[3].replace(",", "")) for name, r in rows.items() if r[3]) == sum(won.values())
    assert "Spennymr" not in shown and '<details class="others">' in page


def test_the_baseline_is_named(page: str, night: list[CouncilOutcome]) -> None:
    years = sorted({o.change.baseline_date.year for o in night if o.change and o.change.baseline_date})
    compared = sum(1 for o in night if o.change)
    assert f"since the seats were last fought ({' and '.join(map(str, years))})" in page
    assert f"in the {compared} councils with a comparison" in page
