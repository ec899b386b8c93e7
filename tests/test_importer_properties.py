"""Property-based tests of every importer (hypothesis): a real file, damaged at random (cut short, a byte
changed, text pushed in, a line dropped or doubled, a cell of a workbook rewritten), either loads or is
refused with an InputError, and a refused file changes nothing in the store."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import Engine, text

from tallyroom.errors import InputError
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tests.conftest import DEMO, LEH, NIGHT, SHARED, leap

EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TABLES = ("sources", "polls", "declarations", "council_records")


def contents(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [
            tuple(r) for table in TABLES for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))
        ]


def head(path: Path, lines: int) -> bytes:
    with path.open("rb") as handle:
        return b"".join(handle.readline() for _ in range(lines))


def council_files(ref: Reference) -> dict[str, bytes]:
    """The `council` and `control` files of the 2021 demo night, written from its real results."""
    with (DEMO / "2021-05-06-east-midlands.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    won: dict[tuple[str, str, str], int] = {}
    for r in rows:
        if r["elected"] == "1":
            key = (r["council"], r["council_code"], ref.parties.resolve(r["party"]).name)
            won[key] = won.get(key, 0) + 1
    council, control = io.StringIO(), io.StringIO()
    council.write("election_date,council,council_code,total_seats,party,seats_after,seats_won\n")
    control.write("election_date,council,council_code,control_before\n")
    for (name, code, party), seats in sorted(won.items()):
        total = ref.councils.total_seats(code, NIGHT) or 0
        council.write(f"{NIGHT},{name},{code},{total},{party},{seats},{seats}\n")
    for name, code in sorted({(n, c) for n, c, _ in won}):
        control.write(f"{NIGHT},{name},{code},NOC\n")
    return {"council": council.getvalue().encode(), "control": control.getvalue().encode()}


SAMPLES: dict[str, tuple[str, Callable[[Reference], bytes]]] = {
    "ward": ("ward.csv", lambda _ref: head(DEMO / "2021-05-06-east-midlands.csv", 60)),
    "leap": ("leap-2019-05-02.csv", lambda _ref: head(leap(2019), 150)),
    "lga": (
        "lga.csv",
        lambda _ref: head(SHARED / "trafford-council" / "trafford_council_election_results.csv", 90),
    ),
    "ocd": (
        "opencouncildata_councillors_2021.csv",
        lambda _ref: head(SHARED / "opencouncildata" / "opencouncildata_councillors_2021.csv", 120),
    ),
    "pa": (
        "result.xml",
        lambda _ref: (SHARED / "pa-xml-feed-sample" / "Local_Test_result_Lincoln_1.xml").read_bytes(),
    ),
    "dc": (
        "results.json",
        lambda _ref: json.dumps(
            json.loads(
                (SHARED / "democracyclub-api-sample" / "results-2021.json").read_text(encoding="utf-8")
            )[:6]
        ).encode(),
    ),
    "council": ("council.csv", lambda ref: council_files(ref)["council"]),
    "control": ("control.csv", lambda ref: council_files(ref)["control"]),
}


def cut(data: bytes, at: float) -> bytes:
    return data[: int(len(data) * at)]


def change_byte(data: bytes, at: float, byte: int) -> bytes:
    i = min(int(len(data) * at), len(data) - 1)
    return data[:i] + bytes([byte]) + data[i + 1 :]


def push_in(data: bytes, at: float, words: str) -> bytes:
    i = int(len(data) * at)
    return data[:i] + words.encode("utf-8") + data[i:]


def drop_line(data: bytes, at: float) -> bytes:
    lines = data.splitlines(keepends=True)
    i = min(int(len(lines) * at), len(lines) - 1)
    return b"".join(lines[:i] + lines[i + 1 :])


def double_line(data: bytes, at: float) -> bytes:
    lines = data.splitlines(keepends=True)
    i = min(int(len(lines) * at), len(lines) - 1)
    return b"".join(lines[: i + 1] + lines[i:])


WHERE = st.floats(min_value=0, max_value=1)
DAMAGE = st.one_of(
    st.tuples(st.just(cut), WHERE),
    st.tuples(st.just(change_byte), WHERE, st.integers(0, 255)),
    st.tuples(st.just(push_in), WHERE, st.text(max_size=40)),
    st.tuples(st.just(drop_line), WHERE),
    st.tuples(st.just(double_line), WHERE),
)


def loads_whole_or_not_at_all(engine: Engine, ref: Reference, fmt: str, path: Path) -> None:
    before = contents(engine)
    try:
        load_file(engine, fmt, path, Context(ref, NIGHT if fmt in {"lga", "dc"} else None))
    except InputError as error:
        assert error.path == str(path) and error.message
        assert contents(engine) == before, "a refused file changed the store"


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_a_real_file_damaged_at_random_loads_whole_or_not_at_all(
    fmt: str, engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    name, sample = SAMPLES[fmt]
    original = sample(ref)
    path = tmp_path / name
    path.write_bytes(original)
    load_file(engine, fmt, path, Context(ref, NIGHT if fmt in {"lga", "dc"} else None))  # it loads undamaged

    @EXAMPLES
    @given(st.lists(DAMAGE, min_size=1, max_size=3))
    def damaged(harms: list[tuple[object, ...]]) -> None:
        data = original
        for harm, *args in harms:
            data = harm(data, *args)  # type: ignore[operator]
        path.write_bytes(data)
        loads_whole_or_not_at_all(engine, ref, fmt, path)

    damaged()


@pytest.fixture(scope="module")
def small_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Library's 2025 workbook cut to its first 40 candidates, every other sheet whole."""
    book = load_workbook(LEH / "LEH-2025-results-HoC.xlsx")
    candidates = next(ws for ws in book.worksheets if ws.max_row > 8000)
    candidates.delete_rows(60, candidates.max_row)
    path = tmp_path_factory.mktemp("leh") / "LEH-2025-results-HoC.xlsx"
    book.save(path)
    return path


PRINTABLE = st.characters(blacklist_categories=("Cc", "Cs"))  # what a worksheet can hold
CELL_VALUES = st.one_of(
    st.none(), st.text(PRINTABLE, max_size=30), st.integers(-10, 100_000), st.floats(allow_nan=True)
)


def test_a_workbook_with_cells_rewritten_at_random_loads_whole_or_not_at_all(
    small_workbook: Path, engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    load_file(engine, "leh", small_workbook, Context(ref))
    path = tmp_path / small_workbook.name

    @settings(EXAMPLES, max_examples=10)  # each example saves and reads a workbook
    @given(st.lists(st.tuples(st.integers(1, 60), st.integers(1, 30), CELL_VALUES), min_size=1, max_size=4))
    def rewritten(cells: list[tuple[int, int, object]]) -> None:
        book = load_workbook(small_workbook)
        candidates = next(ws for ws in book.worksheets if ws.max_row >= 55)
        for row, column, value in cells:
            candidates.cell(row, column).value = value
        book.save(path)
        loads_whole_or_not_at_all(engine, ref, "leh", path)

    rewritten()
