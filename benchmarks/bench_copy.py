"""Draft all copy for every council of a national night (LEAP 2019, with 2018 for the thirds councils):
facts, headline, story and summary bullet per council, timed one council at a time.

Target (issue 4): a median under 2 ms per story.
Run: make bench (or .venv/bin/python benchmarks/bench_copy.py)
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from tallyroom import reference
from tallyroom.copy.drafts import bullet, story
from tallyroom.copy.facts import council_facts
from tallyroom.copy.headlines import headline
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.results import outcomes
from tallyroom.store.database import connect

LEAP = Path(__file__).resolve().parents[2] / "shared/data/raw/leap-teale"


def main() -> None:
    ref = reference.load()
    with tempfile.TemporaryDirectory() as folder:
        engine = connect(f"sqlite:///{Path(folder) / 'copy.db'}")
        for year, day in ((2018, "2018-05-03"), (2019, "2019-05-02")):
            load_file(engine, "leap", LEAP / str(year) / f"leap-{day}.csv", Context(ref))
        councils = outcomes(engine, ref, date(2019, 5, 2)).councils
        engine.dispose()
    story(council_facts(councils[0], ref.parties.get))  # templates compiled once, as in a running server
    times, words = [], 0
    start = time.perf_counter()
    for outcome in councils:
        began = time.perf_counter()
        facts = council_facts(outcome, ref.parties.get)
        title = headline(outcome, ref.parties.get)
        body = story(facts)
        bullet(facts, title)
        times.append(time.perf_counter() - began)
        words += len(body.split())
    total = time.perf_counter() - start
    print(f"LEAP 2019 copy: {len(councils)} councils, {words} words of story")
    median = statistics.median(times) * 1000
    print(f"per council (facts, headline, story, bullet): median {median:5.2f} ms (target < 2 ms)")
    print(f"all councils                                : {total * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
