"""Copy through a night: a journalist's edit survives the redrafts new results cause, and a correction
flags the published story at once, with every version kept."""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from starlette.testclient import TestClient

from tallyroom.copy import review
from tallyroom.copy.newsroom import Redrafter, redraft, story_key
from tallyroom.importers.base import Context
from tallyroom.live.feed import ingest
from tallyroom.live.night import follow, open_night
from tallyroom.loading import demo_format, load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.store.database import connect
from tallyroom.web.accounts import Role, add_user
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import DEMO, SHARED, csrf, demo_store

ON = date(2019, 5, 2)


def test_an_edit_survives_and_a_correction_flags_published_copy(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    for demo in sorted(DEMO.glob("*.csv")):
        load_file(engine, demo_format(demo.name), demo, Context(ref))
    load_file(
        engine, "ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2018.csv", Context(ref)
    )
    night = open_night(engine, ref, ON)
    follow(engine, night)
    drafts = Redrafter(engine, ref, lambda code: night.councils[code].outcome)
    drafts.notice(night.councils)
    assert drafts.drain() == []
    dales = next(c for c in night.councils.values() if c.template.council.name == "Derbyshire Dales")
    assert dales.outcome is not None
    key = story_key(dales.outcome)
    draft = review.current(engine, key)
    assert draft is not None and draft.state == "draft"
    assert draft.text.startswith("Conservatives hold Derbyshire Dales\n\nThe Conservatives have kept control")

    words = draft.text.replace("have kept control of", "have held on to")
    review.edit(engine, key, words, "reporter")
    review.approve(engine, key, "editor")
    review.publish(engine, key, "editor")
    assert redraft(engine, ref, [dales.outcome])[0].state == "published"  # same results: nothing new

    correction = corrected_ward(tmp_path, dales.template.council.code)
    events = ingest(engine, night, "ward", correction, Context(ref))
    assert "call_withdrawn" in [e.type for e in events]
    assert review.current(engine, key) == review.published(engine, key)  # redrafting is beside the write
    drafts.notice(e.council.code for e in events)
    assert drafts.drain() == []
    now = review.current(engine, key)
    assert now is not None and now.state == "edited"
    assert now.text == words  # the journalist's words stand
    assert "lost control" in now.generated  # the new draft is beside them
    assert now.flag is not None and now.flag.startswith("published version")
    assert "LOSS_TO_NOC" in now.flag or "NOC" in now.flag
    assert [v.key for v in review.flagged(engine)] == [key]
    published = review.published(engine, key)
    assert published is not None and published.text == words
    assert [v.state for v in review.versions(engine, key)] == [
        "draft",
        "edited",
        "approved",
        "published",
        "edited",
    ]


def test_a_command_line_import_flags_the_story_at_once_and_the_desk_says_the_system_redrafted_it(
    ref: Reference, tmp_path: Path
) -> None:
    """Derbyshire Dales 2019, published; a correction imported with `tallyroom import`: the story is
    flagged as the import ends, before anyone runs `story` or opens the desk, and the desk shows the
    redraft as the system's, with the new draft beside the journalist's words."""
    url = demo_store(tmp_path / "night.db", ref)
    engine = connect(url)
    load_file(
        engine, "ocd", SHARED / "opencouncildata" / "opencouncildata_councillors_2018.csv", Context(ref)
    )
    dales = next(o for o in outcomes(engine, ref, ON).councils if o.council.name == "Derbyshire Dales")
    key = story_key(dales)
    redraft(engine, ref, [dales])
    draft = review.current(engine, key)
    assert draft is not None
    words = draft.text.replace("have kept control of", "have held on to")
    review.edit(engine, key, words, "reporter")
    review.approve(engine, key, "editor")
    review.publish(engine, key, "editor")

    correction = corrected_ward(tmp_path, dales.council.code)
    imported = subprocess.run(
        [sys.executable, "-m", "tallyroom", "--db", url, "import", "ward", str(correction)],
        capture_output=True,
        text=True,
    )
    assert imported.returncode == 0, imported.stderr
    assert "1 story(ies) flagged for review" in imported.stderr
    now = review.current(engine, key)
    assert now is not None and now.state == "edited" and now.by_machine
    assert now.text == words and "lost control" in now.generated
    assert now.flag is not None and now.flag.startswith("published version 4 may now be wrong")
    assert [v.key for v in review.flagged(engine)] == [key]

    add_user(engine, "eddie", Role.EDITOR, "eddie has a long password")
    desk = TestClient(create_app(Site.open(engine, ref, ON), secret="test secret"))
    token = csrf(desk.get("/desk/login"))
    form = {"csrf": token, "name": "eddie", "password": "eddie has a long password"}
    assert desk.post("/desk/login", data=form, follow_redirects=False).status_code == 303
    page = desk.get(f"/desk/review/{dales.council.code}").text
    engine.dispose()
    assert "redrafted by the system from new results" in page
    assert "by tallyroom" not in page and "<td>tallyroom</td>" not in page
    assert "published version 4 may now be wrong" in page
    assert "have lost control of Derbyshire Dales" in page


def corrected_ward(folder: Path, code: str) -> Path:
    """A corrected count in one Derbyshire Dales ward: a Conservative winner falls behind the best loser
    from another party, which takes away the Conservatives' bare majority of 20 of 39."""
    with (DEMO / "2019-05-02-east-midlands.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    council = [r for r in body if r[col["council_code"]] == code]

    def contested(ward: str) -> bool:
        here = [r for r in council if r[col["ward"]] == ward]
        return any(r[col["party"]] == "Conservative" and r[col["elected"]] == "1" for r in here) and any(
            r[col["party"]] != "Conservative" and r[col["elected"]] == "0" for r in here
        )

    ward = next(w for w in dict.fromkeys(r[col["ward"]] for r in council) if contested(w))
    rows_here = [list(r) for r in council if r[col["ward"]] == ward]
    losers = [r for r in rows_here if r[col["elected"]] == "0" and r[col["party"]] != "Conservative"]
    winners = [r for r in rows_here if r[col["elected"]] == "1" and r[col["party"]] == "Conservative"]
    loser = max(losers, key=lambda r: int(r[col["votes"]]))
    winner = min(winners, key=lambda r: int(r[col["votes"]]))
    winner[col["votes"]], loser[col["votes"]] = loser[col["votes"]], winner[col["votes"]]
    winner[col["elected"]], loser[col["elected"]] = "0", "1"
    path = folder / "correction.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        out.writerows(rows_here)
    return path
