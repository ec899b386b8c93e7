"""Pages answered again from the bytes sent (`caching.Answers`): the same status, headers and body as
the page made anew, a new view's page once the night moves, and a 304 for a reader with the ETag. A
council's pages are made again when what they show of the night moves (`View.council_stamp`), and are
then what a site opened afresh from the log makes."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tallyroom.copy import review
from tallyroom.copy.review import CopyKey
from tallyroom.reference import Reference
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.caching import accepts_gzip, compressible
from tallyroom.web.site import Made, Site
from tests.conftest import NIGHT, NIGHT_FILE, copy_of, demo_store, night_wards

PAGES = ("/", "/council/E10000007", "/council/E10000007/ward/E58000193", "/api/night", "/export/results.csv")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("answers") / "demo.db", ref)


def test_a_page_answered_again_is_the_page_as_first_sent(store: str, ref: Reference, tmp_path: Path) -> None:
    site = Site.open(copy_of(store, tmp_path), ref, NIGHT)
    client = TestClient(create_app(site))
    for path in PAGES:
        first, again = client.get(path), client.get(path)
        assert first.status_code == again.status_code == 200
        assert first.content == again.content
        assert first.headers.items() == again.headers.items()
        assert "content-security-policy" in again.headers
        head = client.head(path)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["etag"] == again.headers["etag"]
        unchanged = client.get(path, headers={"If-None-Match": again.headers["etag"]})
        assert unchanged.status_code == 304 and unchanged.content == b""


def test_only_the_current_views_answer_is_given_again(
    store: str, ref: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = Site.open(copy_of(store, tmp_path), ref, NIGHT)
    client = TestClient(create_app(site))
    routed: list[str] = []
    fresh = site.fresh
    monkeypatch.setattr(site, "fresh", lambda key, stamp=None: routed.append(key) or fresh(key, stamp))
    client.get("/api/night")
    client.get("/api/night")
    assert len(routed) == 1  # the second answered from what was sent
    site.touch()
    client.get("/api/night")
    client.get("/api/night")
    assert len(routed) == 2  # the new view's made once, then answered again


def digest(body: bytes) -> str:
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def test_a_page_is_sent_gzipped_to_who_allows_it_each_variant_with_the_etag_of_its_bytes(
    store: str, ref: Reference, tmp_path: Path
) -> None:
    site = Site.open(copy_of(store, tmp_path), ref, NIGHT)
    client = TestClient(create_app(site))
    for path in PAGES:
        for _ in range(2):  # made, then answered again from what was sent
            plain = client.get(path, headers={"Accept-Encoding": "identity"})
            packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
            assert plain.status_code == packed.status_code == 200
            assert "content-encoding" not in plain.headers
            assert packed.headers["content-encoding"] == "gzip"
            assert plain.headers["vary"] == packed.headers["vary"] == "Accept-Encoding"
            assert plain.content == packed.content  # the test client undoes the gzip
            assert plain.headers["etag"] == digest(plain.content)
            assert packed.headers["etag"] == digest(gzip.compress(packed.content, compresslevel=6, mtime=0))
            assert int(packed.headers["content-length"]) < len(plain.content) / 3
            assert "content-security-policy" in packed.headers
        for asked, answer in (("identity", plain), ("gzip", packed)):
            tagged = {"Accept-Encoding": asked, "If-None-Match": answer.headers["etag"]}
            unchanged = client.get(path, headers=tagged)
            assert unchanged.status_code == 304 and unchanged.headers["etag"] == answer.headers["etag"]
            assert unchanged.headers["vary"] == "Accept-Encoding"
            head = client.head(path, headers={"Accept-Encoding": asked})
            assert head.content == b"" and head.headers["etag"] == answer.headers["etag"]
        other = {"Accept-Encoding": "identity", "If-None-Match": packed.headers["etag"]}
        assert client.get(path, headers=other).status_code == 200  # another variant, another tag


@pytest.mark.parametrize(
    ("accept_encoding", "allowed"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, GZip;q=0.5", True),
        ("*", True),
        ("", False),
        ("identity", False),
        ("br", False),
        ("gzip;q=0", False),
        ("*;q=0", False),
        ("gzip;q=0, *", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(accept_encoding: str, allowed: bool) -> None:
    assert accepts_gzip(accept_encoding) is allowed


def test_images_and_small_documents_are_sent_as_they_are(store: str, ref: Reference, tmp_path: Path) -> None:
    assert compressible("text/csv; charset=utf-8") and compressible("application/atom+xml")
    assert not compressible("image/png")
    assert Made.of(b"{}", compress=True).gzipped is None
    client = TestClient(create_app(Site.open(copy_of(store, tmp_path), ref, NIGHT)))
    card = client.get("/cards/council/E10000007.png")
    assert card.status_code == 200 and card.headers["etag"] == digest(card.content)
    assert "content-encoding" not in card.headers and "vary" not in card.headers


def _council_paths(site: Site, code: str) -> list[str]:
    ward = site.view.by_code[code].wards[0].result.poll.ward.code
    return [
        f"/council/{code}",
        f"/council/{code}/ward/{ward}",
        f"/api/councils/{code}",
        f"/cards/council/{code}.png",
        f"/cards/council/{code}/ward/{ward}.png",
        f"/embed/council/{code}",
    ]


def test_a_councils_pages_are_made_again_when_its_night_moves_and_are_then_as_made_afresh(
    ref: Reference, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Wards of three East Midlands councils declared in turn: after each, only the declaring council's
    pages are made again, and every council's page, document and card is byte for byte what a site
    opened afresh from the log makes; a story published is on its council's page at once."""
    engine = connect(demo_store(tmp_path / "night.db", ref, leave_out=NIGHT_FILE))
    site = Site.open(engine, ref, NIGHT)
    client = TestClient(create_app(site))
    made: list[str] = []
    cached = site.cached
    monkeypatch.setattr(
        site, "cached", lambda key, make, *rest: cached(key, lambda v: made.append(key) or make(v), *rest)
    )
    councils = ["E10000007", "E06000015", "E07000032"]  # Derbyshire, Derby, Amber Valley
    wards = {code: night_wards(code) for code in councils}
    order = [(code, wards[code][i][2]) for i in range(3) for code in councils]
    seen: list[str] = []
    for step, (code, body) in enumerate(order):
        site.ingest_text("ward", body, "rita")
        if code not in seen:
            seen.append(code)
        made.clear()
        served = {path: client.get(path) for c in seen for path in _council_paths(site, c)}
        served |= {path: client.get(path) for path in ("/api/night", "/api/councils")}
        assert all(r.status_code == 200 for r in served.values())
        ours = [key for key in made if ":api:night" not in key and ":api:councils:" not in key]
        assert ours and all(f":{code}" in key for key in ours), (step, made)  # its own pages alone
        if step == len(order) - 1:
            key = CopyKey("story", code, NIGHT)
            review.regenerate(engine, key, "Amber Valley counts\n\nA story for the stamp to carry.", {})
            review.approve(engine, key, "eddie")
            review.publish(engine, key, "eddie")
            site.touch()
            served = {path: client.get(path) for c in seen for path in _council_paths(site, c)}
            assert "A story for the stamp to carry." in served[f"/council/{code}"].text
        afresh = TestClient(create_app(Site.open(engine, ref, NIGHT)))
        for path, response in served.items():
            assert response.content == afresh.get(path).content, (step, path)
    engine.dispose()
