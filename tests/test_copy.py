"""Copy drafted for every council of two real nights, in the house style throughout (the copy check,
tests/test_copy_check.py, reads every story back against its facts):
2021 (the Library's handbook, with LEAP 2017 as the counties' baseline) and 2019 (LEAP, with 2018 and
the Open Council Data roll of 2018 for the thirds councils).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tallyroom.copy import style
from tallyroom.copy.check import FIGURE
from tallyroom.copy.drafts import bullet, roundup, story, ward_line
from tallyroom.copy.facts import CouncilFacts, council_facts, region_facts
from tallyroom.copy.headlines import headline
from tallyroom.copy.names import proper_form
from tallyroom.importers.base import Context
from tallyroom.live.night import Night
from tallyroom.loading import demo_format, load_file
from tallyroom.reference import Reference
from tallyroom.results import load_day, outcomes
from tallyroom.store.database import connect
from tests.conftest import DEMO, NIGHTS, demo_store, store_url


@pytest.fixture(scope="module", params=["2019", "2021"])
def night(
    request: pytest.FixtureRequest, night_store: Callable[[str], str], ref: Reference
) -> list[tuple[CouncilFacts, str, str]]:
    engine = connect(night_store(request.param))
    found = []
    for outcome in outcomes(engine, ref, NIGHTS[request.param][0]).councils:
        facts = council_facts(outcome, ref.parties.get)
        found.append((facts, headline(outcome, ref.parties.get), story(facts)))
    engine.dispose()
    return found


def without_names(text: str, facts: CouncilFacts) -> str:
    """The copy with place and people's names taken out: a ward called Green Lane names no party."""
    places = [
        facts.council,
        *(w.ward for w in (*facts.gains, *facts.closest, *facts.uncontested, *facts.ties)),
        *(name for d in facts.defeated for name in (d.name, d.ward)),
    ]
    if facts.biggest_swing:
        places.append(facts.biggest_swing.ward)
    for place in sorted(set(places), key=len, reverse=True):
        text = text.replace(place, "PLACE")
    return text


def test_every_council_gets_a_headline_and_a_story(night: list[tuple[CouncilFacts, str, str]]) -> None:
    assert len(night) > 100
    for facts, head, body in night:
        assert head and body, facts.council
        assert facts.council in head and facts.council in body


def test_house_style(night: list[tuple[CouncilFacts, str, str]]) -> None:
    for facts, head, body in night:
        text = without_names(body, facts)
        for whole, fraction in FIGURE.findall(text):
            value = int(whole.replace(",", ""))
            assert fraction or value >= 10, (facts.council, whole, "one to nine are words")
            years = {facts.election_date.year, facts.baseline_year, *(year for year, _ in facts.past)}
            assert value < 1000 or "," in whole or value in years, (facts.council, whole)
        assert "  " not in body and " ." not in body and " ," not in body, facts.council
        assert body[0].isupper() and body.rstrip().endswith("."), facts.council
        assert not head.endswith("."), facts.council
        words = len(body.split())
        assert words <= 300, (facts.council, words)


def test_lists_of_wards_and_independents_read_as_they_are(night: list[tuple[CouncilFacts, str, str]]) -> None:
    """A list naming a ward with an "and" of its own sets its last off with a comma (Leicestershire
    2021: "Coalville North, and Forest and Measham", two divisions); independents who took one seat
    are one independent, those who took more are independents."""
    checked = 0
    for facts, _, body in night:
        for g in facts.gain_groups:
            if g.party.independent:
                taker = "An independent took" if g.seats == 1 else "Independents took"
                assert f"{taker} " in body or f"{taker.lower()} " in body, (facts.council, g)
            named = [*g.wards, *(ward for ward, _ in g.part)]
            if len(named) > 1 and any(" and " in ward for ward in named):
                assert re.search(r", and (a seat in |seats in )?" + re.escape(named[-1]), body), facts.council
                checked += 1
    assert checked  # some lists on each night name such a ward


def test_stories_live_from_preview_to_final(ref: Reference, tmp_path: Path) -> None:
    """Nottinghamshire 2021 through its night: a preview before any result, updates as wards declare,
    and the final story once the last seat is in; every version read back against its facts."""
    engine = connect(store_url(tmp_path / "live.db"))
    for demo in sorted(DEMO.glob("*.csv")):
        load_file(engine, demo_format(demo.name), demo, Context(ref))
    day = load_day(engine, ref, date(2021, 5, 6))
    polls = [p for ps in day.council_polls.values() for p in ps if p.council.name == "Nottinghamshire"]
    night = Night.open(ref, date(2021, 5, 6), polls, day.earlier)
    notts = night.councils[polls[0].council.code]
    versions = []
    for poll in [None, *polls]:
        if poll is not None:
            night.declare(poll)
        assert notts.outcome is not None
        facts = council_facts(notts.outcome, ref.parties.get)
        versions.append((facts, story(facts)))
    engine.dispose()
    assert versions[0][1].startswith("Voters in Nottinghamshire are electing all 66 of the council's seats")
    first = style.number(polls[0].seats)
    assert versions[1][1].startswith(f"Counting continues in Nottinghamshire: {first} of the 66 seats up")
    assert versions[-1][1].startswith("The Conservatives have won control of Nottinghamshire")
    for facts, body in versions:
        text = without_names(body, facts)
        for whole, fraction in FIGURE.findall(text):
            assert fraction or int(whole.replace(",", "")) in facts.numbers, (whole, body)


def test_summary_bullets_round_up_and_ward_lines(night: list[tuple[CouncilFacts, str, str]]) -> None:
    facts = [f for f, _, _ in night]
    region = region_facts("the night", facts)
    text = roundup(region)
    assert region.biggest_winner is not None
    assert text.startswith(f"{style.capital(style.full(region.biggest_winner.party))} were the big winners")
    assert style.number(region.biggest_winner.seats) in text
    net = sum(s.seats for s in region.changes)
    assert net == sum(s.seats for f in facts for s in f.changes)
    for f, head, _ in night:
        line = bullet(f, head)
        assert line.startswith(head) and "\n" not in line
        if f.composition and not f.winner:  # parties by their short names throughout
            largest = f.composition[0]
            assert f": {largest.party.short} largest party with {style.number(largest.seats)} of" in line


def test_a_round_up_names_no_winners_before_half_the_seats_are_in(ref: Reference, tmp_path: Path) -> None:
    """The East Midlands 2021 as its first wards declare: how far counting has got, and no verdict; once
    every seat is in, the big winners, across "the East Midlands"."""
    engine = connect(demo_store(tmp_path / "demo.db", ref))
    day = load_day(engine, ref, date(2021, 5, 6))
    engine.dispose()
    polls = [p for ps in day.council_polls.values() for p in ps]
    night = Night.open(ref, date(2021, 5, 6), polls, day.earlier)

    def region() -> str:
        facts = [council_facts(c.outcome, ref.parties.get) for c in night.councils.values() if c.outcome]
        return roundup(region_facts("East Midlands", facts))

    for poll in polls[:13]:
        night.declare(poll)
    early = region()
    seats = sum(p.seats for p in polls)
    declared = sum(p.seats for p in polls[:13])
    assert early.startswith("Results are in from") and "big winners" not in early and "worst" not in early
    assert (
        f"across the East Midlands, with {style.number(declared)} of the {seats:,} seats up declared."
        in early
    )
    assert "Counting continues in " in early
    for poll in polls[13:]:
        night.declare(poll)
    final = region()
    assert "were the big winners across the East Midlands" in final and "Counting continues" not in final
    # each change of control told once, with whom it was taken from; and the new councils named
    assert (
        "The Conservatives gained Amber Valley from Labour and Nottinghamshire from no overall control."
        in final
    )
    assert "Labour lost" not in final
    assert "won the new councils of North Northamptonshire and West Northamptonshire." in final


def test_ward_lines(ref: Reference, tmp_path: Path) -> None:
    """Derby 2021, Darley: two seats, Grimadell one vote ahead of Swan."""
    engine = connect(demo_store(tmp_path / "demo.db", ref))
    derby = next(o for o in outcomes(engine, ref, date(2021, 5, 6)).councils if o.council.name == "Derby")
    engine.dispose()
    darley = next(w for w in derby.wards if w.result.poll.ward.name == "Darley")
    line = ward_line(darley)
    assert line.startswith(
        "Darley (two seats): A. Martin (Labour) 1,833, A.L. Grimadell (Conservative) 1,305 elected."
    )
    assert "Majority one." in line
    for ward in derby.wards:
        assert ward_line(ward).startswith(proper_form(ward.result.poll.ward.name))


def test_a_change_that_leaves_seats_out_says_how_many_it_covers(ref: Reference, tmp_path: Path) -> None:
    """Derby 2021: two of its 18 seats have no result from 2016 to compare with."""
    engine = connect(demo_store(tmp_path / "demo.db", ref))
    derby = next(o for o in outcomes(engine, ref, date(2021, 5, 6)).councils if o.council.name == "Derby")
    engine.dispose()
    facts = council_facts(derby, ref.parties.get)
    text = story(facts)
    assert "Compared with 2016, when 16 of these 18 seats were last fought, the Conservatives gained" in text
    assert facts.compared == (16, 18) and {16, 18} <= facts.numbers


def test_a_change_in_points_has_a_true_minus_and_never_a_minus_zero() -> None:
    """TUSC's share in the East Midlands 2021 fell by 0.04 points: "0.0", not "-0.0"."""
    assert [style.points(x) for x in (3.04, -2.27, -0.04, 0.04, 0.0)] == [
        "+3.0",
        "\u22122.3",
        "0.0",
        "0.0",
        "0.0",
    ]
