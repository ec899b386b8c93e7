"""Static publishing on the real 2021 East Midlands night: every page and document baked to files equal
to what the server answers; nothing rewritten when nothing changed; after a declaration, only what it
touched."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.reference import Reference
from tallyroom.web.app import create_app
from tallyroom.web.publish import Publisher, changed_paths, every_path
from tallyroom.web.site import Site
from tests.conftest import (
    NIGHT,
    NIGHT_FILE,
    Serving,
    copy_of,
    demo_store,
    night_from_nominations,
    night_wards,
    reporter_token,
)

DERBYSHIRE = "E10000007"
BASE = "https://results.example.org"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("publish") / "demo.db", ref)


def test_every_page_and_document_is_baked_as_served(store: str, ref: Reference, tmp_path: Path) -> None:
    engine = copy_of(store, tmp_path)
    site = Site.open(engine, ref, NIGHT)
    folder = tmp_path / "site"
    written = Publisher(site, folder, BASE).everything()
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert written == len(files) == len(every_path(site, site.view))
    served = TestClient(create_app(site, base_url=BASE, baked=True))
    assert (folder / "index.html").read_bytes() == served.get("/").content
    assert (folder / "council" / DERBYSHIRE / "index.html").read_bytes() == served.get(
        f"/council/{DERBYSHIRE}"
    ).content
    baked = json.loads((folder / "api" / "councils" / f"{DERBYSHIRE}.json").read_text(encoding="utf-8"))
    assert baked == served.get(f"/api/councils/{DERBYSHIRE}").json()
    assert baked["composition"] == {"Conservative": 45, "Labour": 14, "Liberal Democrats": 4, "Green": 1}
    wards = {w["ward"]["code"] for w in baked["wards"]}
    assert wards == {p.parent.name for p in (folder / "council" / DERBYSHIRE / "ward").glob("*/index.html")}
    rows = list(csv.DictReader(io.StringIO((folder / "export" / "results.csv").read_text(encoding="utf-8"))))
    assert len(rows) == sum(1 for _ in NIGHT_FILE.open(encoding="utf-8")) - 1  # every candidacy of the night
    assert Publisher(site, folder, BASE).everything() == 0  # nothing changed, nothing rewritten
    engine.dispose()


def test_after_a_declaration_only_what_it_touched_is_baked(
    tmp_path_factory: pytest.TempPathFactory, ref: Reference, tmp_path: Path
) -> None:
    eve = demo_store(tmp_path_factory.mktemp("publish-eve") / "eve.db", ref, leave_out=NIGHT_FILE)
    engine: Engine = copy_of(eve, tmp_path)
    site = Site(engine, ref, NIGHT, night=night_from_nominations(engine, ref))
    folder = tmp_path / "site"
    publisher = Publisher(site, folder)
    publisher.everything()
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    _, code, body = night_wards(DERBYSHIRE)[0]
    events, _ = site.ingest_text("ward", body, "rita")

    touched = changed_paths(site, site.view, events)
    written = publisher.after(events)
    after = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    changed = {p for p in after if before.get(p) != after[p]}
    assert 0 < written == len(changed) <= len(touched)
    assert folder / "council" / DERBYSHIRE / "index.html" in changed
    assert folder / "council" / DERBYSHIRE / "ward" / code / "index.html" in changed
    assert not any(p.is_relative_to(folder / "council" / "E10000024") for p in changed)  # Nottinghamshire
    engine.dispose()


def test_serve_keeps_a_published_folder_up_to_date(tmp_path: Path, ref: Reference) -> None:
    store = demo_store(tmp_path / "eve.db", ref, leave_out=NIGHT_FILE)
    bearer = reporter_token(store)
    folder = tmp_path / "site"
    server = Serving(store, "--publish-to", str(folder))
    try:
        assert (folder / "index.html").is_file()  # baked whole before the first reader
        name, _, body = night_wards(DERBYSHIRE)[0]
        headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "text/csv"}
        posted = httpx2.post(f"{server.url}/api/declarations", content=body, headers=headers)
        assert posted.status_code == 200
        page = folder / "council" / DERBYSHIRE / "index.html"
        deadline = time.monotonic() + 30
        while not (page.is_file() and f">{name}</a>" in page.read_text(encoding="utf-8")):
            assert time.monotonic() < deadline, "the folder was not rebaked"
            time.sleep(0.1)
    finally:
        server.stop()
