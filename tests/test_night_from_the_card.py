"""A real night, not a replay: the 2025 county night opened from its card (the Library's 2025 candidates
as nominations, derived by `scripts/build_card.py`), the eve of poll from Open Council Data's 2024 roll
and the 2021 results these seats were last fought at. Every ward result is then posted to the API in a
seeded random order, as desks would post them. At every step the seats up and declared are exact for
every council, region and the night; every call made is certain (no completion of the wards still to
come can change it); and the night ends as the Library's results have it."""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine

from tallyroom.importers import leh, ward
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.rules.control import majority_threshold
from tallyroom.rules.model import Candidacy, Poll
from tallyroom.rules.parties import NOC
from tallyroom.store.database import connect
from tallyroom.web.accounts import Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import LEH, SHARED, copy_url, store_url

ON = date(2025, 5, 1)
RESULTS = LEH / "LEH-2025-results-HoC.xlsx"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build_card.py"
REFORM = {
    "Derbyshire": "GAIN",
    "Nottinghamshire": "GAIN",
    "Lincolnshire": "GAIN",
    "Kent": "GAIN",
    "Lancashire": "GAIN",
    "Durham": "GAIN",
    "Staffordshire": "GAIN",
    "Doncaster": "GAIN",
    "North Northamptonshire": "GAIN",
    "West Northamptonshire": "GAIN",
}
"""The councils Reform UK won that night (the Library's 2025 results): all gains."""
BEFORE = {"Durham": "NOC", "Doncaster": "labour"}
"""Control before, where it was not the Conservatives'."""


@pytest.fixture(scope="module")
def card(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = tmp_path_factory.mktemp("card") / "card-2025.csv"
    subprocess.run(
        [sys.executable, str(SCRIPT), "leh", str(RESULTS), str(made)], check=True, capture_output=True
    )
    return made


@pytest.fixture(scope="module")
def eve(tmp_path_factory: pytest.TempPathFactory, ref: Reference, card: Path) -> str:
    """The store on the eve of poll: the 2021 results, the 2024 roll, and the card."""
    url = store_url(tmp_path_factory.mktemp("eve-2025") / "eve.db")
    engine = connect(url)
    load_file(engine, "leh", LEH / "local_elections_2021_results-2.xlsx", Context(ref))
    load_file(
        engine, "ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2024.csv", Context(ref)
    )
    load_file(engine, "ward", card, Context(ref))
    engine.dispose()
    return url


@pytest.fixture
def night(eve: str, tmp_path: Path) -> Iterator[Engine]:
    engine = connect(copy_url(eve, tmp_path / "night.db"))
    yield engine
    engine.dispose()


def card_polls(card: Path, ref: Reference) -> list[Poll]:
    """The card as read straight from its file."""
    with card.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["status"] for r in rows} <= {"nominated", "declared"}
    return ward.read(card, Context(ref)).polls


def as_csv(poll: Poll) -> bytes:
    """A ward's result in the native format, as a desk posts it."""
    text = io.StringIO()
    ward.write([poll], text)
    return text.getvalue().encode()


def certain(
    called: str, held: Counter[str], remaining: list[Poll], threshold: int, independents: set[str]
) -> bool:
    """Whether a call stands however the polls still to come go: by trying every completion where few
    remain (each poll's winners taken as the seats each group would win, as winners alike in that lead
    to the same council), and otherwise by giving each group every seat it stands for (the best it can
    do, which is one completion of its own)."""
    if len(remaining) <= 4:
        choices = [seats_won(p, independents) for p in remaining]
        for completion in itertools.product(*choices):
            final = held.copy()
            for won in completion:
                final.update(won)
            if control(final, threshold) != called:
                return False
        return True
    best: Counter[str] = held.copy()
    for poll in remaining:
        standing = Counter(group(c.party.id, c.name, poll.ward.name, independents) for c in poll.candidacies)
        for g, n in standing.items():
            best[g] += min(n, poll.seats)
    if called == NOC:
        return all(n < threshold for n in best.values())
    return held[called] >= threshold


def seats_won(poll: Poll, independents: set[str]) -> list[Counter[str]]:
    """Every way the poll's seats could fall to groups: one for each set of winners that differs in
    the seats each group wins."""
    ways = {
        tuple(sorted(Counter(group(c.party.id, c.name, poll.ward.name, independents) for c in won).items()))
        for won in itertools.combinations(poll.candidacies, poll.seats)
    }
    return [Counter(dict(way)) for way in sorted(ways)]


def winners(poll: Poll) -> list[Candidacy]:
    """Who won: the published flags, or where a source left them blank the most votes."""
    if any(c.elected is not None for c in poll.candidacies):
        return [c for c in poll.candidacies if c.elected]
    return sorted(poll.candidacies, key=lambda c: -(c.votes or 0))[: poll.seats]


def group(party: str, name: str, ward_name: str, independents: set[str]) -> str:
    """Each independent councillor is a group of one (domain §6.3, the default)."""
    return f"{party}#{name}#{ward_name}" if party in independents else party


def control(seats: Counter[str], threshold: int) -> str:
    top = max(seats.items(), key=lambda kv: kv[1], default=(NOC, 0))
    return top[0] if top[1] >= threshold else NOC


def test_the_2025_county_night_from_its_card(night: Engine, ref: Reference, card: Path) -> None:
    cards = card_polls(card, ref)
    results = {(p.council.code, p.ward.code): p for p in leh.read(RESULTS, Context(ref)).polls}
    independents = {p.id for p in ref.parties if p.independent}
    seats_up = Counter(p.council.code for p in cards for _ in range(p.seats))
    region = {code: (ref.councils.get(code) or pytest.fail(code)).region for code in seats_up}

    site = Site.open(night, ref, ON)
    assert {o.council.code: (o.seats_up, o.seats_up_known) for o in site.view.outcomes} == {
        code: (n, True) for code, n in seats_up.items()
    }
    app = create_app(site, secret="card night")
    add_user(night, "rita", Role.REPORTER, "rita's long password")
    token = issue_token(night, "rita")

    order = [p for p in cards if p.status == "nominated"]
    random.Random(2025).shuffle(order)
    declared: Counter[str] = Counter(
        p.council.code for p in cards if p.status == "declared" for _ in range(p.seats)
    )
    held: dict[str, Counter[str]] = {code: Counter() for code in seats_up}
    for p in cards:
        if p.status == "declared":
            for c in p.candidacies:
                held[p.council.code][group(c.party.id, c.name, p.ward.name, independents)] += 1
    remaining: dict[str, list[Poll]] = {code: [] for code in seats_up}
    for p in order:
        remaining[p.council.code].append(p)
    calls: dict[str, str] = {}
    # In process on one event loop: a TestClient would start a thread for each of the 1,401 posts.
    desk = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    with asyncio.Runner() as runner:
        for step, poll in enumerate(order):
            result = results[(poll.council.code, poll.ward.code)]
            answer = runner.run(desk.post("/api/declarations", content=as_csv(result), headers=headers))
            assert answer.status_code == 200, answer.text
            code = poll.council.code
            declared[code] += poll.seats
            remaining[code].remove(poll)
            for c in winners(result):
                held[code][group(c.party.id, c.name, poll.ward.name, independents)] += 1
            events = answer.json()["events"]
            assert not [e for e in events if e["type"] == "call_withdrawn"], step
            view = site.view
            outcome = view.by_code[code]
            assert (outcome.seats_declared, outcome.seats_up) == (declared[code], seats_up[code]), step
            threshold = majority_threshold(outcome.total_seats or 0)
            for e in events:
                if e["type"] == "call":
                    called = outcome.control_after
                    assert called is not None
                    assert certain(called, held[code], remaining[code], threshold, independents), (code, step)
                    calls[code] = called
            if step % 97 == 0 or step == len(order) - 1:
                progress = view.progress
                assert progress["night"]["seats_up"] == sum(seats_up.values())
                assert progress["night"]["seats_declared"] == sum(declared.values())
                for name in set(region.values()):
                    mine = [c for c in seats_up if region[c] == name]
                    assert progress["regions"][name]["seats_up"] == sum(seats_up[c] for c in mine)
                    assert progress["regions"][name]["seats_declared"] == sum(declared[c] for c in mine)

    final = {o.council.name: o for o in site.view.outcomes}
    assert all(o.complete and o.decided for o in final.values())
    assert {o.council.code: o.control_after for o in final.values()} == calls
    for name, outcome in final.items():
        won = Counter(c.party.id for p in results.values() if p.council.name == name for c in winners(p))
        assert {p.id: n for p, n in (outcome.composition or {}).items()} == dict(won), name
    reform = {name: o.outcome for name, o in final.items() if o.control_after == "reform-uk"}
    assert reform == REFORM
    assert {name: final[name].control_before for name in BEFORE} == BEFORE
    assert final["Durham"].control_before_source == "roll"  # 56 of the old 126 seats: no majority then
    assert {final[n].control_after for n in ("Leicestershire", "Cornwall")} == {NOC}
