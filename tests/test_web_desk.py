"""The results desk in the browser's terms (forms, sessions, CSRF, roles) on the real 2021 night: a
reporter enters Derbyshire's divisions from the form; mistakes name their row and field and change
nothing; entries can wait for a second person; editors approve and publish; admins manage users."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from markupsafe import escape
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from tallyroom.importers import ward
from tallyroom.importers.base import Context
from tallyroom.reference import Reference
from tallyroom.rules.model import Poll
from tallyroom.store import queries
from tallyroom.store.schema import declarations
from tallyroom.web import entries
from tallyroom.web.accounts import Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.signin import Busy, Hashing, address_of
from tallyroom.web.site import Site
from tests.conftest import NIGHT_FILE, copy_of, csrf, demo_store, night_from_nominations

ON = date(2021, 5, 6)
DERBYSHIRE = "E10000007"
PEOPLE = {"rita": Role.REPORTER, "rob": Role.REPORTER, "eddie": Role.EDITOR, "ada": Role.ADMIN}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("desk-web") / "eve.db", ref, leave_out=NIGHT_FILE)


@pytest.fixture
def engine(store: str, tmp_path: Path) -> Iterator[Engine]:
    engine = copy_of(store, tmp_path)
    for name, role in PEOPLE.items():
        add_user(engine, name, role, password(name))
    yield engine
    engine.dispose()


def password(name: str) -> str:
    return f"{name} has a long password"


def nominations(ref: Reference) -> list[Poll]:
    return ward.read(NIGHT_FILE, Context(ref)).polls


@pytest.fixture
def site(engine: Engine, ref: Reference) -> Site:
    return Site(engine, ref, ON, night=night_from_nominations(engine, ref))


def browser(site: Site, confirm: bool = False) -> TestClient:
    return TestClient(desk_app(site, confirm))


def desk_app(site: Site, confirm: bool = False) -> ASGIApp:
    return create_app(site, secret="test secret", confirm=confirm, base_url="https://results.example")


def sign_in(client: TestClient, name: str) -> str:
    """Sign in through the form; the CSRF token of the session."""
    token = csrf(client.get("/desk/login"))
    answer = client.post(
        "/desk/login", data={"csrf": token, "name": name, "password": password(name)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return csrf(client.get("/desk"))


def form_for(poll: Poll, token: str) -> dict[str, str]:
    """A division's result as a desk types it in: names, parties, votes, and the elected boxes ticked."""
    values = {"csrf": token, "council_code": poll.council.code, "ward": poll.ward.name}
    values |= {"ward_code": poll.ward.code, "seats": str(poll.seats)}
    for i, c in enumerate(poll.candidacies):
        values |= {f"candidate_{i}": c.name, f"party_{i}": c.label, f"votes_{i}": str(c.votes or "")}
        if c.elected:
            values[f"elected_{i}"] = "1"
    return values


def logged(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(declarations)).scalar_one())


def derbyshire(ref: Reference) -> list[Poll]:
    return [p for p in nominations(ref) if p.council.code == DERBYSHIRE]


def test_a_reporter_enters_derbyshire_from_the_form_and_the_council_is_called(
    site: Site, engine: Engine, ref: Reference
) -> None:
    client = browser(site)
    token = sign_in(client, "rita")
    answers = [client.post("/desk/enter", data=form_for(p, token)) for p in derbyshire(ref)]
    assert all(a.status_code == 200 for a in answers)
    assert logged(engine) >= len(answers)
    said = [re.search(r'<p class="message" role="status">(.*?)</p>', a.text) for a in answers]
    assert all(s is not None and s.group(1).startswith("Result logged.") for s in said)
    called = [s.group(1) for s in said if s and "called" in s.group(1)]
    assert called == ["Result logged. Derbyshire called: Conservative (HOLD)."]
    outcome = client.get(f"/api/councils/{DERBYSHIRE}").json()
    assert outcome["composition"] == {"Conservative": 45, "Labour": 14, "Liberal Democrats": 4, "Green": 1}
    history = queries.history(engine, DERBYSHIRE, ON)
    assert {h["entered_by"] for h in history} == {"rita"}


def test_a_mistake_names_its_row_and_field_and_changes_nothing(
    site: Site, engine: Engine, ref: Reference
) -> None:
    client = browser(site)
    token = sign_in(client, "rita")
    values = form_for(derbyshire(ref)[0], token)
    values["votes_1"] = "12O4"  # a letter O typed for a zero
    before = logged(engine)
    answer = client.post("/desk/enter", data=values)
    assert answer.status_code == 400
    assert "desk entry, row 3: field &#39;votes&#39;" in answer.text and "12O4" in answer.text
    assert logged(engine) == before
    assert 'value="12O4"' in answer.text  # the form comes back as typed, to be put right
    empty = {k: v for k, v in values.items() if not k.startswith(("candidate_", "party_", "votes_"))}
    answer = client.post("/desk/enter", data=empty)
    assert answer.status_code == 400 and "field &#39;candidate&#39;: no candidate was entered" in answer.text
    assert logged(engine) == before


def test_the_form_for_a_ward_on_the_card_has_its_seats_and_candidates(site: Site, ref: Reference) -> None:
    client = browser(site)
    sign_in(client, "rita")
    poll = next(p for p in derbyshire(ref) if p.seats == 2)
    form = client.get(f"/desk/enter?council={DERBYSHIRE}&ward={poll.ward.code}").text
    assert 'id="seats" name="seats" inputmode="numeric" value="2"' in form
    for i, c in enumerate(poll.candidacies):
        assert f'name="candidate_{i}" aria-label="Candidate {i + 1} name" value="{escape(c.name)}"' in form
    assert " checked" not in form  # no one elected before the count


def test_a_correction_is_a_new_revision(site: Site, engine: Engine, ref: Reference) -> None:
    client = browser(site)
    token = sign_in(client, "rita")
    poll = derbyshire(ref)[0]
    client.post("/desk/enter", data=form_for(poll, token))
    prefilled = client.get(f"/desk/enter?council={DERBYSHIRE}&ward={poll.ward.code}").text
    assert f'value="{poll.candidacies[0].name}"' in prefilled
    values = form_for(poll, token)
    values["votes_0"] = str(int(values["votes_0"]) + 10)
    answer = client.post("/desk/enter", data=values)
    assert "Correction logged." in answer.text
    revisions = [h for h in queries.history(engine, DERBYSHIRE, ON) if h["ward"] == poll.ward.name]
    assert [r["revision"] for r in revisions] == [1, 2]


def test_without_the_csrf_token_or_a_session_nothing_is_written(
    site: Site, engine: Engine, ref: Reference
) -> None:
    client = browser(site)
    poll = derbyshire(ref)[0]
    before = logged(engine)
    anonymous = client.post("/desk/enter", data=form_for(poll, "x"), follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/desk/login")
    sign_in(client, "rita")
    forged = client.post("/desk/enter", data=form_for(poll, "not the session's token"))
    assert forged.status_code == 403
    other = browser(site)
    other_token = sign_in(other, "rob")
    stolen = client.post("/desk/enter", data=form_for(poll, other_token))  # another session's token
    assert stolen.status_code == 403
    assert logged(engine) == before


def test_an_entry_waits_for_an_editor_other_than_its_reporter(
    site: Site, engine: Engine, ref: Reference
) -> None:
    rita, rob, eddie = (browser(site, confirm=True) for _ in range(3))
    rita_token, rob_token, eddie_token = sign_in(rita, "rita"), sign_in(rob, "rob"), sign_in(eddie, "eddie")
    poll = derbyshire(ref)[0]
    before = logged(engine)
    waiting = rita.post("/desk/enter", data=form_for(poll, rita_token))
    assert "waiting for a second person" in waiting.text
    assert logged(engine) == before
    assert "An editor other than rita confirms it." in waiting.text  # a reporter is offered no button
    entry = re.search(r'action="/desk/entries/(\d+)/confirm"', eddie.get("/desk").text)
    assert entry is not None
    own = rita.post(f"/desk/entries/{entry.group(1)}/confirm", data={"csrf": rita_token})
    other_reporter = rob.post(f"/desk/entries/{entry.group(1)}/confirm", data={"csrf": rob_token})
    assert own.status_code == other_reporter.status_code == 403 and logged(engine) == before
    confirmed = eddie.post(f"/desk/entries/{entry.group(1)}/confirm", data={"csrf": eddie_token})
    assert "Result logged." in confirmed.text and logged(engine) == before + 1
    (kept,) = [h for h in queries.history(engine, DERBYSHIRE, ON) if h["ward"] == poll.ward.name]
    assert kept["entered_by"] == "rita, confirmed by eddie"


def test_the_desk_shows_the_first_lines_of_a_long_entry_and_links_to_it_whole(site: Site) -> None:
    eddie = browser(site, confirm=True)
    sign_in(eddie, "eddie")
    rows = [f"2025-05-01,Derbyshire,{DERBYSHIRE},Alfreton,,1,candidate {i},Labour,{i},," for i in range(60)]
    body = "\n".join(["election_date,council,council_code,ward,ward_code,seats,candidate,party,votes", *rows])
    entry = entries.hold(site, body, DERBYSHIRE, "Alfreton", "rita")
    desk = eddie.get("/desk").text
    assert "candidate 38," in desk and "candidate 39," not in desk  # the header and 39 rows
    assert f'and 21 more lines: <a href="/desk/entries/{entry}">the whole entry</a>' in desk
    whole = eddie.get(f"/desk/entries/{entry}")
    assert (whole.text, whole.headers["cache-control"]) == (body, "no-store")
    assert whole.headers["content-type"].startswith("text/plain")
    assert eddie.get("/desk/entries/999999").status_code == 404
    anonymous = browser(site, confirm=True).get(f"/desk/entries/{entry}", follow_redirects=False)
    assert anonymous.status_code == 303


def test_an_editor_cannot_confirm_their_own_entry(site: Site, engine: Engine, ref: Reference) -> None:
    eddie = browser(site, confirm=True)
    token = sign_in(eddie, "eddie")
    before = logged(engine)
    waiting = eddie.post("/desk/enter", data=form_for(derbyshire(ref)[0], token))
    assert "An editor other than eddie confirms it." in waiting.text
    (entry,) = entries.waiting(site)
    own = eddie.post(f"/desk/entries/{entry.id}/confirm", data={"csrf": token})
    assert "you entered this one" in own.text and logged(engine) == before


def test_only_editors_approve_and_publish_and_the_story_appears(
    site: Site, engine: Engine, ref: Reference
) -> None:
    rita = browser(site)
    token = sign_in(rita, "rita")
    for poll in derbyshire(ref):
        rita.post("/desk/enter", data=form_for(poll, token))
    assert rita.post(f"/desk/review/{DERBYSHIRE}/approve", data={"csrf": token}).status_code == 403
    assert rita.post(f"/desk/review/{DERBYSHIRE}/publish", data={"csrf": token}).status_code == 403

    eddie = browser(site)
    token = sign_in(eddie, "eddie")
    draft = eddie.get(f"/desk/review/{DERBYSHIRE}").text
    assert "Conservatives hold Derbyshire" in draft
    edited = "Conservatives hold Derbyshire\n\nThe Conservatives kept control of Derbyshire County Council."
    eddie.post(f"/desk/review/{DERBYSHIRE}/edit", data={"csrf": token, "text": edited})
    eddie.post(f"/desk/review/{DERBYSHIRE}/approve", data={"csrf": token})
    published = eddie.post(f"/desk/review/{DERBYSHIRE}/publish", data={"csrf": token})
    assert "Published." in published.text
    page = eddie.get(f"/council/{DERBYSHIRE}").text
    assert "The Conservatives kept control of Derbyshire County Council." in page
    story = eddie.get(f"/api/stories/{DERBYSHIRE}").json()
    assert story["text"] == edited and story["published_by"] == "eddie"


def test_only_admins_manage_users(site: Site, engine: Engine) -> None:
    eddie = browser(site)
    token = sign_in(eddie, "eddie")
    assert eddie.get("/desk/users").status_code == 403
    new = {"csrf": token, "action": "add", "name": "mallory", "role": "admin", "password": "x" * 20}
    assert eddie.post("/desk/users", data=new).status_code == 403
    ada = browser(site)
    token = sign_in(ada, "ada")
    added = ada.post("/desk/users", data={**new, "csrf": token, "role": "reporter"})
    assert "mallory added." in added.text
    issued = ada.post("/desk/users", data={"csrf": token, "action": "token", "name": "mallory"})
    found = re.search(r'<p class="token"><code>([^<]+)</code>', issued.text)
    assert found is not None
    disabled = ada.post("/desk/users", data={"csrf": token, "action": "disable", "name": "mallory"})
    assert "mallory disabled." in disabled.text
    refused = ada.post(
        "/api/declarations",
        content=b"election_date\n",
        headers={"Authorization": f"Bearer {found.group(1)}", "Content-Type": "text/csv"},
    )
    assert refused.status_code == 401


def test_failed_logins_are_rate_limited(site: Site) -> None:
    client = browser(site)
    token = csrf(client.get("/desk/login"))
    codes = [
        client.post("/desk/login", data={"csrf": token, "name": "rita", "password": "wrong"}).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    right = client.post("/desk/login", data={"csrf": token, "name": "rita", "password": password("rita")})
    assert right.status_code == 429  # even the right password waits out the window


def login_from(app: ASGIApp, address: str, name: str, secret: str) -> int:
    """A login in a new browser at `address`."""
    client = TestClient(app, client=(address, 50000))
    token = csrf(client.get("/desk/login"))
    return client.post("/desk/login", data={"csrf": token, "name": name, "password": secret}).status_code


def test_guesses_at_an_account_from_many_addresses_keep_out_all_but_its_own_browsers(site: Site) -> None:
    """Twenty wrong passwords for rita, each from an address of its own, and her account waits out the
    window: a browser new to it is refused even the right password, while the browser she signed in on
    earlier (and signed out of) signs her in."""
    app = desk_app(site)
    hers = TestClient(app, client=("198.51.100.1", 50000))
    token = sign_in(hers, "rita")
    assert hers.post("/desk/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    guesses = [login_from(app, f"203.0.113.{i}", "rita", "wrong") for i in range(21)]
    assert guesses == [401] * 20 + [429]
    assert login_from(app, "192.0.2.9", "rita", password("rita")) == 429
    assert login_from(app, "192.0.2.9", "rob", "wrong") == 401  # another account is not held up
    sign_in(hers, "rita")


def test_a_full_line_of_password_checks_turns_away_all_but_a_known_browser() -> None:
    hashing = Hashing(at_once=1, waiting=1)

    async def in_a_full_line() -> str:
        async with hashing.line(), hashing.line():
            with pytest.raises(Busy):
                async with hashing.line():
                    pass
            async with hashing.line(however_long=True):
                return "waiting"

    assert asyncio.run(in_a_full_line()) == "waiting"


def test_an_ipv6_network_has_the_tries_of_one_address(site: Site) -> None:
    """A subscriber is commonly given a whole /64: its hosts share one address's five tries."""
    app = desk_app(site)
    codes = [login_from(app, f"2001:db8:5:6::{i}", "rita", "wrong") for i in range(1, 7)]
    assert codes == [401] * 5 + [429]
    assert login_from(app, "2001:db8:5:7::1", "rita", "wrong") == 401
    assert address_of("2001:db8:5:6:a:b:c:d") == "2001:db8:5:6::/64"
    assert address_of("::ffff:203.0.113.7") == address_of("203.0.113.7") == "203.0.113.7"


ODD_NAMES = [
    "A" * 2000,  # very long
    "\u202etsiL\u202c Rita",  # a right-to-left override
    "Zoe\u0308 Ba\u0301nd\u200d",  # combining marks and a zero-width joiner
    "=cmd|' /C calc'!A0",  # a spreadsheet formula
    "\U0001f5f3\ufe0f O'Brien & <b>Sons</b>",  # emoji, an apostrophe, markup
]


def test_odd_and_hostile_names_survive_as_text_everywhere(site: Site, engine: Engine, ref: Reference) -> None:
    poll = derbyshire(ref)[0]
    renamed = [c._replace(name=n) for c, n in zip(poll.candidacies, ODD_NAMES, strict=False)]
    poll = poll._replace(candidacies=tuple(renamed))
    out = io.StringIO()
    ward.write([poll], out)
    client = browser(site)
    add_user(engine, "feed", Role.REPORTER, "a long feed password")
    headers = {"Authorization": f"Bearer {issue_token(engine, 'feed')}", "Content-Type": "text/csv"}
    assert (
        client.post("/api/declarations", content=out.getvalue().encode(), headers=headers).status_code == 200
    )

    names = [c.name for c in poll.candidacies]
    council = client.get(f"/api/councils/{DERBYSHIRE}").json()
    (declared,) = council["wards"]
    assert sorted(c["name"] for c in declared["candidates"]) == sorted(names)  # the API keeps them exactly
    page = client.get(f"/council/{DERBYSHIRE}/ward/{poll.ward.code}")
    assert page.status_code == 200
    for name in names:
        assert str(escape(name)) in page.text
    assert "<b>Sons</b>" not in page.text
    for url in ("/", f"/council/{DERBYSHIRE}", "/search?q=derbyshire"):
        assert client.get(url).status_code == 200
    feed = ElementTree.fromstring(client.get("/feeds/declarations.atom").content)
    assert feed.find("{http://www.w3.org/2005/Atom}entry") is not None
    exported = list(csv.DictReader(io.StringIO(client.get("/export/results.csv").text)))
    assert {r["person_name"] for r in exported} >= {"'" + n if n.startswith("=") else n for n in names}


def test_a_nul_in_a_name_is_refused_with_its_row(site: Site, engine: Engine, ref: Reference) -> None:
    poll = derbyshire(ref)[0]
    out = io.StringIO()
    ward.write(
        [poll._replace(candidacies=(poll.candidacies[0]._replace(name="Rita\x00"), *poll.candidacies[1:]))],
        out,
    )
    add_user(engine, "feed", Role.REPORTER, "a long feed password")
    headers = {"Authorization": f"Bearer {issue_token(engine, 'feed')}", "Content-Type": "text/csv"}
    before = logged(engine)
    answer = browser(site).post("/api/declarations", content=out.getvalue().encode(), headers=headers)
    assert answer.status_code == 400 and answer.json()["row"] is not None
    assert logged(engine) == before
