"""Attacks on the website from outside, over HTTP, each answered at its root (issue 10): logins raced,
flooded or disguised behind a forged X-Forwarded-For; `--confirm` bypassed through the API; sessions
that outlive signing out, a password change or a user disabled; Host headers that grow the cache and
reach the feeds; searches that burn CPU; chunked bodies read whole; HEAD refused; 500s without the
security headers. Real servers (`tallyroom serve`) where the server's own settings matter, the app in
process otherwise; every store the tests make is on the suite's store (SQLite, or PostgreSQL in its
pass)."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx2
import pytest
from sqlalchemy import Engine, func
from sqlalchemy import select as query
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.store.database import connect
from tallyroom.store.schema import declarations
from tallyroom.web import accounts
from tallyroom.web.accounts import Role, add_user, issue_token, set_password
from tallyroom.web.app import SECURITY_HEADERS, create_app
from tallyroom.web.site import Site
from tests.conftest import (
    NIGHT,
    NIGHT_FILE,
    Serving,
    copy_of,
    copy_url,
    csrf,
    demo_store,
    night_from_nominations,
    night_wards,
)

DERBYSHIRE = "E10000007"
PEOPLE = {"rita": Role.REPORTER, "eddie": Role.EDITOR, "ada": Role.ADMIN}


def password(name: str) -> str:
    return f"{name} has a long password"


TOKENS: dict[str, str] = {}


@pytest.fixture(scope="module")
def eve(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    """The eve of the 2021 night (every demo file but the night's own), with a reporter (and her API
    token, in `TOKENS`), an editor and an admin."""
    store = demo_store(tmp_path_factory.mktemp("attacks") / "eve.db", ref, leave_out=NIGHT_FILE)
    engine = connect(store)
    for name, role in PEOPLE.items():
        add_user(engine, name, role, password(name))
    TOKENS["rita"] = issue_token(engine, "rita")
    engine.dispose()
    return store


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    """The whole 2021 night, declared."""
    return demo_store(tmp_path_factory.mktemp("attacks-night") / "night.db", ref)


@pytest.fixture
def engine(eve: str, tmp_path: Path) -> Iterator[Engine]:
    engine = copy_of(eve, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def site(engine: Engine, ref: Reference) -> Site:
    return Site(engine, ref, NIGHT, night=night_from_nominations(engine, ref))


Serve = Callable[..., Serving]


@pytest.fixture
def serve(eve: str, tmp_path: Path) -> Iterator[Serve]:
    """`serve(*options)`: `tallyroom serve` on a fresh copy of the eve, stopped when the test ends."""
    started: list[Serving] = []

    def start(*options: str) -> Serving:
        server = Serving(copy_url(eve, tmp_path / f"served-{len(started)}.db"), *options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def logged(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query(func.count()).select_from(declarations)).scalar_one())


def sign_in(client: TestClient, name: str) -> str:
    token = csrf(client.get("/desk/login"))
    answer = client.post(
        "/desk/login", data={"csrf": token, "name": name, "password": password(name)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return csrf(client.get("/desk"))


def tallyroom(engine: Engine, *args: str, **env: str) -> str:
    url = engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", url, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def wrong_logins(url: str, count: int, forwarded_for: list[str] | None = None) -> list[int]:
    """`count` wrong passwords for rita sent at once, each from a browser of its own (a session and its
    CSRF token), optionally each claiming to come from an address of its own: their statuses."""
    clients = [httpx2.Client(base_url=url, timeout=60) for _ in range(count)]
    tokens = [csrf(c.get("/desk/login")) for c in clients]
    statuses = [0] * count
    start = threading.Barrier(count)

    def attempt(i: int) -> None:
        headers = {"X-Forwarded-For": forwarded_for[i]} if forwarded_for else {}
        start.wait()
        answer = clients[i].post(
            "/desk/login", data={"csrf": tokens[i], "name": "rita", "password": "wrong"}, headers=headers
        )
        statuses[i] = answer.status_code

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return statuses


# 3. Logins: raced, flooded, disguised


def test_thirty_concurrent_wrong_passwords_from_one_address_get_five_checks(serve: Serve) -> None:
    server = serve()
    statuses = wrong_logins(server.url, 30)
    assert sorted(statuses) == [401] * 5 + [429] * 25


def test_several_workers_share_the_limit(engine: Engine, ref: Reference) -> None:
    """Two apps on one store (two workers): failures at one count at the other."""
    first, second = (
        TestClient(create_app(Site(engine, ref, NIGHT, night=night_from_nominations(engine, ref))))
        for _ in range(2)
    )
    token = csrf(first.get("/desk/login"))
    wrong = {"csrf": token, "name": "rita", "password": "wrong"}
    assert [first.post("/desk/login", data=wrong).status_code for _ in range(5)] == [401] * 5
    token = csrf(second.get("/desk/login"))
    right = {"csrf": token, "name": "rita", "password": password("rita")}
    assert second.post("/desk/login", data=right).status_code == 429


def wrong_logins_in_turn(url: str, forwarded_for: list[str]) -> list[int]:
    """Wrong passwords for rita one after another, each claiming to come from the address given."""
    with httpx2.Client(base_url=url, timeout=60) as client:
        wrong = {"csrf": csrf(client.get("/desk/login")), "name": "rita", "password": "wrong"}
        return [
            client.post("/desk/login", data=wrong, headers={"X-Forwarded-For": address}).status_code
            for address in forwarded_for
        ]


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(serve: Serve) -> None:
    direct = serve()
    disguised = wrong_logins_in_turn(direct.url, [f"203.0.113.{i}" for i in range(6)])
    assert disguised == [401] * 5 + [429]  # one address, however many it claims

    proxied = serve(
        "--behind-proxy", "http", "--base-url", "http://127.0.0.1", "--trusted-proxy", "127.0.0.1"
    )
    assert wrong_logins_in_turn(proxied.url, [f"203.0.113.{i}" for i in range(6)]) == [401] * 6
    assert wrong_logins_in_turn(proxied.url, ["198.51.100.7"] * 6) == [401] * 5 + [429]


def test_a_login_flood_waits_in_a_short_line_and_the_rest_are_told_to_come_back(serve: Serve) -> None:
    """Forty wrong logins at once, each from an address of its own behind a trusted proxy: a few
    passwords are checked at a time, a few wait, and the rest are answered 429 without one."""
    server = serve("--behind-proxy", "http", "--base-url", "http://127.0.0.1")
    statuses = wrong_logins(server.url, 40, [f"198.51.100.{i}" for i in range(40)])
    assert set(statuses) == {401, 429}
    assert statuses.count(429) >= 20


# 4. --confirm through the API


def test_under_confirm_a_reporters_token_waits_and_a_trusted_feed_does_not(
    site: Site, engine: Engine
) -> None:
    app = create_app(site, secret="attacks", confirm=True)
    api = TestClient(app)
    (_, _, first), (_, _, second) = night_wards(DERBYSHIRE)[:2]
    before = logged(engine)
    headers = {"Authorization": f"Bearer {TOKENS['rita']}", "Content-Type": "text/csv"}
    answer = api.post("/api/declarations", content=first, headers=headers)
    assert answer.status_code == 202, answer.text
    entry = answer.json()["waiting"]
    assert logged(engine) == before

    eddie = TestClient(app)
    token = sign_in(eddie, "eddie")
    assert f'action="/desk/entries/{entry}/confirm"' in eddie.get("/desk").text
    confirmed = eddie.post(f"/desk/entries/{entry}/confirm", data={"csrf": token})
    assert "Result logged." in confirmed.text and logged(engine) == before + 1

    feed = tallyroom(engine, "user", "token", "ada", "--trusted-feed")
    answer = api.post(
        "/api/declarations", content=second, headers={**headers, "Authorization": f"Bearer {feed}"}
    )
    assert answer.status_code == 200 and answer.json()["new"] == 1
    assert logged(engine) == before + 2


# 5. Sessions that end


def replayed(site: Site, cookie: str) -> int:
    """The desk's answer to a browser that kept a copy of a session cookie."""
    stranger = TestClient(create_app(site, secret="attacks"), cookies={"tallyroom_session": cookie})
    return stranger.get("/desk", follow_redirects=False).status_code


def signed_in_cookie(site: Site, name: str) -> tuple[TestClient, str, str]:
    client = TestClient(create_app(site, secret="attacks"))
    token = sign_in(client, name)
    cookie = client.cookies["tallyroom_session"]
    assert replayed(site, cookie) == 200
    return client, token, cookie


def test_a_cookie_replayed_after_signing_out_is_refused(site: Site) -> None:
    client, token, cookie = signed_in_cookie(site, "rita")
    client.post("/desk/logout", data={"csrf": token})
    assert replayed(site, cookie) == 303


def test_a_cookie_replayed_after_a_password_change_is_refused(site: Site, engine: Engine) -> None:
    _, _, cookie = signed_in_cookie(site, "rita")
    set_password(engine, "rita", "rita's brand new password")
    assert replayed(site, cookie) == 303


def test_user_password_sets_a_new_password_and_signs_the_user_out(site: Site, engine: Engine) -> None:
    _, _, cookie = signed_in_cookie(site, "rita")
    tallyroom(engine, "user", "password", "rita", TALLYROOM_PASSWORD="rita's brand new password")
    assert replayed(site, cookie) == 303
    assert accounts.authenticate(engine, "rita", "rita's brand new password") is not None


def test_a_cookie_replayed_after_the_user_was_disabled_is_refused_even_once_enabled(site: Site) -> None:
    _, _, cookie = signed_in_cookie(site, "rita")
    ada = TestClient(create_app(site, secret="attacks"))
    token = sign_in(ada, "ada")
    ada.post("/desk/users", data={"csrf": token, "action": "disable", "name": "rita"})
    assert replayed(site, cookie) == 303
    ada.post("/desk/users", data={"csrf": token, "action": "enable", "name": "rita"})
    assert replayed(site, cookie) == 303


@pytest.mark.parametrize(
    ("options", "secure"),
    [
        ((), False),
        (("--secure-cookies",), True),
        (("--behind-proxy", "https", "--base-url", "https://results.example"), True),
    ],
)
def test_cookies_are_secure_when_served_over_tls(
    serve: Serve, options: tuple[str, ...], secure: bool
) -> None:
    server = serve(*options)
    cookie = httpx2.get(f"{server.url}/desk/login").headers["set-cookie"]
    assert ("; secure" in cookie.lower()) is secure


# 6. The Host header


def test_hosts_not_allowed_are_refused(serve: Serve) -> None:
    server = serve()
    assert httpx2.get(f"{server.url}/", headers={"Host": "evil.example"}).status_code == 400
    assert httpx2.get(f"{server.url}/", headers={"Host": f"localhost:{server.port}"}).status_code == 200
    feed = httpx2.get(f"{server.url}/feeds/declarations.atom").text
    assert "evil.example" not in feed

    hosts = ("--allowed-host", "results.example", "--allowed-host", "127.0.0.1")
    public = serve("--base-url", "https://results.example", *hosts)
    assert httpx2.get(f"{public.url}/", headers={"Host": "results.example"}).status_code == 200
    assert httpx2.get(f"{public.url}/", headers={"Host": "localhost"}).status_code == 400


def test_feeds_link_to_the_configured_address_whatever_the_host(
    night: str, ref: Reference, tmp_path: Path
) -> None:
    engine = copy_of(night, tmp_path)
    client = TestClient(create_app(Site.open(engine, ref, NIGHT), base_url="https://results.example/"))
    for path in ("/feeds/declarations.atom", "/feeds/stories.atom"):
        bodies = {client.get(path, headers={"Host": f"h{i}.evil.example"}).content for i in range(50)}
        assert len(bodies) == 1, path  # one document, made once, whatever the Host
        feed = ElementTree.fromstring(bodies.pop())
        links = [link.get("href", "") for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
        assert links and all(link.startswith("https://results.example/") for link in links)
    engine.dispose()


# 7. Search


def test_search_is_bounded_and_finds_names_by_the_starts_of_their_words(
    night: str, ref: Reference, tmp_path: Path
) -> None:
    engine = copy_of(night, tmp_path)
    client = TestClient(create_app(Site.open(engine, ref, NIGHT)))
    assert client.get("/search", params={"q": "a " * 30_000}).status_code == 400
    assert client.get("/search", params={"q": "a b c d e f g h i"}).status_code == 400
    assert client.get("/search", params={"q": "x" * 101}).status_code == 400
    found = client.get("/search", params={"q": "DARL derb"}).text
    assert ">Darley</a>, Derby" in found
    assert client.get("/search", params={"q": "arley"}).text.count("/ward/") == 0  # starts of words only
    engine.dispose()


# 10. Chunked bodies


def post_chunked(port: int, path: str, headers: dict[str, str], piece: bytes, limit: int) -> tuple[int, int]:
    """POST a chunked body of `piece` after `piece`, up to `limit` bytes, stopping as soon as the server
    answers: its status (0 for none) and the bytes sent by then."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Transfer-Encoding: chunked"]
    waiting = ("\r\n".join([*lines, *(f"{k}: {v}" for k, v in headers.items())]) + "\r\n\r\n").encode()
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    sent, answer = 0, b""
    deadline = time.monotonic() + 120
    try:
        while b"\r\n" not in answer and time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock] if sent < limit else [], [], 1)
            if readable:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
            elif writable:
                waiting = waiting or chunk
                try:
                    done = sock.send(waiting)
                except (BrokenPipeError, ConnectionResetError):
                    break
                waiting, sent = waiting[done:], sent + done
    finally:
        sock.close()
    return (int(answer.split(b" ", 2)[1]) if answer else 0), sent


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(serve: Serve) -> None:
    server = serve()
    limit = 64 * 1024 * 1024
    api = {"Authorization": f"Bearer {TOKENS['rita']}", "Content-Type": "text/csv"}
    status, sent = post_chunked(server.port, "/api/declarations", api, b"a" * 65536, limit)
    assert status == 413 and sent < limit // 4
    form = {"Content-Type": "application/x-www-form-urlencoded"}  # many fields, each small enough
    status, sent = post_chunked(server.port, "/desk/login", form, b"&f=" + b"a" * 65533, limit)
    assert status == 413 and sent < limit // 4


# 12. HEAD, 500s, and who confirms


READABLE = [
    "/",
    "/region/east-midlands",
    f"/council/{DERBYSHIRE}",
    "/search?q=derby",
    "/api/night",
    "/api/councils",
    f"/api/councils/{DERBYSHIRE}",
    "/api/headlines",
    "/api/progress",
    "/api/events",
    "/api/executive",
    f"/api/stories/{DERBYSHIRE}",
    "/feeds/declarations.atom",
    "/feeds/stories.atom",
    "/export/results.csv",
    "/openapi.json",
    "/health",
    "/desk/login",
    "/static/site.css",
]


def test_every_page_and_document_answers_head(night: str, ref: Reference, tmp_path: Path) -> None:
    engine = copy_of(night, tmp_path)
    client = TestClient(create_app(Site.open(engine, ref, NIGHT)))
    for path in READABLE:
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-security-policy"] == SECURITY_HEADERS["content-security-policy"], path
    for encoding in ("gzip", "identity"):  # HEAD says the length of what GET sends, compressed or not
        asked = {"Accept-Encoding": encoding}
        got = client.get(f"/api/councils/{DERBYSHIRE}", headers=asked)
        head = client.head(f"/api/councils/{DERBYSHIRE}", headers=asked)
        assert head.headers["content-length"] == got.headers["content-length"], encoding
        assert head.headers.get("content-encoding") == got.headers.get("content-encoding"), encoding
    plain = client.get(f"/api/councils/{DERBYSHIRE}", headers={"Accept-Encoding": "identity"})
    assert plain.headers["content-length"] == str(len(plain.content))
    engine.dispose()


def test_head_of_the_live_stream_ends_after_its_headers(serve: Serve) -> None:
    server = serve()
    answer = httpx2.head(f"{server.url}/live", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")


def test_a_server_error_carries_the_security_headers(site: Site) -> None:
    app = create_app(site)

    @app.get("/fails")
    def fails() -> None:
        raise RuntimeError("a bug")

    answer = TestClient(app, raise_server_exceptions=False).get("/fails")
    assert answer.status_code == 500
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value


def test_a_reporter_cannot_confirm_an_entry_posted_through_the_api(site: Site, engine: Engine) -> None:
    app = create_app(site, secret="attacks", confirm=True)
    add_user(engine, "rob", Role.REPORTER, password("rob"))
    headers = {"Authorization": f"Bearer {TOKENS['rita']}", "Content-Type": "text/csv"}
    entry = TestClient(app).post("/api/declarations", content=night_wards(DERBYSHIRE)[0][2], headers=headers)
    rob = TestClient(app)
    token = sign_in(rob, "rob")
    refused = rob.post(f"/desk/entries/{entry.json()['waiting']}/confirm", data={"csrf": token})
    assert refused.status_code == 403 and "needs a desk editor" in refused.text
