"""What input may hold, attacked from outside: a ward result posted with a reporter's token, entered on
the desk, or loaded with `tallyroom import`, on the real 2021 Derbyshire divisions. Codes outside the
documented alphabet, fields beyond the limits, impossible figures, files cut short, unknown control
and unresolved ties are each refused with their row and field, and change nothing; the night goes on.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from tallyroom.delivery import Batch
from tallyroom.errors import InputError
from tallyroom.importers import reader, ward
from tallyroom.importers.base import Context
from tallyroom.reference import Reference
from tallyroom.rules.model import WardRef
from tallyroom.store import queries
from tallyroom.store.log import SourceInfo, append
from tallyroom.store.schema import declarations
from tallyroom.web.accounts import AccountError, Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import (
    DEMO,
    LEAP,
    NIGHT,
    NIGHT_FILE,
    SHARED,
    copy_of,
    copy_url,
    csrf,
    demo_store,
    night_from_nominations,
    night_wards,
)

DERBYSHIRE = "E10000007"
Rows = list[dict[str, str]]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("limits") / "eve.db", ref, leave_out=NIGHT_FILE)


@pytest.fixture
def engine(store: str, tmp_path: Path) -> Iterator[Engine]:
    engine = copy_of(store, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def site(engine: Engine, ref: Reference) -> Site:
    return Site(engine, ref, NIGHT, night=night_from_nominations(engine, ref))


def reporter(site: Site) -> dict[str, str]:
    """A reporter's token for posting ward CSV (rita, added the first time)."""
    with suppress(AccountError):
        add_user(site.engine, "rita", Role.REPORTER, "rita's long password")
    return {"Authorization": f"Bearer {issue_token(site.engine, 'rita')}", "Content-Type": "text/csv"}


def logged(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(declarations)).scalar_one())


def alfreton() -> Rows:
    """Alfreton and Somercotes, two seats: Rose 3,185 and Wilson 2,791 elected over Smith's 2,237, of an
    electorate of 20,392."""
    _, _, body = night_wards(DERBYSHIRE)[0]
    return list(csv.DictReader(io.StringIO(body.decode())))


def as_csv(rows: Rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def edited(change: Callable[[Rows], None]) -> bytes:
    rows = alfreton()
    change(rows)
    return as_csv(rows)


def post(site: Site, body: bytes) -> tuple[int, dict[str, object]]:
    answer = TestClient(create_app(site)).post("/api/declarations", content=body, headers=reporter(site))
    return answer.status_code, answer.json()


@pytest.fixture
def db(store: str, tmp_path: Path) -> str:
    """A copy of the store for the command line."""
    return copy_url(store, tmp_path / "cli.db")


def tallyroom(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", db, *args], capture_output=True, text=True
    )


def refused(site: Site, body: bytes, row: int, field: str) -> str:
    """Post a body that must be refused, naming its row and field, with nothing logged; the message."""
    before = logged(site.engine)
    status, answer = post(site, body)
    assert (status, answer.get("row"), answer.get("field")) == (400, row, field), answer
    assert logged(site.engine) == before
    return str(answer["error"])


# Codes


HOSTILE_CODES = [
    "../../../../export/results.csv?x=/../../OUTSIDE.sh",
    "E58000193/..",
    "a/b",
    "%2e%2e",
    "E58000193%2F",
    "E58000193?x",
    "E58000193#x",
    "..\\..\\x",
    "e58000193",  # a GSS code in lower case: a second name for E58000193 on a case-blind disk
    "thirteen-char",
    "-darley",
    "x" * 300,
]


@pytest.mark.parametrize("code", HOSTILE_CODES)
def test_a_ward_code_outside_the_alphabet_is_refused(site: Site, code: str) -> None:
    def hostile(rows: Rows) -> None:
        for row in rows:
            row["ward_code"] = code

    refused(site, edited(hostile), 2, "ward_code")


def test_a_council_code_outside_the_alphabet_is_refused(site: Site) -> None:
    def hostile(rows: Rows) -> None:
        for row in rows:
            row |= {"council": "Nowhere", "council_code": "../../x"}

    refused(site, edited(hostile), 2, "council_code")


def test_codes_in_the_alphabet_are_taken(site: Site) -> None:
    """A GSS code, and tallyroom's own for an area without one."""

    def own(rows: Rows) -> None:
        for row in rows:
            row["ward_code"] = "alfreton-1"

    status, answer = post(site, edited(own))
    assert status == 200 and answer["new"] == 1


def test_a_hostile_code_is_refused_by_import_too(db: str, tmp_path: Path) -> None:
    path = tmp_path / "ward.csv"
    path.write_bytes(edited(lambda rows: rows[0].update(ward_code=HOSTILE_CODES[0])))
    done = tallyroom(db, "import", "ward", str(path))
    assert done.returncode == 1
    assert "ward.csv, row 2: field 'ward_code': not a code" in done.stderr


# Lengths


def test_a_field_over_the_csv_modules_limit_is_refused_with_its_row_and_field(site: Site) -> None:
    """131,073 characters: Python's csv module would raise an error nobody catches."""
    refused(site, edited(lambda rows: rows[1].update(candidate="A" * 131_073)), 3, "candidate")


def test_the_desk_form_refuses_a_field_over_the_limit(site: Site) -> None:
    client = TestClient(create_app(site, secret="test secret"))
    add_user(site.engine, "rob", Role.REPORTER, "rob's long password here")
    token = csrf(client.get("/desk/login"))
    client.post("/desk/login", data={"csrf": token, "name": "rob", "password": "rob's long password here"})
    token = csrf(client.get("/desk"))
    rows = alfreton()
    values = {"csrf": token, "council_code": DERBYSHIRE, "ward": rows[0]["ward"], "ward_code": "E58000193"}
    values |= {"seats": "2", "candidate_0": "B" * 200_000, "party_0": "Labour", "votes_0": "10"}
    before = logged(site.engine)
    answer = client.post("/desk/enter", data=values)
    assert answer.status_code == 400
    assert "row 2: field &#39;candidate&#39;: 200,000 characters: at most 2,000" in answer.text
    assert logged(site.engine) == before


def test_a_long_field_is_refused_by_import(db: str, tmp_path: Path) -> None:
    path = tmp_path / "ward.csv"
    path.write_bytes(edited(lambda rows: rows[2].update(party="P" * 200_000)))
    done = tallyroom(db, "import", "ward", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "ward.csv, row 4: field 'party': 200,000 characters: at most 2,000" in done.stderr


@pytest.mark.parametrize(
    ("field", "value", "row"),
    [
        ("ward", "W" * 101, 2),  # a place name: at most 100
        ("candidate", "C" * 2_001, 2),  # a person's name: at most 2,000
        ("party", "P" * 2_001, 2),
    ],
)
def test_names_over_their_limits_are_refused_on_every_store(
    site: Site, field: str, value: str, row: int
) -> None:
    """On PostgreSQL these gave 503 with Retry-After (a value too long for its column), so machines
    posting them retried for ever; on SQLite they went into the log."""

    def long(rows: Rows) -> None:
        for each in rows if field == "ward" else rows[:1]:
            each[field] = value

    refused(site, edited(long), row, field)


def test_a_2000_character_candidate_name_is_still_taken_exactly(site: Site) -> None:
    status, answer = post(site, edited(lambda rows: rows[0].update(candidate="A" * 2_000)))
    assert status == 200 and answer["new"] == 1


def test_an_entry_confirmed_by_two_people_fits_the_log(site: Site) -> None:
    """Confirming an entry logs it in both names, and the log keeps at most 100 characters of them (on
    PostgreSQL a longer pair gave 503 with Retry-After): a desk user's name is at most 40 characters,
    so the pair always fits."""
    with pytest.raises(AccountError, match="1 to 40 characters"):
        add_user(site.engine, "e" * 41, Role.REPORTER, "a long enough password")
    client = TestClient(create_app(site, secret="test secret", confirm=True))
    reporter, editor = "e" * 40, "c" * 40
    add_user(site.engine, reporter, Role.REPORTER, f"{reporter}'s long password")
    add_user(site.engine, editor, Role.EDITOR, f"{editor}'s long password")
    rows = alfreton()
    form = {"council_code": DERBYSHIRE, "ward": rows[0]["ward"], "ward_code": "E58000193", "seats": "2"}
    for i, row in enumerate(rows):
        form |= {f"candidate_{i}": row["candidate"], f"party_{i}": row["party"], f"votes_{i}": row["votes"]}
    for name in (reporter, editor):
        client.cookies.clear()
        token = csrf(client.get("/desk/login"))
        client.post("/desk/login", data={"csrf": token, "name": name, "password": f"{name}'s long password"})
        token = csrf(client.get("/desk"))
        if name == reporter:
            assert client.post("/desk/enter", data={"csrf": token, **form}).status_code == 200
            continue
        page = client.get("/desk").text
        entry = page.split('action="/desk/entries/')[1].split("/")[0]
        answer = client.post(f"/desk/entries/{entry}/confirm", data={"csrf": token})
    assert answer.status_code == 200 and "Result logged." in answer.text
    who = {h["entered_by"] for h in queries.history(site.engine, DERBYSHIRE, site.day)}
    assert who == {f"{reporter}, confirmed by {editor}"} and len(who.pop()) == 95


def test_odd_but_real_names_are_taken(site: Site) -> None:
    odd = ["\u202etsiL\u202c Rita", "Zoe\u0308 Ba\u0301nd\u200d", "\U0001f5f3\ufe0f O'Brien & <b>Sons</b>"]
    status, _ = post(
        site, edited(lambda rows: [row.update(candidate=n) for row, n in zip(rows, odd, strict=False)])
    )
    assert status == 200
    council = TestClient(create_app(site)).get(f"/api/councils/{DERBYSHIRE}").json()
    assert set(odd) <= {c["name"] for w in council["wards"] for c in w["candidates"]}


# Control characters


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ('"Rose\nSmith"', "\\n"),  # a line break in a quoted name: the record spans two lines
        ('"Rose\r\nSmith"', "\\r"),
        ("Rose\x1bSmith", "\\x1b"),  # an escape on a line of its own
        ("Rose\u2028Smith", "\\u2028"),
        ("Rose\x85Smith", "\\x85"),
    ],
)
def test_a_control_character_in_a_real_leap_file_is_refused_with_its_row_and_field(
    context: Context, tmp_path: Path, written: str, shown: str
) -> None:
    """Every field is checked, whether the file's lines are clean but for one record spanning two of
    them, or a line holds a control character: the fault's row and field are named."""
    lines = (LEAP / "2019" / "leap-2019-05-02.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    fields = next(csv.reader([lines[1000]]))
    fields[4] = "{}"
    lines[1000] = ",".join(f'"{f}"' if "," in f else f for f in fields).replace("{}", written) + "\n"
    path = tmp_path / "leap-2019-05-02.csv"
    path.write_text("".join(lines), encoding="utf-8", newline="")
    with pytest.raises(InputError, match=re.escape(f"a control character ({shown})")) as error:
        reader("leap")(path, context)
    assert (error.value.row, error.value.field) == (1001, "candidate")


# Impossible results


@pytest.mark.parametrize(
    ("change", "row", "field"),
    [
        (lambda rows: rows[2].update(elected="1"), 4, "elected"),  # three elected for two seats
        (lambda rows: rows[0].update(votes="1e3"), 2, "votes"),
        (lambda rows: rows[0].update(votes="3_185"), 2, "votes"),
        (lambda rows: rows[0].update(votes="1,85"), 2, "votes"),
        (lambda rows: rows[0].update(votes="٣١٨٥"), 2, "votes"),  # Arabic-Indic digits
        (lambda rows: rows[0].update(votes="20393"), 2, "votes"),  # more than the 20,392 electors
        (
            lambda rows: [r.update(electorate="") for r in rows] + [rows[1].update(votes="10000001")],
            3,
            "votes",
        ),
        (lambda rows: [r.update(ballots="5000", rejected="6000") for r in rows], 2, "rejected"),
    ],
)
def test_impossible_figures_are_refused_with_row_and_field(
    site: Site, change: Callable[[Rows], None], row: int, field: str
) -> None:
    refused(site, edited(change), row, field)


def test_papers_below_the_votes_cast_are_taken_and_flagged(site: Site) -> None:
    """Domain §3.3: flag, don't reject. 2,990 valid papers for two seats allow 5,980 votes; 11,650
    were cast. The votes decide the result; the papers figure is the one sources get wrong."""
    status, _ = post(site, edited(lambda rows: [r.update(ballots="3000", rejected="10") for r in rows]))
    assert status == 200
    council = TestClient(create_app(site)).get(f"/api/councils/{DERBYSHIRE}").json()
    assert any("votes total 11650, more than 2990 papers x 2 seats" in flag for flag in council["flags"])


def tie(rows: Rows) -> None:
    """Wilson level with Smith on 2,237 for the second seat, and no winner chosen by lot."""
    for row in rows:
        row["elected"] = ""
    rows[1]["votes"] = rows[2]["votes"]


def test_an_unresolved_tie_is_refused_naming_the_row_and_the_night_goes_on(site: Site) -> None:
    message = refused(site, edited(tie), 3, "tie_break")
    assert "Smith P.J., Wilson D. tie on 2237 votes for 1 seat(s)" in message
    assert message.endswith("mark the winner(s) chosen by lot: tie_break=lot")

    def lot(rows: Rows) -> None:
        tie(rows)
        rows[1]["tie_break"] = "lot"

    status, answer = post(site, edited(lot))
    assert status == 200 and answer["new"] == 1
    client = TestClient(create_app(site))
    assert client.get("/").status_code == 200
    assert client.get(f"/api/councils/{DERBYSHIRE}").json()["seats_declared"] == 2


def test_an_unresolved_tie_in_an_imported_file_leaves_the_day_readable(db: str, tmp_path: Path) -> None:
    """Once, `import` said "1 new" and `councils` then died for the whole day."""
    path = tmp_path / "tie.csv"
    path.write_bytes(edited(tie))
    done = tallyroom(db, "import", "ward", str(path))
    assert done.returncode == 1
    assert "tie.csv, row 3: field 'tie_break':" in done.stderr and "1 new" not in done.stderr
    day = tallyroom(db, "councils", "--date", "2021-05-06")  # the file changed nothing: the day is as it was
    assert day.returncode == 1 and "Traceback" not in day.stderr
    assert day.stderr.startswith("no councils polled on 2021-05-06 in this store; nights loaded: ")


# Files cut short


def cut_after_comma(text: str) -> str:
    """The file as if cut right after the last comma of its last row: no final line break."""
    return text.rstrip("\r\n")[: text.rstrip("\r\n").rfind(",") + 1]


def cut_in_quotes(text: str) -> str:
    """The file as if cut just inside the last quoted field."""
    return text.rstrip("\r\n")[: text.rstrip("\r\n").rfind('"')]


CUTS = [
    ("ward", DEMO / "2021-05-06-east-midlands.csv", cut_after_comma),
    ("leap", LEAP / "2016" / "leap-2016-05-05.csv", cut_after_comma),
    ("leap", LEAP / "2016" / "leap-2016-05-05.csv", cut_in_quotes),
    ("lga", SHARED / "trafford-council" / "trafford_council_election_results.csv", cut_after_comma),
    ("ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2016.csv", cut_after_comma),
    ("ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2016.csv", cut_in_quotes),
]


@pytest.mark.parametrize(("format_name", "source", "cut"), CUTS)
def test_a_real_file_cut_inside_its_last_field_is_refused(
    context: Context, tmp_path: Path, format_name: str, source: Path, cut: Callable[[str], str]
) -> None:
    text = source.read_text(encoding="utf-8-sig")
    reader(format_name)(source, context)  # whole, it loads
    path = tmp_path / source.name
    path.write_text(cut(text), encoding="utf-8")
    with pytest.raises(InputError, match="cut short") as error:
        reader(format_name)(path, context)
    assert error.value.row == len(list(csv.reader(io.StringIO(text))))  # the last row


@pytest.mark.parametrize(
    ("format_name", "text"),
    [
        (
            "council",
            "election_date,council,council_code,total_seats,party,seats_after,seats_won\n"
            "2023-05-04,Harborough,E07000131,34,Conservative,13,\n2023-05-04,Harborough,E07000131,34,Labour,",
        ),
        (
            "control",
            'election_date,council,council_code,control_before\n2023-05-04,Harborough,E07000131,"Conserv',
        ),
    ],
)
def test_the_native_council_files_cut_short_are_refused(
    context: Context, tmp_path: Path, format_name: str, text: str
) -> None:
    path = tmp_path / f"{format_name}.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="cut short"):
        reader(format_name)(path, context)


def test_a_whole_file_without_a_final_line_break_still_loads(context: Context) -> None:
    """Trafford's file ends with no line break after its last row, whose last field is whole."""
    trafford = SHARED / "trafford-council" / "trafford_council_election_results.csv"
    assert not trafford.read_bytes().endswith(b"\n")
    assert len(reader("lga")(trafford, context).polls) == 173


# Control


def test_control_by_a_party_nobody_knows_is_refused(context: Context, tmp_path: Path) -> None:
    path = tmp_path / "control.csv"
    head = "election_date,council,council_code,control_before\n"
    path.write_text(
        head + "2023-05-04,Harborough,E07000131,Conservative\n2023-05-04,Derby,E06000015,Nobody Knows\n"
    )
    with pytest.raises(InputError) as error:
        reader("control")(path, context)
    assert (error.value.row, error.value.field) == (3, "control_before")
    path.write_text(head + "2023-05-04,Harborough,E07000131,Conservative\n2023-05-04,Derby,E06000015,NOC\n")
    assert [r.control_before for r in reader("control")(path, context).control_records] == [
        "conservative",
        "NOC",
    ]


# The database's own refusals


@pytest.mark.postgres_only  # SQLite takes a value of any length
def test_a_value_the_database_refuses_is_bad_input_not_try_again(engine: Engine, ref: Reference) -> None:
    """Past the importers (the log written directly), a code too long for its column: PostgreSQL
    refuses it (a DataError), and that is an InputError (400 over HTTP), not a StoreError (503 with
    Retry-After, which machines retry for ever)."""
    poll = ward.read(NIGHT_FILE, Context(ref)).polls[0]
    long = poll._replace(ward=WardRef(poll.ward.name, "E" + "0" * 20))
    before = logged(engine)
    with pytest.raises(InputError, match="the database refused a value, and nothing was written"):
        append(engine, Batch(polls=[long]), SourceInfo("ward", "long.csv", "0" * 64))
    assert logged(engine) == before
