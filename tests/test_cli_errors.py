"""Each mistake at the command line gets one line saying what is wrong and what there is, and exit 1."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tallyroom.reference import Reference
from tests.conftest import NIGHT_FILE, demo_store, store_url

REGIONS = (
    "East Midlands, East of England, London, North East, North West, Scotland, South East, South West, "
    "Wales, West Midlands, Yorkshire and The Humber"
)


def tallyroom(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", db, *args], capture_output=True, text=True, timeout=120
    )


def refused(done: subprocess.CompletedProcess[str]) -> str:
    """The one line on standard error, once the command is known to have exited 1 printing nothing else."""
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    return done.stderr.rstrip("\n")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("demo") / "demo.db", ref)


def test_a_region_not_known_is_named_with_the_nearest(demo: str) -> None:
    done = tallyroom(demo, "councils", "--region", "East Midland", "--date", "2021-05-06")
    assert refused(done) == f"no region 'East Midland' (did you mean East Midlands?); regions: {REGIONS}"


def test_a_day_with_no_polls_says_which_nights_the_store_holds(demo: str, tmp_path: Path) -> None:
    loaded = "2016-05-05, 2017-05-04, 2018-05-03, 2019-05-02, 2021-05-06"
    for command in ("councils", "headlines", "progress", "replay"):
        assert refused(tallyroom(demo, command, "--date", "2022-05-05")) == (
            f"no councils polled on 2022-05-05 in this store; nights loaded: {loaded}; regions: {REGIONS}"
        )
    empty = tallyroom(store_url(tmp_path / "empty.db"), "councils", "--date", "2022-05-05")
    assert refused(empty) == (
        f"no councils polled on 2022-05-05 in this store; nights loaded: none; regions: {REGIONS}"
    )


def test_a_region_with_no_polls_that_night_names_the_regions_that_had_them(demo: str) -> None:
    done = tallyroom(demo, "headlines", "--date", "2021-05-06", "--region", "North East")
    assert (
        refused(done) == "no councils polled on 2021-05-06 in North East; regions that night: East Midlands"
    )
    as_json = tallyroom(demo, "headlines", "--date", "2021-05-06", "--region", "North East", "--json")
    assert (as_json.returncode, as_json.stdout) == (0, "[]\n")


def test_a_misspelt_council_gets_the_name_it_was_likely_meant_to_be(demo: str) -> None:
    done = tallyroom(demo, "council", "Derbyshre", "--date", "2021-05-06")
    assert (
        refused(done) == "no election for 'Derbyshre' on 2021-05-06 in this store (did you mean Derbyshire?)"
    )


def test_review_with_nothing_flagged_says_so(demo: str) -> None:
    assert refused(tallyroom(demo, "review")) == "no copy is flagged for review in this store"


def test_serving_an_empty_store_says_what_to_do(tmp_path: Path) -> None:
    done = tallyroom(store_url(tmp_path / "empty.db"), "publish", "--to", str(tmp_path / "site"))
    assert refused(done) == "the log holds no results yet: import some, or give --date"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgresql://nobody:secret@127.0.0.1:1/db",
            "cannot open the database postgresql+psycopg://nobody:***@127.0.0.1:1/db: connection failed: "
            'connection to server at "127.0.0.1", port 1 failed: Connection refused',
        ),
        (
            "mysql://nobody@127.0.0.1/db",
            "not a database URL tallyroom takes: 'mysql://nobody@127.0.0.1/db'; "
            "give sqlite:///FILE or postgresql://USER@HOST/DATABASE",
        ),
        (
            "tallyroom.db",
            "not a database URL tallyroom takes: 'tallyroom.db'; "
            "give sqlite:///FILE or postgresql://USER@HOST/DATABASE",
        ),
    ],
)
def test_a_database_that_cannot_be_used_is_one_line(url: str, message: str) -> None:
    assert refused(tallyroom(url, "councils", "--date", "2021-05-06")) == message


def test_a_sqlite_file_that_cannot_be_opened_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    url = f"sqlite:///{tmp_path}/a-file/t.db"
    done = tallyroom(url, "councils", "--date", "2021-05-06")
    assert refused(done) == f"cannot open the database {url}: unable to open database file"


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as listening:
        yield listening.getsockname()[1]


@pytest.mark.parametrize("command", [["serve", "--date", "2021-05-06"], ["demo"]])
def test_a_port_in_use_is_one_line(command: list[str], taken_port: int, tmp_path: Path) -> None:
    done = tallyroom(store_url(tmp_path / "t.db"), *command, "--port", str(taken_port))
    assert (
        refused(done)
        == f"port {taken_port} on 127.0.0.1 is in use: stop what uses it, or give another --port"
    )


def test_a_folder_or_a_missing_file_given_to_import_is_named_as_such(tmp_path: Path) -> None:
    db = store_url(tmp_path / "empty.db")
    assert (
        refused(tallyroom(db, "import", "ward", str(tmp_path)))
        == f"rejected {tmp_path}: a folder, not a file"
    )
    missing = tmp_path / "2021.csv"
    assert refused(tallyroom(db, "import", "ward", str(missing))) == f"rejected {missing}: no such file"


def test_a_file_of_another_format_is_told_so_not_asked_if_cut_short(tmp_path: Path) -> None:
    """The demo's ward CSV loaded as LEAP's: more fields than LEAP has, on its first row."""
    db, ward_csv = store_url(tmp_path / "empty.db"), NIGHT_FILE
    fields = len(ward_csv.read_text(encoding="utf-8").splitlines()[0].split(","))
    assert refused(tallyroom(db, "import", "leap", str(ward_csv))) == (
        f"rejected {ward_csv}, row 1: {fields} fields where there should be 8 (is it of another format?)"
    )
