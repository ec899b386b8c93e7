"""The 2021 East Midlands county councils against 2017, from a ward-level load of the real results."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from sqlalchemy import Engine

from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import DayResults, outcomes
from tallyroom.serialise import council_outcome
from tallyroom.store.database import connect
from tests.conftest import SHARED, copy_url

COUNTIES = {"E10000007", "E10000018", "E10000019", "E10000024"}  # Derbyshire, Leics, Lincs, Notts


@pytest.fixture(scope="module")
def county_store(night_store: Callable[[str], str]) -> Iterator[Engine]:
    engine = connect(night_store("2021"))  # LEAP 2017 and the Library's 2021 results
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def day(county_store: Engine, ref: Reference) -> DayResults:
    return outcomes(county_store, ref, date(2021, 5, 6))


def body(day: DayResults, ref: Reference, code: str) -> dict[str, object]:
    found = next(o for o in day.councils if o.council.code == code)
    return council_outcome(found, ref.parties.get)


def test_derbyshire_2021(day: DayResults, ref: Reference) -> None:
    derbyshire = body(day, ref, "E10000007")
    assert derbyshire["council"] == {"name": "Derbyshire", "code": "E10000007"}
    assert (derbyshire["total_seats"], derbyshire["seats_up"], derbyshire["seats_declared"]) == (64, 64, 64)
    assert derbyshire["majority_threshold"] == 33
    assert derbyshire["won"] == {"Conservative": 45, "Labour": 14, "Liberal Democrats": 4, "Green": 1}
    assert derbyshire["composition"] == derbyshire["won"]
    assert derbyshire["control"] == {
        "before": "Conservative",
        "after": "Conservative",
        "decided": True,
        "before_source": "earlier-results",
    }
    assert derbyshire["outcome"] == "HOLD"
    assert derbyshire["change"] == {
        "baseline": "last-fought",
        "baseline_date": "2017-05-04",
        "seats": {"Conservative": 8, "Labour": -10, "Liberal Democrats": 1, "Green": 1},
        "seats_compared": 64,
        "seats_not_compared": 0,
    }
    # No record of control or councillor roll: the headline names the election it is judged against.
    assert derbyshire["headline"] == "Conservatives keep their 2017 majority in Derbyshire"
    assert "control before is judged against the make-up after the 2017 election" in derbyshire["flags"][0]


def test_leicestershire_2021(day: DayResults, ref: Reference) -> None:
    leics = body(day, ref, "E10000018")
    assert (leics["total_seats"], leics["majority_threshold"]) == (55, 28)
    assert leics["composition"] == {"Conservative": 42, "Liberal Democrats": 9, "Labour": 4}
    assert (leics["control"], leics["outcome"]) == (
        {
            "before": "Conservative",
            "after": "Conservative",
            "decided": True,
            "before_source": "earlier-results",
        },
        "HOLD",
    )
    assert leics["change"]["seats"] == {"Conservative": 6, "Liberal Democrats": -4, "Labour": -2}


def test_nottinghamshire_2021_conservatives_gain_from_noc(day: DayResults, ref: Reference) -> None:
    notts = body(day, ref, "E10000024")
    assert (notts["total_seats"], notts["majority_threshold"]) == (66, 34)
    assert notts["composition"] == {
        "Conservative": 37,
        "Labour": 15,
        "Ashfield Independents": 10,
        "Independent": 3,
        "Liberal Democrats": 1,
    }
    # 2017 left the Conservatives on 31 of 66, three short of a majority.
    assert notts["control"] == {
        "before": "NOC",
        "after": "Conservative",
        "decided": True,
        "before_source": "earlier-results",
    }
    assert notts["outcome"] == "GAIN"
    assert notts["headline"] == "Conservatives win Nottinghamshire, under no overall control after 2017"
    change = notts["change"]["seats"]
    assert (change["Conservative"], change["Labour"], change["Ashfield Independents"]) == (6, -8, 5)
    assert sum(change.values()) == 0


def test_lincolnshire_2021(day: DayResults, ref: Reference) -> None:
    lincs = body(day, ref, "E10000019")
    assert (lincs["total_seats"], lincs["majority_threshold"]) == (70, 36)
    composition = lincs["composition"]
    assert isinstance(composition, dict)
    assert composition["Conservative"] == 54 and sum(composition.values()) == 70
    assert lincs["outcome"] == "HOLD"
    # 2017: Con 58, Lab 6, Ind 4, LD 1, Lincolnshire Independents 1 (LEAP 2017).
    change = lincs["change"]["seats"]
    assert (change["Conservative"], change["Labour"], change["Liberal Democrats"]) == (-4, -2, 2)


def test_every_county_call_is_decided_and_changes_balance(day: DayResults) -> None:
    for outcome in day.councils:
        if outcome.council.code in COUNTIES:
            assert outcome.decided and outcome.complete
            assert outcome.change is not None and sum(outcome.change.seats.values()) == 0
            assert outcome.change.seats_compared == outcome.seats_up


def test_a_tie_decided_by_lot_is_recorded_not_faked(
    day: DayResults, county_store: Engine, ref: Reference
) -> None:
    """Hartlepool 2021, Rossmere: the Library marks the winner of a tied count; the count records a lot
    between the tied candidates and keeps the published votes."""
    hartlepool = outcomes(county_store, ref, date(2021, 5, 6))
    found = next(o for o in hartlepool.councils if o.council.name == "Hartlepool")
    rossmere = next(w.result for w in found.wards if w.result.poll.ward.name == "Rossmere")
    assert rossmere.tie_break is not None and rossmere.tie_break.method == "lot"
    assert rossmere.tie_break.winners == ("Clayton J.P.",)
    tied_votes = {c.votes for c in rossmere.ranked if c.name in rossmere.tie_break.between}
    assert len(tied_votes) == 1 and rossmere.majority == 0
    ward = council_outcome(found, ref.parties.get, wards=True)["wards"]
    assert next(w for w in ward if w["ward"]["name"] == "Rossmere")["tie_break"]["method"] == "lot"


def test_with_the_roll_of_the_eve_of_poll_control_before_is_the_eve_of_polls(
    county_store: Engine, ref: Reference, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Open Council Data's roll at the end of 2020 says who held each council on the eve of poll: the
    headlines then speak of control as it stood, not as 2017 left it."""
    county_store.dispose()  # a database copied on PostgreSQL must have no one connected
    url = copy_url(
        county_store.url.render_as_string(hide_password=False), tmp_path_factory.mktemp("r") / "r.db"
    )
    engine = connect(url)
    load_file(
        engine, "ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2020.csv", Context(ref)
    )
    found = {o.council.code: o for o in outcomes(engine, ref, date(2021, 5, 6)).councils}
    engine.dispose()
    derbyshire, notts = (council_outcome(found[c], ref.parties.get) for c in ("E10000007", "E10000024"))
    assert derbyshire["control"]["before_source"] == notts["control"]["before_source"] == "roll"
    assert derbyshire["headline"] == "Conservatives hold Derbyshire"
    assert notts["headline"] == "Conservatives gain Nottinghamshire from no overall control"
    assert not any(flag.startswith("control before is judged") for flag in derbyshire["flags"])


def test_no_fully_declared_council_says_counting_continues(day: DayResults, ref: Reference) -> None:
    """The README's own imports (LEAP 2017, the Library's 2021 handbook): every council of the night is
    fully declared, so none is headlined as still counting, whether or not its control can be known."""
    lines = {
        o.council.name: (o.complete, council_outcome(o, ref.parties.get)["headline"]) for o in day.councils
    }
    assert len(lines) > 140
    assert all(complete for complete, _ in lines.values())
    assert [name for name, (_, line) in lines.items() if line.startswith("Counting continues")] == []


def test_a_council_computed_alone_is_the_council_of_the_whole_day(
    county_store: Engine, day: DayResults, ref: Reference
) -> None:
    """`council X` computes X alone (issue 14): the four counties and every tenth council of 2021,
    history and all, come out as they do among the whole night's."""
    for found in [o for i, o in enumerate(day.councils) if i % 10 == 0 or o.council.code in COUNTIES]:
        (alone,) = outcomes(county_store, ref, date(2021, 5, 6), councils={found.council.code}).councils
        assert alone == found, found.council.name
    assert len(day.councils) == 143
