"""The embed on the real 2021 East Midlands night: a council's seat bar and result that partner sites
may frame, by the sites the server is told, while every other page forbids framing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.web.app import SECURITY_HEADERS, create_app
from tallyroom.web.embed import AncestorError, frame_ancestors
from tallyroom.web.site import Site
from tests.conftest import NIGHT, copy_of, demo_store

DERBYSHIRE = "E10000007"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("embed")
    engine: Engine = copy_of(demo_store(root / "demo.db", ref), root)
    yield Site.open(engine, ref, NIGHT)
    engine.dispose()


def directives(policy: str) -> dict[str, str]:
    return dict(part.strip().partition(" ")[::2] for part in policy.split(";"))


def test_the_embed_may_be_framed_by_the_sites_given_and_nothing_else_may(site: Site) -> None:
    partners = ("https://news.example", "https://*.paper.example")
    client = TestClient(create_app(site, base_url="https://results.example", embed_ancestors=partners))
    embed = client.get(f"/embed/council/{DERBYSHIRE}")
    assert embed.status_code == 200
    policy = directives(embed.headers["content-security-policy"])
    assert policy["frame-ancestors"] == "https://news.example https://*.paper.example"
    assert policy["script-src"] == "'self'" and "x-frame-options" not in embed.headers
    assert "Conservatives hold Derbyshire" in embed.text and 'class="seats"' in embed.text
    assert 'href="https://results.example/council/E10000007" target="_top"' in embed.text
    for path in ("/", f"/council/{DERBYSHIRE}", "/docs", "/api/night"):
        answer = client.get(path)
        assert directives(answer.headers["content-security-policy"])["frame-ancestors"] == "'none'", path
        assert answer.headers["x-frame-options"] == "DENY", path
    assert client.get("/embed/council/E99999999").status_code == 404


def test_by_default_any_site_may_frame_the_embed(site: Site) -> None:
    answer = TestClient(create_app(site)).get(f"/embed/council/{DERBYSHIRE}")
    assert directives(answer.headers["content-security-policy"])["frame-ancestors"] == "*"
    assert answer.headers["content-security-policy"] != SECURITY_HEADERS["content-security-policy"]


@pytest.mark.parametrize("source", ["https://a.example; script-src *", "'unsafe-inline'", "a b", ""])
def test_an_ancestor_that_is_not_a_csp_source_is_refused(source: str) -> None:
    with pytest.raises(AncestorError):
        frame_ancestors([source])
    done = subprocess.run(
        [sys.executable, "-m", "tallyroom", "serve", "--embed-ancestor", source],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--embed-ancestor" in done.stderr
