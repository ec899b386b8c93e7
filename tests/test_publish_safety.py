"""Publishing is safe whatever the log holds: codes and names that reached it by another way than the
importers (an older log, a bug) can never make `publish` or `serve --publish-to` write outside the
folder, or stop the bake. A page that cannot be baked is named, logged and tried again; the rest of the
night is baked all the same. `publish` argument errors are one line, not a traceback."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from tallyroom.delivery import Batch
from tallyroom.importers import ward
from tallyroom.importers.base import Context
from tallyroom.live.events import Event
from tallyroom.live.night import Night
from tallyroom.reference import Reference
from tallyroom.rules.model import Candidacy, CouncilRef, Poll, WardRef
from tallyroom.store.database import connect
from tallyroom.store.log import SourceInfo, append
from tallyroom.web.publish import Publisher
from tallyroom.web.site import Site
from tests.conftest import (
    NIGHT,
    NIGHT_FILE,
    Serving,
    copy_url,
    demo_store,
    night_wards,
    reporter_token,
)

DERBYSHIRE = "E10000007"
ESCAPE = "../../../../"
"""A ward code of twelve characters (as many as the log's column holds) that, joined to a folder's path
as it was, led four levels up: to the parent of the folder."""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("publish-safety") / "eve.db", ref, leave_out=NIGHT_FILE)


@cache
def derbyshire(ref: Reference) -> list[Poll]:
    return [p for p in ward.read(NIGHT_FILE, Context(ref)).polls if p.council.code == DERBYSHIRE]


def logged_with_code(store: str, folder: Path, ref: Reference, code: str) -> str:
    """A copy of the store whose log holds a Derbyshire division under `code`, written to the log
    directly, as no importer would take it."""
    copy = copy_url(store, folder / "odd.db")
    engine = connect(copy)
    poll = derbyshire(ref)[1]
    append(
        engine,
        Batch(polls=[poll._replace(ward=WardRef(poll.ward.name, code))]),
        SourceInfo("ward", "odd", "0" * 64),
    )
    engine.dispose()
    return copy


def tallyroom(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", db, *args], capture_output=True, text=True
    )


def outside(root: Path, folder: Path) -> list[Path]:
    """Files under `root` but not in `folder`, the stores left aside."""
    return [
        p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(folder) and ".db" not in p.name
    ]


@pytest.mark.parametrize("code", [ESCAPE, "E58000193/x"])
def test_publish_bakes_the_night_and_names_the_page_it_cannot_make(
    store: str, ref: Reference, tmp_path: Path, code: str
) -> None:
    db = logged_with_code(store, tmp_path, ref, code)
    folder = tmp_path / "site"
    done = tallyroom(db, "publish", "--to", str(folder))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"not published /council/{DERBYSHIRE}/ward/{code}: " in done.stderr
    assert outside(tmp_path, folder) == []
    council = (folder / "council" / DERBYSHIRE / "index.html").read_text(encoding="utf-8")
    assert derbyshire(ref)[1].ward.name in council  # the rest of the night is baked
    assert (folder / "index.html").is_file()
    assert "warning no --base-url: the feeds" in done.stderr and not (folder / "feeds").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--to", "{file}"], "is a file, not a folder"),
        (["--to", "{file}/site"], "cannot write to"),
        (["--to", "{site}", "--base-url", "::::"], "not an http or https address"),
        (["--to", "{site}", "--base-url", "ftp://results.example.org"], "not an http or https address"),
        (["--to", "{site}", "--base-url", "https://example.org/results/"], "the site's root, with no path"),
    ],
)
def test_publish_argument_errors_are_one_line(store: str, tmp_path: Path, args: list[str], said: str) -> None:
    (tmp_path / "file").write_text("a file")
    where = {"file": str(tmp_path / "file"), "site": str(tmp_path / "site")}
    done = tallyroom(copy_url(store, tmp_path / "cli.db"), "publish", *(a.format(**where) for a in args))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and said in done.stderr, done.stderr
    assert not (tmp_path / "site").exists()


def test_serve_publishes_past_an_odd_code_and_keeps_baking(
    store: str, ref: Reference, tmp_path: Path
) -> None:
    """A division with a code holding `/` (its page is not found) in the log as the server starts: the
    server starts, says which page it could not bake, and bakes the next declaration."""
    db = logged_with_code(store, tmp_path, ref, "E58000193/x")
    bearer = reporter_token(db)
    folder = tmp_path / "site"
    server = Serving(db, "--publish-to", str(folder))
    try:
        name, _, body = night_wards(DERBYSHIRE)[0]
        headers = {"Authorization": f"Bearer {bearer}", "Content-Type": "text/csv"}
        assert httpx2.post(f"{server.url}/api/declarations", content=body, headers=headers).status_code == 200
        page = folder / "council" / DERBYSHIRE / "index.html"
        deadline = time.monotonic() + 30
        while not (page.is_file() and f">{name}</a>" in page.read_text(encoding="utf-8")):
            assert time.monotonic() < deadline, "the folder was not rebaked"
            time.sleep(0.1)
    finally:
        server.stop()
    assert server.process.stderr is not None
    assert f"not published: /council/{DERBYSHIRE}/ward/E58000193/x" in server.process.stderr.read()


def a_site(engine: Engine, ref: Reference) -> Site:
    """Tonight with no nominations: results arrive unannounced, straight into the night."""
    return Site(engine, ref, NIGHT, night=Night.open(ref, NIGHT, [], {}))


def test_a_page_that_fails_is_tried_again_until_it_is_baked(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    site = a_site(engine, ref)
    site.declare(derbyshire(ref)[:1])
    folder = tmp_path / "site"
    (folder / "api" / "night.json").mkdir(parents=True)  # in the way of the night's document
    publisher = Publisher(site, folder)
    publisher.everything()
    assert list(publisher.failed) == ["/api/night"]
    assert (folder / "index.html").is_file()  # the rest is baked
    (folder / "api" / "night.json").rmdir()
    assert publisher.retry() == 1 and publisher.failed == {}
    assert (folder / "api" / "night.json").is_file()


def test_the_bake_thread_goes_on_after_a_page_it_cannot_make(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    site = a_site(engine, ref)
    folder = tmp_path / "site"
    publisher = Publisher(site, folder)
    changes: queue.SimpleQueue[list[Event]] = queue.SimpleQueue()
    site.listeners.append(lambda found, _local: changes.put(found))
    baker = threading.Thread(target=publisher.follow, args=(changes,), daemon=True)
    baker.start()
    odd, good = derbyshire(ref)[:2]
    site.declare([odd._replace(ward=WardRef(odd.ward.name, "a/b/../../../x"))])
    wait_for(lambda: f"/council/{DERBYSHIRE}/ward/a/b/../../../x" in publisher.failed)
    site.declare([good])
    wait_for(lambda: (folder / "council" / DERBYSHIRE / "ward" / good.ward.code / "index.html").is_file())
    assert baker.is_alive()


def wait_for(done: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline
        time.sleep(0.05)


HOSTILE = st.lists(
    st.sampled_from(
        [
            "..",
            ".",
            "/",
            "\\",
            "%2F",
            "%2e%2e",
            "?",
            "#",
            "\x00",
            "~",
            ":",
            " ",
            "x" * 300,
            "E05001775",
            "index.html",
        ]
    )
    | st.text(max_size=20),
    max_size=8,
).map("".join)
"""Codes and names: fragments of paths, escapes and queries, long segments, and any text."""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(council_code=HOSTILE, ward_code=HOSTILE, council_name=HOSTILE, ward_name=HOSTILE, candidate=HOSTILE)
def test_no_code_or_name_in_a_night_makes_the_publisher_write_outside_or_stop(
    engine: Engine,
    ref: Reference,
    tmp_path_factory: pytest.TempPathFactory,
    council_code: str,
    ward_code: str,
    council_name: str,
    ward_name: str,
    candidate: str,
) -> None:
    """Straight into a night, past the importers: only the publisher's own defences stand. (A name
    starts with a letter, as a night needs one to make the poll's ballot id.)"""
    root = tmp_path_factory.mktemp("bake")
    folder = root / "a" / "b" / "c" / "d" / "e" / "f" / "site"
    site = a_site(engine, ref)
    party = ref.parties.resolve("Labour")
    odd = Poll(
        NIGHT,
        CouncilRef(council_code, f"A {council_name}"),
        WardRef(f"W {ward_name}", ward_code),
        1,
        (Candidacy(f"C {candidate}", party, "Labour", 10), Candidacy("Rita", party, "Labour", 5)),
    )
    publisher = Publisher(site, folder)
    publisher.after(site.declare([odd]))
    publisher.everything()
    good = derbyshire(ref)[0]
    publisher.after(site.declare([good]))
    assert outside(root, folder) == []
    assert (folder / "council" / DERBYSHIRE / "ward" / good.ward.code / "index.html").is_file()
    assert all(path.startswith("/") for path in publisher.failed)  # named, to be tried again


def test_a_link_planted_in_the_folder_leads_no_write_out(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    """A folder of the bake that is a link out, and a page's file that is a link out: the pages under
    the first are refused and named; the second is replaced by the page, and what it led to is left as
    it was."""
    site = a_site(engine, ref)
    first, second = derbyshire(ref)[:2]
    site.declare([first, second])
    folder, away = tmp_path / "site", tmp_path / "away"
    away.mkdir()
    (away / "kept.html").write_text("kept")
    ward = folder / "council" / DERBYSHIRE / "ward"
    ward.mkdir(parents=True)
    (ward / first.ward.code).symlink_to(away, target_is_directory=True)
    (ward / second.ward.code).mkdir()
    (ward / second.ward.code / "index.html").symlink_to(away / "kept.html")
    publisher = Publisher(site, folder)
    publisher.everything()
    assert sorted(p.name for p in away.iterdir()) == ["kept.html"]
    assert (away / "kept.html").read_text() == "kept"
    assert "leads out of" in publisher.failed[f"/council/{DERBYSHIRE}/ward/{first.ward.code}"]
    baked = ward / second.ward.code / "index.html"
    assert not baked.is_symlink() and second.ward.name in baked.read_text(encoding="utf-8")
    assert (folder / "council" / DERBYSHIRE / "index.html").is_file()
