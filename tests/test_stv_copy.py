"""Copy for Scottish councils counted from their 2017 ballots: the house style of Scotland and Northern
Ireland, and stories that tell where transfers decided a seat, each passing the copy check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import Engine

from tallyroom import results
from tallyroom.copy.check import check
from tallyroom.copy.drafts import story
from tallyroom.copy.facts import council_facts
from tallyroom.copy.headlines import headline
from tallyroom.copy.names import ballot_name
from tallyroom.copy.nations import house_party
from tallyroom.copy.style import headline_party, the
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.store import queries
from tests.conftest import SHARED

BALLOTS = SHARED / "scot-elex-ballots" / "blt_files"
ON = date(2017, 5, 4)

pytestmark = pytest.mark.skipif(not BALLOTS.exists(), reason="the Scottish ballot files are not here")


def test_parties_are_named_as_each_nation_names_them(ref: Reference) -> None:
    get = ref.parties.get
    assert [the(get(p)) for p in ("snp", "dup", "sinn-fein", "sdlp")] == [
        "the SNP",
        "the DUP",
        "Sinn Féin",
        "the SDLP",
    ]
    assert the(house_party(get("conservative"), "S12000020")) == "the Scottish Conservatives"
    assert the(house_party(get("scottish-green"), "S12000020")) == "the Scottish Greens"
    assert the(house_party(get("conservative"), "E10000007")) == "the Conservatives"
    assert house_party(get("conservative"), "S12000020").id == "conservative"  # the seats count for the party
    assert [ballot_name(n) for n in ("Sandy COOPER", "Ann O'NEILL", "Aaron MCLEAN", "Jo McDONALD")] == [
        "Sandy Cooper",
        "Ann O'Neill",
        "Aaron McLean",
        "Jo McDONALD",
    ]


def test_stories_tell_where_transfers_decided_a_seat(
    engine: Engine, context: Context, ref: Reference
) -> None:
    for path in sorted(BALLOTS.glob("*/moray_2017_*.blt")) + sorted(BALLOTS.glob("*/aberdeen_2017_*.blt")):
        load_file(engine, "blt", path, context)
    forms = {form for p in ref.parties for form in (p.name, p.plural)}
    told = {}
    for outcome in results.outcomes(engine, ref, ON).councils:
        facts = council_facts(outcome, ref.parties.get, queries.stv_counts(engine, outcome.council.code, ON))
        text = story(facts)
        assert check(text, facts, forms) == [], (outcome.council.name, text)
        assert "closest contest" not in text  # first preferences alone decide no STV seat
        told[outcome.council.name] = (facts, text)
    moray, text = told["Moray"]
    # Elgin City North: Patsy Gowans led Sandy Cooper by five first preferences (537 to 532).
    elgin = next(t for t in moray.transfers if t.ward == "Elgin City North")
    assert (elgin.name, elgin.stage, elgin.behind, elgin.overtaken[0][0]) == (
        "Sandy Cooper",
        4,
        5,
        "Patsy Gowans",
    )
    assert elgin.sources == ("Nick Taylor", "Billy Adams", "Frank Brown")
    assert (
        "In Elgin City North, independent Sandy Cooper was elected at stage 4 after transfers from "
        "Nick Taylor, Billy Adams and Frank Brown, overtaking the SNP's Patsy Gowans, who had more "
        "first preferences."
    ) in text
    assert "then the Scottish Conservatives eight" in text
    assert len(moray.transfers) == 3
    aberdeen, text = told["Aberdeen"]
    assert [t.ward for t in aberdeen.transfers] == [
        "Northfield/Mastrick North",
        "Hazlehead/Queens Cross/Countesswells",
    ]
    assert "overtaking the Scottish Conservatives' Steve Robertson" in text


def test_a_scottish_by_election_headline_names_the_scottish_conservatives(
    engine: Engine, context: Context, ref: Reference
) -> None:
    """Lomond North, Argyll and Bute: its 2017 wards and then its by-election counted from their ballots
    (the by-election's file names no day, so the test gives one after 2017). The headline names the
    party as copy does in Scotland, with no article, as a headline names any party; the story passes the
    copy check; and Northern Ireland's parties are named as the house names them."""
    for path in sorted(BALLOTS.glob("*/argyll_bute_2017_*.blt")):
        load_file(engine, "blt", path, context)
    day = date(2021, 11, 4)
    by_election = next(BALLOTS.glob("*/argyll_bute_2021_by_election_lomond_north.blt"))
    load_file(engine, "blt", by_election, replace(context, election_date=day))
    (outcome,) = results.outcomes(engine, ref, day).councils
    assert headline(outcome, ref.parties.get) == (
        "Scottish Conservatives gain Lomond North in Argyll and Bute by-election from Independents"
    )
    facts = council_facts(outcome, ref.parties.get, queries.stv_counts(engine, outcome.council.code, day))
    text = story(facts)
    forms = {form for p in ref.parties for form in (p.name, p.plural)}
    assert check(text, facts, forms) == [] and "The Scottish Conservatives took Lomond North" in text
    assert text.startswith("The Scottish Conservatives won the Lomond North by-election in Argyll and Bute.")
    assert "Counting continues" not in text and "seats up" not in text
    get = ref.parties.get
    named = [headline_party(get(p)) for p in ("dup", "sinn-fein", "sdlp", "uup", "alliance", "snp")]
    assert named == ["DUP", "Sinn Féin", "SDLP", "UUP", "Alliance", "SNP"]
    assert [the(get(p)) for p in ("uup", "alliance")] == ["the UUP", "Alliance"]
    assert headline_party(house_party(get("conservative"), "S12000035")) == "Scottish Conservatives"
    assert headline_party(house_party(get("conservative"), "E10000007")) == "Conservatives"


def test_every_scottish_story_of_2017_passes_the_copy_check(
    engine: Engine, context: Context, ref: Reference
) -> None:
    """Every council of 2017 counted from its ballots (351 wards): stories that begin a sentence with
    "The Scottish Conservatives" name a party the facts hold."""
    for path in sorted(BALLOTS.glob("*/*_2017_*.blt")):
        if "by_election" not in path.name:
            load_file(engine, "blt", path, context)
    forms = {form for p in ref.parties for form in (p.name, p.plural)}
    councils = results.outcomes(engine, ref, ON).councils
    findings = {}
    for outcome in councils:
        stv = queries.stv_counts(engine, outcome.council.code, ON)
        facts = council_facts(outcome, ref.parties.get, stv)
        findings[outcome.council.name] = check(story(facts), facts, forms)
    assert len(councils) == 32 and all(found == [] for found in findings.values()), findings
