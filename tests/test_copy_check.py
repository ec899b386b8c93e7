"""The copy check over whole real nights: every council story of 2019 (LEAP), 2021 (the Library's
handbook against LEAP 2017) and 2025 (the Library's handbook against 2021 and the 2024 roll) passes it,
and the check itself catches what a sub-editor caught in earlier drafts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tallyroom.copy.check import Problem, check
from tallyroom.copy.drafts import story
from tallyroom.copy.facts import CouncilFacts, council_facts
from tallyroom.copy.style import count
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.store.database import connect
from tests.conftest import NIGHTS

COUNTIES_2021 = ("Derbyshire", "Leicestershire", "Lincolnshire", "Nottinghamshire")


@pytest.fixture(scope="module")
def stories(night_store: Callable[[str], str], ref: Reference) -> dict[str, list[tuple[CouncilFacts, str]]]:
    """Every council story of each night, with its facts."""
    found: dict[str, list[tuple[CouncilFacts, str]]] = {}
    for name, (day, _, _) in NIGHTS.items():
        engine = connect(night_store(name))
        facts = [council_facts(o, ref.parties.get) for o in outcomes(engine, ref, day).councils]
        engine.dispose()
        found[name] = [(f, story(f)) for f in facts]
    return found


def forms(ref: Reference) -> set[str]:
    return {form for p in ref.parties for form in (p.name, p.plural)}


@pytest.mark.parametrize("name", sorted(NIGHTS))
def test_every_council_story_of_the_night_passes_the_copy_check(
    stories: dict[str, list[tuple[CouncilFacts, str]]], ref: Reference, name: str
) -> None:
    assert len(stories[name]) > 20
    findings = [(f.council, found) for f, text in stories[name] for found in check(text, f, forms(ref))]
    assert findings == []


def test_the_2021_county_stories_name_every_ward_that_changed_hands(
    stories: dict[str, list[tuple[CouncilFacts, str]]],
) -> None:
    counties = {f.council: (f, text) for f, text in stories["2021"] if f.council in COUNTIES_2021}
    assert sorted(counties) == sorted(COUNTIES_2021)
    for facts, text in counties.values():
        changed = {g.ward for g in facts.gains}
        assert f"Seats changed hands in {count(len(changed), 'ward')}." in text, (facts.council, text)
        for ward in changed:
            assert ward in text, (facts.council, ward)
    derbyshire, text = counties["Derbyshire"]
    assert len({g.ward for g in derbyshire.gains}) == 16
    for ward in ("Loundsley Green and Newbold", "Walton and West", "New Mills", "Alfreton and Somercotes"):
        assert ward in text
    assert "The Lib Dems took Loundsley Green and Newbold from Labour." in text
    lincolnshire = counties["Lincolnshire"][1]
    assert all(ward in lincolnshire for ward in ("Louth South", "The Suttons", "Gainsborough Trent"))
    nottinghamshire = counties["Nottinghamshire"][1]
    assert "Seats changed hands in 17 wards." in nottinghamshire
    assert "the Selston party lost one seat" in nottinghamshire


def test_names_and_claims_as_a_reader_expects_them(
    stories: dict[str, list[tuple[CouncilFacts, str]]],
) -> None:
    """Leicestershire 2021: wards in their proper form, candidates forename first (full names from 2017),
    the Lib Dems named in full first, and Oadby, where they kept one of two seats, not "taken"."""
    facts, text = next((f, t) for f, t in stories["2021"] if f.council == "Leicestershire")
    assert "Forest and Measham" in text and "Forest And Measham" not in text
    assert "a seat in Oadby from the Lib Dems" in text and "took Oadby" not in text
    assert text.index("the Liberal Democrats") < text.index("the Lib Dems")
    assert text.count("Liberal Democrats") == 1
    assert "Eynon T." not in text and "Jeffrey Kaufman" in text
    defeats = "In all, five sitting councillors lost their seats; those with the most votes were the Lib"
    assert f"{defeats} Dems' Jeffrey" in text
    assert "Ashby de la Zouch" in facts.wards


def test_the_check_catches_what_a_sub_editor_caught(
    stories: dict[str, list[tuple[CouncilFacts, str]]], ref: Reference
) -> None:
    """Earlier drafts' words, read against the facts: each query the issue raised is found."""
    facts = {f.council: f for f, _ in stories["2021"]}

    def problems(council: str, text: str) -> set[Problem]:
        return {found.problem for found in check(text, facts[council], forms(ref))}

    short = (
        "Seats changed hands in 16 wards. The Conservatives took Tibshelf, Wirksworth and Sutton from Labour."
    )
    assert Problem.COUNT in problems("Derbyshire", short)
    title_case = "The Greens took Duffield And Belper South from the Conservatives."
    assert Problem.BANNED in problems("Derbyshire", title_case)
    surname_first = "Among the five sitting councillors who lost were Eynon T. (Labour) in Coalville North."
    assert Problem.BANNED in problems("Leicestershire", surname_first)
    two_names = "The Lib Dems lost four seats, and the Liberal Democrats now have nine."
    assert Problem.PARTY_NAMES in problems("Leicestershire", two_names)
    assert Problem.PARTY_AS_PLACE in problems("Nottinghamshire", "Selston lost one seat.")
    assert Problem.NUMBER in problems("Leicestershire", "The Conservatives now have 43 seats.")
    assert Problem.PARTY in problems("Leicestershire", "Reform UK took Oadby.")
    assert Problem.NAME in problems("Leicestershire", "The Conservatives took Narnia North.")
    assert Problem.BANNED in problems("Leicestershire", "Then UKIP four, Reform UK two and independents one.")
    assert Problem.BANNED in problems("Leicestershire", "The no sitting councillors who lost were.")
    assert Problem.BANNED in problems("Leicestershire", "Labour won by 16 votes. 12 seats went unopposed.")
