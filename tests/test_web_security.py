"""Every write endpoint refuses anonymous users and users without the role it needs: a case for each
endpoint and role, and a check that no write endpoint is missing from the table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.web.accounts import Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT, NIGHT_FILE, copy_of, csrf, demo_store, night_from_nominations

DERBYSHIRE = "E10000007"
NEEDS = {
    "/api/declarations": Role.REPORTER,
    "/api/stages": Role.REPORTER,
    "/desk/enter": Role.REPORTER,
    "/desk/entries/{entry_id}/{decision}": Role.EDITOR,
    "/desk/review/{code}/{action}": Role.EDITOR,
    "/desk/users": Role.ADMIN,
}
"""The role each write endpoint needs. Signing in and out are writes anyone may make."""
OPEN = {"/desk/login", "/desk/logout"}
EXAMPLES = {
    "/api/declarations": "/api/declarations",
    "/api/stages": "/api/stages",
    "/desk/enter": "/desk/enter",
    "/desk/entries/{entry_id}/{decision}": "/desk/entries/1/confirm",
    "/desk/review/{code}/{action}": f"/desk/review/{DERBYSHIRE}/publish",
    "/desk/users": "/desk/users",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("security") / "eve.db", ref, leave_out=NIGHT_FILE)


@pytest.fixture(scope="module")
def engine(store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = copy_of(store, tmp_path_factory.mktemp("security-copy"))
    for role in Role:
        add_user(engine, role.value, role, f"{role.value} has a long password")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def app_site(engine: Engine, ref: Reference) -> Site:
    return Site(engine, ref, NIGHT, night=night_from_nominations(engine, ref))


def write_routes(site: Site) -> set[str]:
    """The paths the app takes POST on, the routers it includes looked into."""
    found, routes = set(), list(create_app(site).routes)
    while routes:
        route = routes.pop()
        routes += getattr(getattr(route, "original_router", None), "routes", [])
        if "POST" in (getattr(route, "methods", None) or set()):
            found.add(getattr(route, "path", ""))
    return found


def test_every_write_endpoint_is_in_the_table(app_site: Site) -> None:
    assert write_routes(app_site) == set(NEEDS) | OPEN


def signed_in(site: Site, role: Role | None) -> tuple[TestClient, str]:
    """A browser, signed in as the user with `role` (or no one), and its CSRF token."""
    client = TestClient(create_app(site, secret="security tests"), follow_redirects=False)
    token = csrf(client.get("/desk/login"))
    if role is not None:
        client.post(
            "/desk/login",
            data={"csrf": token, "name": role.value, "password": f"{role.value} has a long password"},
        )
        token = csrf(client.get("/desk"))
    return client, token


@pytest.mark.parametrize("path", sorted(NEEDS))
def test_anonymous_writes_are_refused(app_site: Site, path: str) -> None:
    client, token = signed_in(app_site, None)
    answer = client.post(EXAMPLES[path], data={"csrf": token})
    if path.startswith("/api/"):
        assert answer.status_code == 401
    else:
        assert answer.status_code == 303 and answer.headers["location"].startswith("/desk/login")


def test_a_page_of_the_desk_sends_anyone_not_signed_in_to_sign_in_and_back(app_site: Site) -> None:
    """Whatever its path holds: a character a header cannot carry as it is (☃) is sent on encoded."""
    client, token = signed_in(app_site, None)
    for method, path in [
        ("GET", "/desk/review/%E2%98%83"),
        ("POST", "/desk/review/x/%E2%98%83"),
        ("POST", "/desk/entries/1/%E2%98%83"),
    ]:
        answer = client.request(method, path, data={"csrf": token} if method == "POST" else None)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/desk/login?next={path.replace('/', '%2F')}"
        form = client.get(answer.headers["location"])
        assert f'name="next" value="{path.replace("%E2%98%83", "☃")}"' in form.text


@pytest.mark.parametrize(
    ("path", "role"), [(p, r) for p, need in sorted(NEEDS.items()) for r in Role if r.rank < need.rank]
)
def test_writes_without_the_role_are_refused(app_site: Site, engine: Engine, path: str, role: Role) -> None:
    client, token = signed_in(app_site, role)
    answer = client.post(EXAMPLES[path], data={"csrf": token})
    assert answer.status_code == 403, answer.text


@pytest.mark.parametrize("path", sorted(NEEDS))
def test_with_the_role_the_write_is_let_through(app_site: Site, engine: Engine, path: str) -> None:
    """The refusals above are for want of a role: with it, the same request gets past the check (to
    whatever its content earns, never 401 or 403)."""
    need = NEEDS[path]
    if path.startswith("/api/"):
        client = TestClient(create_app(app_site))
        answer = client.post(
            path,
            content=b"election_date\n",
            headers={
                "Authorization": f"Bearer {issue_token(engine, need.value)}",
                "Content-Type": "text/csv",
            },
        )
    else:
        client, token = signed_in(app_site, need)
        answer = client.post(EXAMPLES[path], data={"csrf": token})
    assert answer.status_code not in {401, 403}, answer.text
