"""One ward, one poll, whatever the source: a second source's copy of a result is matched to the poll
by the ward's GSS code, and a copy that says nothing new (the same party, votes and winners, no figure
that differs) is kept in the attempts trail only, never as a revision; on the real 2021 results of the
Library and Democracy Club, and the demo's 2017 results against LEAP's own file."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select

from tallyroom.importers import dc, leh
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.model import Poll
from tallyroom.store.schema import attempts, declarations, polls
from tests.conftest import DEMO, LEH, SHARED, leap

SHEFFIELD = "E08000019"
HANDBOOK_2021 = LEH / "local_elections_2021_results-2.xlsx"
DC_2021 = SHARED / "democracyclub-api-sample" / "results-2021.json"


def same_figures(ours: Poll, theirs: Poll) -> bool:
    standing = [sorted((c.party.id, c.votes, bool(c.elected)) for c in p.candidacies) for p in (ours, theirs)]
    turnouts = [p.figures.turnout_published for p in (ours, theirs)]
    close = None in turnouts or abs((turnouts[0] or 0) - (turnouts[1] or 0)) < 0.5
    return standing[0] == standing[1] and close


def revisions(engine: Engine, council: str, on: date) -> list[tuple[str, int]]:
    query = (
        select(polls.c.ward_name, func.max(declarations.c.revision))
        .join(declarations, declarations.c.poll_id == polls.c.id)
        .where(polls.c.council_code == council, polls.c.election_date == on)
        .group_by(polls.c.ward_name)
    )
    with engine.connect() as conn:
        return sorted((ward, revision) for ward, revision in conn.execute(query))


def test_democracy_club_over_the_library_adds_no_ward_and_no_revision(engine: Engine, ref: Reference) -> None:
    on = date(2021, 5, 6)
    handbook = leh.read(HANDBOOK_2021, Context(ref))
    sheffield = [p for p in handbook.polls if p.council.code == SHEFFIELD]
    load_file(engine, "leh", HANDBOOK_2021, Context(ref))
    before = revisions(engine, SHEFFIELD, on)
    assert len(before) == len(sheffield) and all(revision == 1 for _, revision in before)

    _, report = load_file(engine, "dc", DC_2021, Context(ref))
    # "&" and "And" are one ward, found by its code. Where the two sources print the same votes and
    # turnout (to half a point: each rounds its own way), the second copy is nothing new. Some wards'
    # figures differ between them (1,659 or 1,695 votes for Labour in Beauchief and Greenhill; a
    # turnout of 34.6% or 36.1% in East Ecclesfield), and those are revisions.
    theirs = {p.ward.code: p for p in dc.read(DC_2021, Context(ref)).polls}
    differ = {p.ward.name for p in sheffield if not same_figures(p, theirs[p.ward.code])}
    assert {"Beauchief And Greenhill", "East Ecclesfield"} <= differ and len(differ) < len(sheffield) / 2
    assert revisions(engine, SHEFFIELD, on) == [(w, 2 if w in differ else 1) for w, _ in before]
    (found,) = [o for o in outcomes(engine, ref, on).councils if o.council.code == SHEFFIELD]
    assert found.seats_up == sum(p.seats for p in sheffield)
    assert found.wards_up == len(sheffield)
    # The Library's ballot figures stand: the other source gives none, so it changes none.
    darnall = next(p for p in sheffield if p.ward.name == "Darnall" and p.ward.name not in differ)
    held = next(w.result.poll for w in found.wards if w.result.poll.ward.code == darnall.ward.code)
    assert held.figures == darnall.figures and held.figures.electorate is not None
    with engine.connect() as conn:
        trail = conn.execute(select(attempts.c.format, attempts.c.unchanged).order_by(attempts.c.id)).all()
    assert trail[-1] == ("dc", report.unchanged) and report.unchanged >= len(sheffield) - len(differ)


def test_leaps_own_file_over_the_demos_2017_is_the_same_result(engine: Engine, ref: Reference) -> None:
    """The demo's 2017 file was made from LEAP's: loading LEAP's after it changes no poll."""
    _, first = load_file(engine, "ward", DEMO / "2017-05-04-east-midlands.csv", Context(ref))
    _, again = load_file(engine, "leap", leap(2017), Context(ref))
    assert first.new > 200
    assert again.revised == 0 and again.unchanged == first.new
