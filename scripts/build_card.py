"""Build a night's card (its nominations) from a file of its results: every poll with its candidates
and seats, no votes and no winners, in tallyroom's native ward format with status `nominated`, as a
card loaded before the first result would be (contract §6). A poll returned unopposed is a result
already at the close of nominations, and is written as the declared result it was.

Run: .venv/bin/python scripts/build_card.py FORMAT RESULTS_FILE CARD_FILE [--date YYYY-MM-DD]

e.g. the 2025 county night from the Library's handbook (in ../shared/data/raw/hoc-library-leh/):
    .venv/bin/python scripts/build_card.py leh LEH-2025-results-HoC.xlsx card-2025.csv
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from tallyroom import reference
from tallyroom.importers import reader, ward
from tallyroom.importers.base import Context
from tallyroom.rules.counting import card_of
from tallyroom.rules.model import ElectionType


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("format")
    parser.add_argument("results", type=Path)
    parser.add_argument("card", type=Path)
    parser.add_argument("--date", type=date.fromisoformat)
    args = parser.parse_args()
    batch = reader(args.format)(args.results, Context(reference.load(), args.date))
    polls = [card_of(p) for p in batch.polls if p.election_type is ElectionType.LOCAL]
    with args.card.open("w", encoding="utf-8", newline="") as handle:
        ward.write(polls, handle)
    print(f"{args.card}: {len(polls)} polls, {sum(len(p.candidacies) for p in polls)} candidacies")


if __name__ == "__main__":
    main()
