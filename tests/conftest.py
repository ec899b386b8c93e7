"""Shared fixtures: the real data beside the project, the reference registers, and fresh stores."""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine, create_engine

from tallyroom import reference
from tallyroom.importers import ward
from tallyroom.importers.base import Context
from tallyroom.live.night import Night
from tallyroom.loading import demo_format, load_file
from tallyroom.reference import Reference
from tallyroom.rules.model import ElectionType, Poll
from tallyroom.store import queries
from tallyroom.store.database import connect, database_url
from tallyroom.web.accounts import Role, add_user, issue_token

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "raw"
LEAP = SHARED / "leap-teale"
LEH = SHARED / "hoc-library-leh"
DEMO = Path(__file__).resolve().parents[1] / "src" / "tallyroom" / "data" / "demo"
NIGHT_FILE = DEMO / "2021-05-06-east-midlands.csv"
NIGHT = date(2021, 5, 6)
POSTGRES = os.environ.get("TALLYROOM_TEST_POSTGRES", "")
"""A PostgreSQL server's URL: when set, every store the tests make is a database on it, not SQLite."""


def _night_file_rows() -> list[dict[str, str]]:
    with NIGHT_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


NIGHT_ROWS = len(_night_file_rows())
"""Candidacies in the demo's night file, counted straight from the CSV."""
NIGHT_POLLS = len({(r["council_code"], r["ward_code"] or r["ward"], r["kind"]) for r in _night_file_rows()})
NIGHT_COUNCILS = len({r["council_code"] for r in _night_file_rows()})


def leap(year: int) -> Path:
    return next((LEAP / str(year)).glob("leap-*.csv"))


@pytest.fixture(scope="session")
def ref() -> Reference:
    return reference.load()


@pytest.fixture(scope="session")
def context(ref: Reference) -> Context:
    return Context(ref)


def demo_store(path: Path, ref: Reference, leave_out: Path | None = None, own_file: bool = False) -> str:
    """A store holding the shipped demo files (the real East Midlands results), less `leave_out`: its URL.
    With `own_file`, the store is the SQLite file at `path` whatever the pass: for a test of how pages
    look and read, which the store they are made from does not change (marked `one_store`)."""
    url = f"sqlite:///{path}" if own_file else store_url(path)
    engine = connect(url)
    for demo in sorted(DEMO.glob("*.csv")):
        if demo != leave_out:
            load_file(engine, demo_format(demo.name), demo, Context(ref))
    engine.dispose()
    return url


def copy_of(store: str, folder: Path) -> Engine:
    """An engine on a fresh copy of a store, for a test that writes."""
    return connect(copy_url(store, folder / "copy.db"))


MADE: set[str] = set()
"""The PostgreSQL databases this run made, dropped when it ends."""


def store_url(path: Path) -> str:
    """A new store on the newest schema, holding nothing: the SQLite file at `path`, or, when the suite
    runs on PostgreSQL ($TALLYROOM_TEST_POSTGRES), a new database on that server named after the path."""
    assert EMPTY, "a store is asked for before the session's empty store is made"
    return copy_url(EMPTY[0], path)


def new_url(path: Path) -> str:
    """A store not yet made: a new SQLite file at `path`, or a new database on the PostgreSQL server,
    holding no table."""
    return _new_database(path) if POSTGRES else f"sqlite:///{path}"


def _new_database(path: Path, template: str | None = None) -> str:
    """A new database on the PostgreSQL server, named after `path`: a copy of `template`, or empty."""
    name = "t_" + hashlib.sha1(str(path).encode()).hexdigest()[:20]
    copied = f' TEMPLATE "{template}"' if template else ""
    _server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"{copied}')
    MADE.add(name)
    return f"{POSTGRES.rsplit('/', 1)[0]}/{name}"


EMPTY: list[str] = []
"""The URL of this process's store on the newest schema holding nothing (`empty_store`)."""


@pytest.fixture(scope="session", autouse=True)
def empty_store(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The store each store a test asks for is a copy of, made by `connect` as any new store is (a copy
    takes milliseconds). On PostgreSQL no one connects to it once it is made, so that it can be
    copied."""
    url = new_url(tmp_path_factory.mktemp("empty") / "empty.db")
    connect(url).dispose()
    EMPTY[:] = [url]


RUNNING: list[pytest.Item] = []
"""The test running now, for `store_url` to hold to its marks."""


def pytest_runtest_setup(item: pytest.Item) -> None:
    RUNNING[:] = [item]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test runs in the pass it is for, and is left out of the other (so neither skips one): on
    PostgreSQL, the tests of no store, which the SQLite pass ran and which would do the same again; on
    SQLite, the tests of what only PostgreSQL does."""
    other = ("one_store",) if POSTGRES else ("postgres_only", "restarts_postgres")
    kept: list[pytest.Item] = []
    left_out: list[pytest.Item] = []
    for item in items:
        (left_out if any(item.get_closest_marker(name) for name in other) else kept).append(item)
    items[:] = kept
    config.hook.pytest_deselected(items=left_out)


@pytest.fixture(scope="session", autouse=True)
def drop_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every database the run made is dropped at its end, whatever the tests left connected: a worker's
    own when it ends, and the nights all workers copy (`night_store`) when the last of them ends (each
    holds a shared lock while it runs; the one that can then take it alone is the last). The drops go
    several at once: each waits for a checkpoint (0.17 s), which drops made together share."""
    if not POSTGRES:
        yield
        return
    shared = _run_folder(tmp_path_factory)
    with (shared / "workers.lock").open("w") as running:
        fcntl.flock(running, fcntl.LOCK_SH)
        yield
        drops = sorted(MADE)
        fcntl.flock(running, fcntl.LOCK_UN)
        try:
            fcntl.flock(running, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pass  # another worker still runs, and may yet copy a night
        else:
            for done in shared.glob("night-*/url"):
                drops.append(done.read_text().rsplit("/", 1)[1])
                done.unlink()
    statements = [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in drops]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(_server, statements))


def copy_url(store: str, path: Path) -> str:
    """A new store holding what `store` holds (every engine on `store` must be disposed of): the SQLite
    file at `path`, or a database on the PostgreSQL server named after the path."""
    assert not RUNNING or RUNNING[-1].get_closest_marker("one_store") is None, (
        f"{RUNNING[-1].nodeid} is marked one_store, so the PostgreSQL pass leaves it out, yet makes a store"
    )
    if not POSTGRES:
        path.write_bytes(Path(store.removeprefix("sqlite:///")).read_bytes())
        return f"sqlite:///{path}"
    return _new_database(path, template=store.rsplit("/", 1)[1])


def _server(*statements: str) -> None:
    engine = create_engine(database_url(POSTGRES), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(store_url(tmp_path / "test.db"))
    yield engine
    engine.dispose()


def night_from_nominations(engine: Engine, ref: Reference) -> Night:
    """The 2021 night opened from its nominations (the polls of the demo's night file), for a store that
    holds every demo file but that one: results then arrive as they would on the night."""
    nominations = ward.read(NIGHT_FILE, Context(ref)).polls
    codes = {p.council.code for p in nominations}
    earlier: dict[str, list[Poll]] = {}
    for poll in queries.load_polls(engine, ref.parties, before=NIGHT, councils=codes):
        if poll.election_type is ElectionType.LOCAL:
            earlier.setdefault(poll.council.code, []).append(poll)
    snapshots = queries.snapshots_before(engine, ref.parties, NIGHT)  # the demo's roll of the eve of poll
    night = Night.open(ref, NIGHT, nominations, earlier, snapshots)
    night.position = queries.log_position(engine)  # it holds the log as it is: what comes next is new
    return night


NIGHTS: dict[str, tuple[date, str | None, list[tuple[str, Path]]]] = {
    "2019": (
        date(2019, 5, 2),
        None,
        [
            ("leap", leap(2018)),
            ("ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2018.csv"),
            ("leap", leap(2019)),
        ],
    ),
    "2021": (
        date(2021, 5, 6),
        None,
        [("leap", leap(2017)), ("leh", LEH / "local_elections_2021_results-2.xlsx")],
    ),
    "2025": (
        date(2025, 5, 1),
        "2021",
        [
            ("ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2024.csv"),
            ("leh", LEH / "LEH-2025-results-HoC.xlsx"),
        ],
    ),
}
"""Whole real nights: each night's day, the night whose store it starts from, and the files it adds."""


@pytest.fixture(scope="session")
def night_store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Callable[[str], str]:
    """A store holding a whole night of `NIGHTS` and what it is compared with: its URL, read only (a
    test that writes takes a `copy_of` it). Each night is built once a run, by whichever worker asks
    first, in the folder all workers share; the others wait for it. On SQLite every worker reads that
    file. On PostgreSQL each reads a copy of its own, since a database is copied (by `copy_of`, and to
    build one night on another) only while no one is connected to it; `drop_databases` drops the
    nights built when the last worker ends."""
    shared = _run_folder(tmp_path_factory)
    own: dict[str, str] = {}

    def built(name: str) -> str:
        folder = shared / f"night-{name}"
        folder.mkdir(exist_ok=True)
        done = folder / "url"
        with (folder / "lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when closed
            if not done.exists():
                _, base, loads = NIGHTS[name]
                path = folder / "night.db"
                url = copy_url(built(base), path) if base else store_url(path)
                engine = connect(url)
                for format_name, file in loads:
                    load_file(engine, format_name, file, Context(ref))
                engine.dispose()
                if POSTGRES:
                    MADE.discard(url.rsplit("/", 1)[1])  # every worker's, dropped by the last
                done.write_text(url)
            return done.read_text()

    def store(name: str) -> str:
        if not POSTGRES:
            return built(name)
        if name not in own:
            own[name] = copy_url(built(name), tmp_path_factory.getbasetemp() / f"night-{name}.db")
        return own[name]

    return store


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole run: under xdist, the one holding every worker's own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Serving:
    """`tallyroom serve` in a process of its own, until the test ends."""

    def __init__(self, store: str, *options: str) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "tallyroom", "--db", store, "serve", "--date", "2021-05-06"]
        env = {**os.environ, "TALLYROOM_SECRET": "workers test"}
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port), *options], env=env, stderr=subprocess.PIPE, text=True
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.process.stderr.read() if self.process.stderr else ""
            try:
                if httpx2.get(f"{self.url}/health").status_code == 200:
                    break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


def csrf(page: httpx2.Response) -> str:
    """The CSRF token of the form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def night_wards(council: str) -> list[tuple[str, str, bytes]]:
    """Each ward of a council in the 2021 night file, in file order: its name, its code, and its rows as
    the native ward CSV a desk would post."""
    with NIGHT_FILE.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    wards: dict[str, list[list[str]]] = {}
    for row in rows:
        if row[header.index("council_code")] == council:
            wards.setdefault(row[header.index("ward_code")], []).append(row)
    found = []
    for code, ward_rows in wards.items():
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *ward_rows])
        found.append((ward_rows[0][header.index("ward")], code, out.getvalue().encode()))
    return found


def reporter_token(store: str) -> str:
    """A desk reporter, rita, added to the store: her API token."""
    engine = connect(store)
    add_user(engine, "rita", Role.REPORTER, "rita's long password")
    token = issue_token(engine, "rita")
    engine.dispose()
    return token
