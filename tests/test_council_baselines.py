"""Both baselines on a council's page: the change since the seats were last fought and since the eve of
poll, each in its own labelled column, as the council's JSON gives them (the 2021 East Midlands night,
with the councillor roll of the eve of poll)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tallyroom.copy.check import check
from tallyroom.copy.drafts import story
from tallyroom.copy.facts import council_facts
from tallyroom.copy.style import count
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.change import Baseline
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT, copy_of, demo_store
from tests.test_copy_check import forms

DERBYSHIRE = "E10000007"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("baselines") / "demo.db", ref)


@pytest.fixture(scope="module")
def client(store: str, tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[TestClient]:
    engine = copy_of(store, tmp_path_factory.mktemp("baselines-copy"))
    with TestClient(create_app(Site.open(engine, ref, NIGHT))) as client:
        yield client
    engine.dispose()


def test_the_council_page_shows_both_changes_labelled(client: TestClient) -> None:
    found = client.get(f"/api/councils/{DERBYSHIRE}").json()
    kinds = [c["baseline"] for c in found["changes"]]
    assert kinds == ["last-fought", "eve-of-poll"]
    html = client.get(f"/council/{DERBYSHIRE}").text
    year = found["changes"][0]["baseline_date"][:4]
    assert f'<th scope="col">Since {year}</th><th scope="col">Since the eve of poll</th>' in html
    assert f"and the change since {year} and since the eve of poll" in html
    for party in found["composition"]:
        row = re.search(
            rf'<th scope="row">(?:(?!</th>).)*{re.escape(party)}(?:(?!</th>).)*</th>(.*?)</tr>', html
        )
        assert row is not None, party
        cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
        expected = [c["seats"].get(party, 0) for c in found["changes"]]
        assert [int(c.replace("\u2212", "-")) for c in cells[-2:]] == expected, party


def test_the_story_gives_the_change_since_the_eve_of_poll_as_well(store: str, ref: Reference) -> None:
    engine = connect(store)
    derbyshire = next(o for o in outcomes(engine, ref, NIGHT).councils if o.council.code == DERBYSHIRE)
    engine.dispose()
    facts = council_facts(derbyshire, ref.parties.get)
    text = story(facts)
    eve = next(c for c in derbyshire.changes if c.baseline is Baseline.EVE_OF_POLL)
    moved = {p: n for p, n in eve.seats.items() if n}
    assert moved and "Since the eve of poll, " in text
    sentence = text[text.index("Since the eve of poll, ") :].split(".")[0]
    for party, n in moved.items():
        assert f"{'gained' if n > 0 else 'lost'} {count(abs(n), 'seat')}" in sentence, (party.name, sentence)
    assert check(text, facts, forms(ref)) == []
