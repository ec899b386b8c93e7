"""Feeds in the wrong order, twice, or half-finished: the log ends in the state of a clean run, and keeps
every version it was sent."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select
from typer.testing import CliRunner

from tallyroom.cli import app as cli
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.serialise import council_outcome
from tallyroom.store.database import connect
from tallyroom.store.schema import council_records, declarations
from tests.conftest import SHARED, store_url

LINCOLN = SHARED / "pa-xml-feed-sample" / "Local_Test_result_Lincoln_1.xml"
PA_DAY = date(2026, 5, 7)


def revision_2(tmp_path: Path) -> Path:
    """The sample message resent as revision 2 with one seat moved from Labour to the Conservatives, as
    PA resends a whole council result when it corrects one."""
    text = LINCOLN.read_bytes().decode("utf-8")
    text = text.replace("revision='1'", "revision='2'")
    text = text.replace("name='Lab' paId='662' seats='5'", "name='Lab' paId='662' seats='4'")
    text = text.replace("name='C' paId='659' seats='2'", "name='C' paId='659' seats='3'")
    text = text.replace("name='Lab' paId='662' seats='18'", "name='Lab' paId='662' seats='17'")
    text = text.replace("name='C' paId='659' seats='4'", "name='C' paId='659' seats='5'")
    path = tmp_path / "Local_Test_result_Lincoln_2.xml"
    path.write_bytes(text.encode("utf-8"))
    return path


def state(engine: Engine, ref: Reference) -> list[dict[str, object]]:
    return [council_outcome(o, ref.parties.get) for o in outcomes(engine, ref, PA_DAY).councils]


def test_revisions_out_of_order_and_twice_end_as_a_clean_run(ref: Reference, tmp_path: Path) -> None:
    second = revision_2(tmp_path)
    clean = connect(store_url(tmp_path / "clean.db"))
    load_file(clean, "pa", LINCOLN, Context(ref))
    load_file(clean, "pa", second, Context(ref))
    messy = connect(store_url(tmp_path / "messy.db"))
    for path in (second, second, LINCOLN, LINCOLN):
        load_file(messy, "pa", path, Context(ref))

    assert state(messy, ref) == state(clean, ref)
    composition = state(clean, ref)[0]["composition"]
    assert composition == {"Labour": 17, "Liberal Democrats": 8, "Conservative": 5, "Independent": 3}
    with messy.connect() as conn:
        kept = conn.execute(
            select(council_records.c.revision, council_records.c.status, council_records.c.source_revision)
            .where(council_records.c.kind == "council-result")
            .order_by(council_records.c.revision)
        ).all()
    assert [tuple(r) for r in kept] == [(1, "declared", 2), (2, "superseded", 1)]
    clean.dispose()
    messy.dispose()


def test_a_stale_message_is_said_on_import_and_kept_in_the_history(tmp_path: Path) -> None:
    db = store_url(tmp_path / "stale.db")
    run = CliRunner()
    run.invoke(cli, ["--db", db, "import", "pa", str(revision_2(tmp_path))])
    stale = run.invoke(cli, ["--db", db, "import", "pa", str(LINCOLN)])
    assert stale.exit_code == 0
    assert f"{LINCOLN.name}: 0 new, 0 revised, 0 unchanged, 1 superseded" in stale.stderr
    shown = run.invoke(
        cli, ["--db", db, "history", "Lincoln", "--date", PA_DAY.isoformat()]
    ).stdout.splitlines()
    assert [line.split()[:4] for line in shown] == [
        ["council", "result", "r1", "declared"],
        ["council", "result", "r2", "superseded"],
    ]
    seats = "Labour 17, Liberal Democrats 8, Conservative 5, Independent 3 of 33"
    assert shown[0].endswith(f"from Local_Test_result_Lincoln_2.xml: {seats}")


def test_provisional_figures_and_a_recount_leave_a_poll_pending(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    demo = Path(__file__).resolve().parents[1] / "src/tallyroom/data/demo/2021-05-06-east-midlands.csv"
    with demo.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, darley = rows[0], [r for r in rows[1:] if r[3] == "Darley"]
    status = header.index("status")

    def send(name: str, value: str) -> None:
        path = tmp_path / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            out.writerows([*r[:status], value, *r[status + 1 :]] for r in darley)
        load_file(engine, "ward", path, Context(ref))

    def declared() -> int:
        day = outcomes(engine, ref, date(2021, 5, 6)).councils
        return sum(o.seats_declared for o in day)

    send("provisional", "provisional")
    assert declared() == 0
    send("recount", "recount")
    assert declared() == 0
    send("declared", "declared")
    assert declared() == 2
    with engine.connect() as conn:
        history = conn.execute(
            select(declarations.c.revision, declarations.c.status).order_by("revision")
        ).all()
    assert [tuple(r) for r in history] == [(1, "provisional"), (2, "recount"), (3, "declared")]
