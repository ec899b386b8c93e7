"""The website and API over HTTP on the real 2021 East Midlands night: the API answers what the command
line prints, pages show the results, caching, security headers and OpenAPI."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, inspect
from starlette.testclient import TestClient
from typer.testing import CliRunner

from tallyroom.cli import app as cli
from tallyroom.reference import Reference
from tallyroom.web.accounts import Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT_COUNCILS, copy_of, demo_store

ON = date(2021, 5, 6)
DERBYSHIRE = "E10000007"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("web") / "demo.db", ref)


@pytest.fixture(scope="module")
def client(store: str, ref: Reference, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    engine = copy_of(store, tmp_path_factory.mktemp("web-copy"))
    with TestClient(create_app(Site.open(engine, ref, ON))) as client:
        yield client
    engine.dispose()


def cli_json(store: str, *args: str) -> object:
    result = CliRunner().invoke(cli, ["--db", store, *args, "--date", ON.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", ["Derbyshire", "E10000019", "nottinghamshire", "Derby"])
def test_a_council_from_the_api_is_what_the_command_line_prints(
    client: TestClient, store: str, name: str
) -> None:
    answer = client.get(f"/api/councils/{name}")
    assert answer.status_code == 200
    assert answer.json() == cli_json(store, "council", name)


def test_councils_headlines_and_progress_are_what_the_command_line_prints(
    client: TestClient, store: str
) -> None:
    assert client.get("/api/councils").json() == cli_json(store, "councils")
    assert client.get("/api/councils?region=East Midlands").json() == cli_json(
        store, "councils", "--region", "East Midlands"
    )
    assert client.get("/api/headlines").json() == cli_json(store, "headlines")
    assert client.get("/api/progress").json() == cli_json(store, "progress")


def test_a_region_the_register_does_not_name_is_404_as_on_the_command_line(
    client: TestClient, store: str
) -> None:
    for path in ("/api/councils", "/api/headlines", "/api/shares"):
        answer = client.get(path, params={"region": "East Midland"})
        assert answer.status_code == 404, path
        assert answer.json()["error"].startswith("no region 'East Midland'; regions: East Midlands, ")
    assert client.get("/api/councils", params={"region": "east midlands"}).json() == cli_json(
        store, "councils", "--region", "East Midlands"
    )


def test_the_night_in_json(client: TestClient) -> None:
    night = client.get("/api/night").json()
    assert night["election_date"] == "2021-05-06"
    assert night["progress"]["night"]["councils_complete"] == len(night["councils"]) == NIGHT_COUNCILS
    derbyshire = next(c for c in night["councils"] if c["council"]["code"] == DERBYSHIRE)
    assert derbyshire["composition"] == {"Conservative": 45, "Labour": 14, "Liberal Democrats": 4, "Green": 1}
    assert client.get("/api/councils/Nowhere").status_code == 404


def test_the_council_page_shows_the_make_up_the_call_and_the_wards(client: TestClient) -> None:
    page = client.get(f"/council/{DERBYSHIRE}")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Derbyshire</h1>" in html
    assert "Conservatives hold Derbyshire" in html
    assert "<dt>Needed for a majority</dt><dd>33</dd>" in html
    conservative = re.search(
        r"<tr><th scope=\"row\">.*?Conservative</span></th><td>(\d+)</td><td>(\d+)</td><td>(.*?)</td>", html
    )
    assert conservative is not None
    assert conservative.groups() == ("45", "45", "+8")
    assert '<th scope="col">Since 2017</th>' in html and "and the change since 2017" in html
    assert html.count('href="/council/E10000007/ward/') == 61  # every division, each linked once
    assert '<th scope="col">Majority</th>' in html and "STV" not in html
    derbyshire = client.get(f"/api/councils/{DERBYSHIRE}").json()
    majorities = re.findall(r"</td>\n  <td>([\d,]*)</td>\n  <td>", html)
    assert majorities == [
        f"{w['majority']:,}" if w["majority"] is not None else ""
        for w in sorted(derbyshire["wards"], key=lambda w: w["ward"]["name"])
    ]
    assert "33 for a majority" in html  # the seat chart's majority line, in words as well as drawn


def test_a_ward_page_has_candidates_shares_and_the_previous_result(client: TestClient) -> None:
    council = client.get("/api/councils/Derby").json()
    darley = next(w for w in council["wards"] if w["ward"]["name"] == "Darley")
    page = client.get(f"/council/E06000015/ward/{darley['ward']['code']}")
    assert page.status_code == 200
    html = page.text
    votes = [c["votes"] for c in darley["candidates"]]
    total = sum(votes)
    for candidate in darley["candidates"]:
        share = f"{100 * candidate['votes'] / total:.1f}%"
        row = re.search(rf"<th scope=\"row\">{re.escape(candidate['name'])}</th>.*?</tr>", html)
        assert row is not None and share in row.group(0) and f"{candidate['votes']:,}" in row.group(0)
    assert f"<dt>Majority</dt><dd>{darley['majority']}</dd>" in html
    assert "Previous result" not in html  # two seats filled, one a by-election: no like-for-like comparison

    abbey = next(w for w in council["wards"] if w["ward"]["name"] == "Abbey")
    html = client.get(f"/council/E06000015/ward/{abbey['ward']['code']}").text
    fought = date.fromisoformat(council["change"]["baseline_date"])
    assert f"<h2>Previous result, {fought.day} {fought:%B %Y}</h2>" in html
    assert abbey["gains"] or abbey["holds"]


def test_search_finds_councils_and_wards(client: TestClient) -> None:
    html = client.get("/search?q=darley").text
    assert ">Darley</a>, Derby" in html
    html = client.get("/search?q=derby").text
    assert '<a href="/council/E06000015">Derby</a>' in html
    assert '<a href="/council/E10000007">Derbyshire</a>' in html


def test_pages_carry_an_etag_of_their_bytes_and_answer_304_while_unchanged(client: TestClient) -> None:
    first = client.get("/")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=5"
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    document = client.get("/api/night")
    assert document.headers["etag"] != etag  # another document, another tag
    assert client.get("/api/night", headers={"If-None-Match": etag}).status_code == 200
    assert client.get("/api/night", headers={"If-None-Match": document.headers["etag"]}).status_code == 304


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for url in ("/", "/api/night", f"/council/{DERBYSHIRE}", "/desk/login", "/nowhere"):
        headers = client.get(url).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/night", "/api/councils", "/api/councils/{name_or_code}", "/api/declarations", "/live"):
        assert path in spec["paths"], path
    outcome = spec["components"]["schemas"]["CouncilOutcome"]
    assert {"council", "won", "composition", "control", "outcome", "change", "headline"} <= set(
        outcome["properties"]
    )
    assert not any(p.startswith(("/desk", "/council/")) for p in spec["paths"])


def test_unknown_pages_are_404_pages(client: TestClient) -> None:
    page = client.get("/council/E99999999")
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.text
    assert client.get("/region/atlantis").status_code == 404


def test_a_new_store_has_the_desk_tables(engine: Engine) -> None:
    assert {"users", "desk_entries"} <= set(inspect(engine).get_table_names())


def test_a_commissioner_posted_to_the_api_has_a_page_with_both_rounds(client: TestClient) -> None:
    """Derbyshire's police and crime commissioner, 2021 (domain §4.1 worked example 4: the published
    first and final rounds; the eliminated candidates' first-round votes are its approximations)."""
    site = client.app.state.site  # type: ignore[attr-defined]
    add_user(site.engine, "pa-feed", Role.REPORTER, "a long feed password")
    rows = [
        ("Angelique Foster", "Conservative", 137_884, 11_865),
        ("Hardyal Singh Dhindsa", "Labour", 104_700, 12_864),
        ("Stan Heptinstall", "Liberal Democrats", 25_700, ""),
        ("Timothy Prosser", "Reform UK", 10_600, ""),
    ]
    body = "election_date,council,council_code,ward,ward_code,seats,candidate,party,votes,"
    body += "election_type,transfers\n"
    body += "".join(
        f"2021-05-06,Derbyshire,E10000007,Derbyshire,,1,{n},{p},{v},pcc,{t}\n" for n, p, v, t in rows
    )
    headers = {"Authorization": f"Bearer {issue_token(site.engine, 'pa-feed')}", "Content-Type": "text/csv"}
    answer = client.post("/api/declarations", content=body.encode(), headers=headers).json()
    assert answer["new"] == 1
    (announced,) = answer["events"]  # pushed to live readers too
    assert announced["type"] == "executive" and announced["area"] == "Derbyshire"
    assert announced["elected"] == [{"candidate": "Angelique Foster", "party": "Conservative"}]

    (pcc,) = client.get("/api/executive").json()
    assert pcc["election_type"] == "pcc" and pcc["second_round"] is True
    assert [(c["name"], c["votes"], c["final"], c["elected"]) for c in pcc["candidates"][:2]] == [
        ("Angelique Foster", 137_884, 149_749, True),
        ("Hardyal Singh Dhindsa", 104_700, 117_564, False),
    ]
    night = client.get("/").text
    link = re.search(r'<a href="(/executive/[^"]+)">Derbyshire</a>: Angelique Foster \(Conservative\)', night)
    assert link is not None
    page = client.get(link.group(1)).text
    assert "first and second rounds (supplementary vote)" in page
    for figure in ("137,884", "149,749", "104,700", "117,564"):
        assert f"<td>{figure}</td>" in page
