"""The results log: a second load changes nothing, corrections are revisions, bad files change nothing."""

from __future__ import annotations

import csv
import json
import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, select, text

from tallyroom.errors import InputError
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.store.database import connect
from tallyroom.store.queries import day_entries, history
from tallyroom.store.schema import attempts, declarations, polls, sources
from tests.conftest import leap, store_url

DERBY_2019 = "E06000015"


def derby_rows() -> list[list[str]]:
    with leap(2019).open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.reader(handle) if r[1] == DERBY_2019]


def write_ward_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "election_date",
                "council",
                "council_code",
                "ward",
                "ward_code",
                "seats",
                "candidate",
                "party",
                "votes",
                "elected",
            ]
        )
        seats: dict[str, int] = {}
        for r in rows:
            seats[r[3]] = seats.get(r[3], 0) + int(r[7])
        for r in rows:
            out.writerow(["2019-05-02", r[0], r[1], r[2], r[3], seats[r[3]], r[4], r[5], r[6], r[7]])
    return path


def dump(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        found: list[tuple[object, ...]] = []
        for table in ("sources", "polls", "declarations", "council_records"):
            found.extend(tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id")))
        return found


def test_loading_the_same_file_twice_changes_nothing(engine: Engine, ref: Reference) -> None:
    context = Context(ref)
    _, first = load_file(engine, "leap", leap(2019), context)
    before = dump(engine)
    _, second = load_file(engine, "leap", leap(2019), context)
    assert first.new == 5281 and first.revised == 0  # the wards polled on 2 May 2019
    assert second.changed == 0 and second.unchanged == first.new
    assert dump(engine) == before  # the results are as they were
    with engine.connect() as conn:  # and the audit trail has both deliveries
        trail = conn.execute(select(attempts.c.new, attempts.c.unchanged).order_by(attempts.c.id)).all()
    assert [tuple(r) for r in trail] == [(5281, 0), (0, 5281)]


def test_a_correction_is_a_new_revision_and_the_old_one_stays(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    rows = derby_rows()
    context = Context(ref)
    load_file(engine, "ward", write_ward_csv(tmp_path / "derby.csv", rows), context)
    corrected = [list(r) for r in rows]
    corrected[0][6] = str(int(corrected[0][6]) + 1)
    _, report = load_file(
        engine, "ward", write_ward_csv(tmp_path / "derby-corrected.csv", corrected), context
    )
    assert (report.new, report.revised) == (0, 1)
    with engine.connect() as conn:
        revisions = conn.execute(
            select(declarations.c.revision, declarations.c.candidacies)
            .join(polls, polls.c.id == declarations.c.poll_id)
            .where(polls.c.ward_code == rows[0][3])
            .order_by(declarations.c.revision)
        ).all()
        votes = [
            (revision, next(c[4] for c in json.loads(text) if c[0] == rows[0][4]))
            for revision, text in revisions
        ]
        assert votes == [(1, int(rows[0][6])), (2, int(rows[0][6]) + 1)]
        assert conn.execute(select(func.count()).select_from(sources)).scalar_one() == 2
    day = outcomes(engine, ref, date(2019, 5, 2))
    ward = next(w for o in day.councils for w in o.wards if w.result.poll.ward.code == rows[0][3])
    assert any(c.votes == int(rows[0][6]) + 1 for c in ward.result.ranked)
    kept = [h for h in history(engine, DERBY_2019, date(2019, 5, 2)) if h["ward"] == rows[0][2]]
    assert [(h["revision"], h["changed"]) for h in kept] == [(1, None), (2, ["votes"])]
    shown = {
        h["revision"]: next(c["votes"] for c in h["candidates"] if c["name"] == rows[0][4]) for h in kept
    }
    assert shown == {1: int(rows[0][6]), 2: int(rows[0][6]) + 1}


def broken_copies(tmp_path: Path) -> dict[str, tuple[Path, int | None, str | None]]:
    """Broken copies of a real ward file: path -> (path, row named, field named)."""
    rows = derby_rows()
    good = write_ward_csv(tmp_path / "good.csv", rows)
    lines = good.read_text(encoding="utf-8").splitlines(keepends=True)
    cases: dict[str, tuple[Path, int | None, str | None]] = {}

    missing = tmp_path / "missing-column.csv"
    missing.write_text(
        "".join(line.replace(",votes,", ",", 1) if i == 0 else line for i, line in enumerate(lines))
    )
    cases["missing column"] = (missing, 1, None)

    bad_number = tmp_path / "bad-number.csv"
    broken = list(lines)
    cells = broken[5].rstrip("\n").split(",")
    cells[8] = "12x"
    broken[5] = ",".join(cells) + "\n"
    bad_number.write_text("".join(broken))
    cases["bad number"] = (bad_number, 6, "votes")

    encoding = tmp_path / "latin1.csv"
    broken = list(lines)
    broken[7] = broken[7].replace(broken[7].split(",")[6], "Zoë Brontë")
    encoding.write_bytes("".join(broken).encode("latin-1"))
    cases["wrong encoding"] = (encoding, 8, None)

    truncated = tmp_path / "truncated.csv"
    middle = len(lines) // 2
    truncated.write_text("".join(lines[:middle]) + lines[middle][:40])
    cases["truncated"] = (truncated, middle + 1, None)

    duplicate = tmp_path / "duplicate.csv"
    duplicate.write_text("".join([*lines, lines[3]]))
    cases["duplicate candidate"] = (duplicate, len(lines) + 1, "candidate")
    return cases


@pytest.mark.parametrize(
    "case", ["missing column", "bad number", "wrong encoding", "truncated", "duplicate candidate"]
)
def test_broken_file_is_rejected_whole_with_row_and_field(
    engine: Engine, ref: Reference, tmp_path: Path, case: str
) -> None:
    load_file(engine, "leap", leap(2019), Context(ref))
    before = dump(engine)
    path, row, field = broken_copies(tmp_path)[case]
    with pytest.raises(InputError) as raised:
        load_file(engine, "ward", path, Context(ref))
    message = str(raised.value)
    assert path.name in message
    if row is not None:
        assert f"row {row}" in message
    if field is not None:
        assert f"'{field}'" in message
    assert dump(engine) == before


def test_two_writers_on_one_ward_at_once_queue_and_both_are_kept(ref: Reference, tmp_path: Path) -> None:
    """Two connections (as two desks or processes) append different figures for one ward at the same
    moment: the second waits for the first, and both versions are kept as revisions 1 and 2."""
    rows = [r for r in derby_rows() if r[3] == derby_rows()[0][3]]
    paths = []
    for desk in (0, 1):
        changed = [list(r) for r in rows]
        changed[0][6] = str(int(changed[0][6]) + desk)
        paths.append(write_ward_csv(tmp_path / f"desk{desk}.csv", changed))
    url = store_url(tmp_path / "desks.db")
    connect(url).dispose()
    engines = [connect(url), connect(url)]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def desk(i: int) -> None:
        start.wait()
        try:
            load_file(engines[i], "ward", paths[i], Context(ref))
        except BaseException as error:  # the test reports any failure from either thread
            failures.append(error)

    threads = [threading.Thread(target=desk, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with engines[0].connect() as conn:
        kept = conn.execute(select(declarations.c.revision).order_by(declarations.c.revision)).scalars().all()
    assert kept == [1, 2]
    with engines[0].connect() as conn:
        trail = conn.execute(select(attempts.c.name, attempts.c.new, attempts.c.revised)).all()
    assert sorted((name, new + revised) for name, new, revised in trail) == [
        ("desk0.csv", 1),
        ("desk1.csv", 1),
    ]
    for engine in engines:
        engine.dispose()


def test_after_a_whole_file_the_next_declaration_is_read_by_its_place_in_the_log(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    """A whole file leaves the query planner figures: the next delivery's declarations are then found
    through the log's position, not by reading every declaration of the day (on SQLite, without the
    figures, the planner takes a day for a handful of polls and reads all 5,281)."""
    context = Context(ref)
    load_file(engine, "leap", leap(2019), context)
    rows = derby_rows()
    corrected = [list(r) for r in rows if r[3] == rows[0][3]]
    corrected[0][6] = str(int(corrected[0][6]) + 1)
    load_file(engine, "ward", write_ward_csv(tmp_path / "one-ward.csv", corrected), context)

    asked: list[tuple[str, object]] = []

    def kept(_conn: object, _cursor: object, statement: str, parameters: object, *_: object) -> None:
        asked.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", kept)
    (entry,) = day_entries(engine, ref.parties, date(2019, 5, 2), after=1, upto=2)
    event.remove(engine, "before_cursor_execute", kept)
    assert entry.poll is not None and entry.poll.ward.code == rows[0][3]
    statement, parameters = next((s, p) for s, p in asked if "FROM declarations JOIN polls" in s)
    explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"{explain} {statement}", parameters))
    assert "ix_declarations_source_id" in plan, plan


@pytest.mark.postgres_only
def test_what_a_night_asks_at_every_declaration_stays_prepared(engine: Engine, ref: Reference) -> None:
    """A read ends with a commit, not a rollback: psycopg forgets every statement it prepared on a
    connection at a rollback, so PostgreSQL would parse and plan a night's questions at each declaration."""
    for _ in range(6):  # psycopg prepares a statement at its sixth run on a connection
        assert day_entries(engine, ref.parties, date(2019, 5, 2), after=0, upto=10) == []
    with engine.connect() as conn:  # one thread: the pool's one connection, the reads' too
        prepared = conn.exec_driver_sql("SELECT statement FROM pg_prepared_statements").scalars().all()
    assert any("FROM declarations JOIN polls" in statement for statement in prepared), prepared
