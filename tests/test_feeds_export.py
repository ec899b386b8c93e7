"""What other systems take from a night: the CSV export in Democracy Club's columns, and the Atom feeds of
declarations and published stories, on the real East Midlands results of 6 May 2021."""

from __future__ import annotations

import csv
import io
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tallyroom.copy import review
from tallyroom.copy.newsroom import redraft, story_key
from tallyroom.live.events import Event
from tallyroom.live.night import Night, follow, open_night
from tallyroom.reference import Reference
from tallyroom.rules.model import Poll, WardRef
from tallyroom.rules.parties import PartyRegister
from tallyroom.store import queries
from tallyroom.store.database import connect
from tallyroom.web import feeds
from tallyroom.web.export import results_csv
from tests.conftest import DEMO, NIGHT_POLLS, NIGHT_ROWS, copy_of, demo_store

DAY = date(2021, 5, 6)
DEMO_DAY = DEMO / "2021-05-06-east-midlands.csv"
SITE = "https://results.example.org"
ATOM = "{http://www.w3.org/2005/Atom}"
DARLEY_BALLOT = "local.derby.darley.2021-05-06"
NIGHT_START = datetime(2021, 5, 6, 22, 0, tzinfo=UTC)
HOSTILE = '<script>alert(1)</script> & "Bob"'


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("feeds") / "demo.db", ref)


@pytest.fixture
def engine(store: str, tmp_path: Path) -> Iterator[Engine]:
    engine = copy_of(store, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def polls(engine: Engine, ref: Reference) -> list[Poll]:
    return queries.load_polls(engine, ref.parties, on=DAY)


def darley(polls: list[Poll]) -> Poll:
    return next(p for p in polls if p.council.name == "Derby" and p.ward.name == "Darley")


def demo_rows() -> list[dict[str, str]]:
    """The bundled file the store was loaded from, read on its own, as the export is checked against."""
    with DEMO_DAY.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def exported(polls: list[Poll]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(results_csv(polls), newline="")))


def renamed(poll: Poll, names: dict[int, str]) -> Poll:
    """The poll with some candidates (by ballot position) renamed."""
    return poll._replace(
        candidacies=tuple(c._replace(name=names.get(i, c.name)) for i, c in enumerate(poll.candidacies))
    )


def night_of(engine: Engine, ref: Reference, polls: list[Poll]) -> tuple[Night, list[Event]]:
    night = open_night(engine, ref, DAY)
    events = [e for poll in polls for e in night.declare(poll)]
    return night, events


def minutes(events: list[Event]) -> dict[int, datetime]:
    """A time for each event: a minute apart, in the order the night made them."""
    return {e.seq: NIGHT_START + timedelta(minutes=e.seq) for e in events}


def parse_atom(text: str) -> tuple[ET.Element, list[ET.Element]]:
    """The feed and its entries, after checking what RFC 4287 requires of both."""
    feed = ET.fromstring(text.encode())
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{name}") or "").strip(), f"the feed has no {name}"
    assert feed.findtext(f"{ATOM}author/{ATOM}name"), "the feed has no author"
    stamp(feed.findtext(f"{ATOM}updated"))
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), f"an entry has no {name}"
        stamp(entry.findtext(f"{ATOM}updated"))
        links = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
        assert len(links) == 1 and (links[0].get("href") or "").startswith(SITE + "/")
    return feed, entries


def stamp(text: str | None) -> datetime:
    assert text is not None and text.endswith("Z"), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def text_of(entry: ET.Element, name: str) -> str:
    return entry.findtext(f"{ATOM}{name}") or ""


# The CSV export


def test_the_export_has_democracy_clubs_columns_then_ours(polls: list[Poll]) -> None:
    header = next(csv.reader(io.StringIO(results_csv(polls), newline="")))
    assert header == [
        # Democracy Club's data export (candidates.democracyclub.org.uk/data/), in its order
        "person_name",
        "election_id",
        "ballot_paper_id",
        "election_date",
        "party_name",
        "party_id",
        "post_label",
        "seats_contested",
        "by_election",
        "gss",
        "organisation_name",
        "party_description_text",
        "votes_cast",
        "elected",
        "tied_vote_winner",
        "rank",
        "turnout_reported",
        "spoilt_ballots",
        "total_electorate",
        "turnout_percentage",
        # ours
        "council_code",
        "ward_code",
        "tallyroom_party_id",
        "transfers",
        "incumbent",
    ]


def test_the_export_has_one_row_per_candidacy_in_the_log(polls: list[Poll]) -> None:
    rows = exported(polls)
    assert len(rows) == sum(len(p.candidacies) for p in polls) == len(demo_rows()) == NIGHT_ROWS
    got = Counter((r["organisation_name"], r["post_label"], r["person_name"], r["votes_cast"]) for r in rows)
    source = Counter((r["council"], r["ward"], r["candidate"], r["votes"]) for r in demo_rows())
    assert got == source
    assert {r["election_date"] for r in rows} == {"2021-05-06"}


def test_darleys_rows_match_the_data(polls: list[Poll]) -> None:
    rows = [r for r in exported(polls) if r["ballot_paper_id"] == DARLEY_BALLOT]
    assert rows[0] == {
        "person_name": "Martin A.",
        "election_id": "local.derby.2021-05-06",
        "ballot_paper_id": DARLEY_BALLOT,
        "election_date": "2021-05-06",
        "party_name": "Labour",
        "party_id": "PP53",
        "post_label": "Darley",
        "seats_contested": "2",
        "by_election": "f",
        "gss": "E05001775",
        "organisation_name": "Derby",
        "party_description_text": "Labour",
        "votes_cast": "1833",
        "elected": "t",
        "tied_vote_winner": "f",
        "rank": "1",
        "turnout_reported": "",
        "spoilt_ballots": "",
        "total_electorate": "10767",
        "turnout_percentage": "",
        "council_code": "E06000015",
        "ward_code": "E05001775",
        "tallyroom_party_id": "labour",
        "transfers": "",
        "incumbent": "f",
    }
    source = [r for r in demo_rows() if r["council"] == "Derby" and r["ward"] == "Darley"]
    assert len(rows) == len(source) == 9
    assert [(r["person_name"], r["party_name"], r["votes_cast"]) for r in rows] == [
        (r["candidate"], r["party"], r["votes"]) for r in source
    ]
    assert [r["elected"] for r in rows] == ["t" if r["elected"] == "1" else "f" for r in source]
    assert [r["rank"] for r in rows] == [str(i) for i in range(1, 10)]  # the file is in votes order
    assert {r["party_id"] for r in rows} == {"PP53", "PP52", "PP63", "PP90", "PP7931"}


def test_elected_comes_from_the_count_where_the_source_gives_none(polls: list[Poll]) -> None:
    poll = darley(polls)
    unflagged = poll._replace(candidacies=tuple(c._replace(elected=None) for c in poll.candidacies))
    rows = exported([unflagged])
    assert [(r["person_name"], r["elected"]) for r in rows if r["elected"] == "t"] == [
        ("Martin A.", "t"),
        ("Grimadell A.L.", "t"),
    ]
    assert [r["elected"] for r in rows[2:]] == ["f"] * 7


def test_hostile_text_is_neutralised_and_round_trips(polls: list[Poll], ref: Reference) -> None:
    names = {
        0: '=HYPERLINK("http://x")',
        1: "<script>alert(1)</script>",
        2: "+44 1234",
        3: "-2+3+cmd|' /C calc'!A0",
        4: "@SUM(A1:A9)",
        5: "\tTabbed",
        6: "\rReturned",
        7: 'Comma, "quoted"\nand a new line',
    }
    poll = renamed(darley(polls), names)
    local = PartyRegister.local_party("=1+1 Residents")
    poll = poll._replace(
        ward=WardRef("=cmd|' /C calc'!A0", poll.ward.code),
        candidacies=(
            *poll.candidacies[:8],
            poll.candidacies[8]._replace(party=local, label="=1+1 Residents"),
        ),
    )
    text = results_csv([poll])
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    col = {name: i for i, name in enumerate(header)}
    assert [r[col["person_name"]] for r in rows] == [
        '\'=HYPERLINK("http://x")',
        "<script>alert(1)</script>",  # text, as written: a CSV is not HTML
        "'+44 1234",
        "'-2+3+cmd|' /C calc'!A0",
        "'@SUM(A1:A9)",
        "'\tTabbed",
        "'\rReturned",
        'Comma, "quoted"\nand a new line',
        "Summerfield J.P.",
    ]
    assert {r[col["post_label"]] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert (rows[8][col["party_name"]], rows[8][col["party_description_text"]]) == ("'=1+1 Residents",) * 2
    assert rows[8][col["party_id"]] == ""  # a local party has no Electoral Commission id we know
    assert [r[col["votes_cast"]] for r in rows] == [str(c.votes) for c in darley(polls).candidacies]
    every_cell = [cell for r in rows for cell in r]
    assert not [cell for cell in every_cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert {r[col["ballot_paper_id"]] for r in rows} == {"local.derby.cmd-c-calca0.2021-05-06"}
    assert len(rows) == 9 and all(len(r) == len(header) for r in rows)


# The Atom feeds


def test_the_declarations_feed_has_each_declaration_newest_first(
    engine: Engine, ref: Reference, polls: list[Poll]
) -> None:
    _, events = night_of(engine, ref, polls)
    declarations = [e for e in events if e.type == "declaration"]
    assert len(declarations) == len(polls) == NIGHT_POLLS
    text = feeds.declarations_feed(
        events, SITE, NIGHT_START + timedelta(hours=8), election_date=DAY, times=minutes(events)
    )
    feed, entries = parse_atom(text)
    assert feed.findtext(f"{ATOM}id") == "tag:results.example.org,2021-05-06:declarations"
    assert feed.findtext(f"{ATOM}updated") == "2021-05-07T06:00:00Z"
    assert len(entries) == NIGHT_POLLS
    assert len({text_of(e, "id") for e in entries}) == NIGHT_POLLS
    times = [stamp(text_of(e, "updated")) for e in entries]
    assert times == sorted(times, reverse=True) and len(set(times)) == NIGHT_POLLS
    newest = declarations[-1]
    assert text_of(entries[0], "title").startswith(f"{newest.council.name}, {newest.body['ward']['name']}:")

    darleys = [e for e in entries if text_of(e, "id").endswith(":declaration/E06000015/E05001775/1")]
    assert len(darleys) == 1
    entry = darleys[0]
    assert text_of(entry, "id") == "tag:results.example.org,2021-05-06:declaration/E06000015/E05001775/1"
    assert (
        text_of(entry, "title") == "Derby, Darley: Martin A. (Labour), Grimadell A.L. (Conservative) elected"
    )
    assert entry.find(f"{ATOM}link").get("href") == f"{SITE}/council/E06000015/ward/E05001775"  # type: ignore[union-attr]
    assert "Majority: 1." in text_of(entry, "content")


def test_a_corrected_result_is_a_new_entry_on_top(engine: Engine, ref: Reference, polls: list[Poll]) -> None:
    night, events = night_of(engine, ref, polls)
    poll = darley(polls)
    candidacies = list(poll.candidacies)  # a recount: Swan overtakes Grimadell for the second seat
    candidacies[1] = candidacies[1]._replace(elected=False)
    candidacies[2] = candidacies[2]._replace(votes=1400, elected=True)
    events += night.declare(poll._replace(candidacies=tuple(candidacies)))
    feed, entries = parse_atom(
        feeds.declarations_feed(events, SITE + "/", election_date=DAY, times=minutes(events))
    )
    assert len(entries) == NIGHT_POLLS + 1
    assert text_of(entries[0], "id").endswith(":declaration/E06000015/E05001775/2")
    assert (
        text_of(entries[0], "title")
        == "Derby, Darley (revised): Martin A. (Labour), Swan C.J. (Labour) elected"
    )
    assert [text_of(e, "id") for e in entries].count(text_of(entries[0], "id")) == 1
    assert feed.findtext(f"{ATOM}updated") == text_of(entries[0], "updated")  # the newest event's time


def test_hostile_names_are_text_in_the_declarations_feed(
    engine: Engine, ref: Reference, polls: list[Poll]
) -> None:
    hostile = renamed(darley(polls), {0: HOSTILE + "\x0b\x00", 1: "]]><evil/>"})
    night = open_night(engine, ref, DAY)
    events = night.declare(hostile)
    text = feeds.declarations_feed(events, SITE, NIGHT_START, election_date=DAY)
    assert "<script>" not in text and "<evil/>" not in text
    feed, entries = parse_atom(text)
    assert len(entries) == 1
    assert (
        text_of(entries[0], "title")
        == f"Derby, Darley: {HOSTILE} (Labour), ]]><evil/> (Conservative) elected"
    )
    assert {element.tag for element in feed.iter()} <= {
        f"{ATOM}{name}"
        for name in (
            "feed",
            "id",
            "title",
            "updated",
            "author",
            "name",
            "link",
            "generator",
            "entry",
            "content",
        )
    }


def test_the_stories_feed_has_each_published_story_newest_first(
    engine: Engine, ref: Reference, polls: list[Poll]
) -> None:
    night, _ = night_of(engine, ref, polls)
    outcomes = {o.council.name: o for o in night.outcomes()}
    redraft(engine, ref, outcomes.values())
    names = ("Derby", "Nottinghamshire", "Lincolnshire", "Leicestershire")
    derby, notts, lincs, leics = (story_key(outcomes[n]) for n in names)

    def publish(key: review.CopyKey) -> None:
        review.approve(engine, key, "editor")
        review.publish(engine, key, "editor")

    publish(notts)
    publish(derby)
    review.edit(engine, derby, f"{HOSTILE} in Derby\n\nFirst paragraph.\n\nSecond & last.", "reporter")
    publish(derby)  # Derby again, its own earlier publication superseded
    publish(lincs)  # the newest; Leicestershire is only drafted

    found = [v for key in (derby, notts, lincs, leics) for v in review.versions(engine, key)]
    text = feeds.stories_feed(found, SITE, election_date=DAY)
    assert "<script>" not in text
    feed, entries = parse_atom(text)
    # newest first: neither the order of the council codes nor the reverse of it
    assert [text_of(e, "id") for e in entries] == [
        "tag:results.example.org,2021-05-06:story/E10000019",
        "tag:results.example.org,2021-05-06:story/E06000015",
        "tag:results.example.org,2021-05-06:story/E10000024",
    ]
    lincs_entry, derby_entry, notts_entry = entries
    assert text_of(derby_entry, "title") == f"{HOSTILE} in Derby"
    assert text_of(derby_entry, "content") == "First paragraph.\n\nSecond & last."
    assert derby_entry.find(f"{ATOM}link").get("href") == f"{SITE}/council/E06000015"  # type: ignore[union-attr]
    notts_story = review.published(engine, notts)
    assert notts_story is not None
    headline, _, body = notts_story.text.partition("\n\n")
    assert headline.startswith("Conservatives") and "Nottinghamshire" in headline
    assert (text_of(notts_entry, "title"), text_of(notts_entry, "content")) == (headline, body)
    times = [stamp(text_of(e, "updated")) for e in entries]
    assert times == sorted(times, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == text_of(lincs_entry, "updated")
    again = feeds.stories_feed(list(reversed(found)), SITE, election_date=DAY)
    assert again == text  # ids and times come from the copy, not the clock or the order given


def test_feeds_refuse_times_without_a_zone_and_relative_addresses() -> None:
    with pytest.raises(ValueError, match="time zone"):
        feeds.declarations_feed([], SITE, datetime(2021, 5, 7, 1, 0), election_date=DAY)
    with pytest.raises(ValueError, match="absolute"):
        feeds.stories_feed([], "/relative", datetime(2021, 5, 7, 1, 0, tzinfo=UTC), election_date=DAY)
    empty = feeds.stories_feed([], SITE, datetime(2021, 5, 7, 1, 0, tzinfo=UTC), election_date=DAY)
    assert parse_atom(empty)[1] == []


def test_a_feed_with_nothing_in_it_is_dated_the_polling_day_in_every_worker() -> None:
    """Not the time it was made: each worker (and each bake) would give the same feed its own ETag."""
    for made in (feeds.declarations_feed, feeds.stories_feed):
        first = made([], SITE, election_date=DAY)
        time.sleep(0.01)
        assert made([], SITE, election_date=DAY) == first
        assert parse_atom(first)[0].findtext(f"{ATOM}updated") == "2021-05-06T00:00:00Z"


def test_on_a_whole_night_the_feed_holds_the_newest_declarations(
    night_store: Callable[[str], str], ref: Reference
) -> None:
    """The 2021 night's 3,864 declarations: the feed carries the newest `LATEST`, newest first, and is
    as new as the newest of all."""
    engine = connect(night_store("2021"))
    night = open_night(engine, ref, DAY)
    events = follow(engine, night)
    engine.dispose()
    declarations = [e for e in events if e.type == "declaration"]
    assert len(declarations) > feeds.LATEST
    feed, entries = parse_atom(
        feeds.declarations_feed(events, SITE, election_date=DAY, times=minutes(events))
    )
    assert len(entries) == feeds.LATEST
    newest = sorted(declarations, key=lambda e: e.seq, reverse=True)[: feeds.LATEST]
    assert [stamp(text_of(e, "updated")) for e in entries] == [minutes(events)[e.seq] for e in newest]
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")
