"""Mayors and police and crime commissioners through the log: the voting system follows the date."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from tallyroom.cli import app as cli
from tallyroom.copy.drafts import executive
from tallyroom.importers.base import Context
from tallyroom.live.events import EventType
from tallyroom.live.replay import EXECUTIVE_COUNTS, replay
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tests.conftest import DEMO

HEADER = [
    "election_date",
    "council",
    "council_code",
    "ward",
    "ward_code",
    "seats",
    "candidate",
    "party",
    "votes",
]


def executive_file(tmp_path: Path) -> Path:
    """Derbyshire's commissioner of 6 May 2021 and Mansfield's mayor of 4 May 2023, as ward CSV."""
    path = tmp_path / "executive.csv"
    # Published figures (domain §4.1 worked example 4; the two eliminated candidates' first-round
    # votes are the rules document's approximations), and the Mansfield mayoral count of 4 May 2023.
    pcc = [
        ("Angelique Foster", "Conservative", 137_884, 11_865),
        ("Hardyal Singh Dhindsa", "Labour", 104_700, 12_864),
        ("Stan Heptinstall", "Liberal Democrats", 25_700, None),
        ("Timothy Prosser", "Reform UK", 10_600, None),
    ]
    mayor = [9987, 5832, 4992, 936, 420]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow([*HEADER, "election_type", "transfers"])
        for name, party, votes, transfers in pcc:
            row = ["2021-05-06", "Derbyshire", "E10000007", "Derbyshire", "", 1, name, party, votes]
            out.writerow([*row, "pcc", "" if transfers is None else transfers])
        for i, votes in enumerate(mayor):
            row = [
                "2023-05-04",
                "Mansfield",
                "E07000174",
                "Mansfield",
                "",
                1,
                f"candidate {i + 1}",
                "",
                votes,
            ]
            out.writerow([*row, "mayor", ""])
    return path


def test_commissioner_2021_by_supplementary_vote_and_mayor_2023_by_fptp(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    load_file(engine, "ward", executive_file(tmp_path), Context(ref))

    commissioner = outcomes(engine, ref, date(2021, 5, 6)).executive
    assert len(commissioner) == 1 and commissioner[0].sv is not None
    assert commissioner[0].sv.final == {"Angelique Foster": 149_749, "Hardyal Singh Dhindsa": 117_564}
    assert [c.name for c in commissioner[0].elected] == ["Angelique Foster"]

    mansfield = outcomes(engine, ref, date(2023, 5, 4))
    assert mansfield.councils == [] and len(mansfield.executive) == 1
    assert mansfield.executive[0].sv is None
    assert [c.votes for c in mansfield.executive[0].elected] == [9987]
    story = executive(commissioner[0], "police and crime commissioner", "Derbyshire")
    assert story.startswith("Angelique Foster (Conservative) has been elected police and crime commissioner")
    for figure in ("137,884", "104,700", "149,749", "117,564", "32,185"):
        assert figure in story
    mayor = executive(mansfield.executive[0], "mayor", "Mansfield")
    assert "with 9,987 votes to 5,832" in mayor and "second" not in mayor


def test_a_replayed_night_declares_its_commissioner_the_next_afternoon(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
    """Derbyshire's council and its commissioner on 6 May 2021: the replay declares both, the
    commissioner after the council counts began, on the Friday afternoon (domain §11.2)."""
    load_file(engine, "ward", DEMO / "2021-05-06-east-midlands.csv", Context(ref))
    load_file(engine, "ward", executive_file(tmp_path), Context(ref))
    night = list(replay(engine, ref, date(2021, 5, 6)))
    declared = [t for t in night if t.event.type is EventType.EXECUTIVE]
    assert [t.json()["ballot"] for t in declared] == ["pcc.derbyshire.2021-05-06"]
    (commissioner,) = declared
    assert commissioner.json()["elected"] == [{"candidate": "Angelique Foster", "party": "Conservative"}]
    assert commissioner.at.date() == date(2021, 5, 7) and commissioner.at.time() >= EXECUTIVE_COUNTS
    first = min(t.at for t in night if t.event.type is EventType.DECLARATION)
    assert first < commissioner.at
    assert sum(1 for t in night if t.event.type is EventType.COMPLETE) == len(
        outcomes(engine, ref, date(2021, 5, 6)).councils
    )
    url = engine.url.render_as_string(hide_password=False)
    printed = CliRunner().invoke(cli, ["--db", url, "replay", "--date", "2021-05-06"]).stdout.splitlines()
    said = commissioner.at.strftime("%a %H:%M") + "  PCC Derbyshire: Angelique Foster (Conservative)"
    assert said in printed
