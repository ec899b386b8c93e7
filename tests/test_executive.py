"""Mayors and police and crime commissioners through the log: the voting system follows the date."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from tallyroom.copy.drafts import executive
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes

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


def test_commissioner_2021_by_supplementary_vote_and_mayor_2023_by_fptp(
    engine: Engine, ref: Reference, tmp_path: Path
) -> None:
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
    load_file(engine, "ward", path, Context(ref))

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
