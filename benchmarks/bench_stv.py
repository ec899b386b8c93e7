"""Count every Scottish ward of 2017 from its ballots (the 353 BLT files: 351 wards and two by-elections)
under the Scottish rules, in-process, and time it: the median of several runs, and papers counted a second.

Target (issue 15): all 353 wards in under 10 s.

With `--compare`, the same papers are also counted by PyRankVote (PyPI `pyrankvote`, a general STV
counter: Droop quota without the +1, floating point, its own transfer and tie rules), installed in a
throwaway virtual environment, never a dependency of tallyroom; its time and the wards where it elects
other candidates are printed. Without network access it is skipped, saying so.

Run: make bench (or .venv/bin/python benchmarks/bench_stv.py [--runs N] [--compare])
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tallyroom.importers.blt import BltFile, parse
from tallyroom.rules.stv import StvCount, count_stv

BALLOTS = Path(__file__).resolve().parents[2] / "shared/data/raw/scot-elex-ballots/blt_files"
PYRANKVOTE = "pyrankvote==2.0.6"
OTHER_COUNTER = """
import json, sys, time
import pyrankvote
from pyrankvote import Ballot, Candidate

wards = json.load(open(sys.argv[1], encoding="utf-8"))
started = time.perf_counter()
elected = []
for names, seats, papers in wards:
    candidates = [Candidate(n) for n in names]
    ballots = [Ballot([candidates[i] for i in ranking]) for count, ranking in papers for _ in range(count)]
    result = pyrankvote.single_transferable_vote(candidates, ballots, number_of_seats=seats)
    elected.append(sorted(c.name for c in result.get_winners()))
print(json.dumps({"seconds": time.perf_counter() - started, "elected": elected}))
"""


def count_all(wards: list[BltFile]) -> list[StvCount]:
    return [count_stv([c.name for c in w.candidates], w.seats, w.papers) for w in wards]


def compare(wards: list[BltFile], ours: list[StvCount]) -> None:
    """PyRankVote on the same papers, in a throwaway environment; skipped, saying so, if it won't install."""
    with tempfile.TemporaryDirectory() as folder:
        venv = Path(folder) / "venv"
        python = venv / "bin" / "python"
        try:
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", PYRANKVOTE],
                check=True,
                capture_output=True,
                timeout=300,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            print(f"PyRankVote: skipped, {PYRANKVOTE} did not install ({type(error).__name__})")
            return
        data = Path(folder) / "wards.json"
        rows = [
            [[c.name for c in w.candidates], w.seats, [[p.voters, p.ranking] for p in w.papers]]
            for w in wards
        ]
        data.write_text(json.dumps(rows), encoding="utf-8")
        script = Path(folder) / "count.py"
        script.write_text(OTHER_COUNTER, encoding="utf-8")
        found = json.loads(
            subprocess.run(
                [str(python), str(script), str(data)], check=True, capture_output=True, text=True
            ).stdout
        )
    differ = [
        w.title
        for w, theirs, mine in zip(wards, found["elected"], ours, strict=True)
        if theirs != sorted(mine.elected)
    ]
    print(
        f"PyRankVote {PYRANKVOTE.partition('==')[2]}: {found['seconds']:.2f} s for the same wards (one run,"
        f" a Ballot object per paper); it elects other candidates in {len(differ)} of {len(wards)} wards"
        + (f": {', '.join(differ[:5])}{' ...' if len(differ) > 5 else ''}" if differ else "")
    )


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    options.add_argument("--runs", type=int, default=5)
    options.add_argument("--compare", action="store_true", help="also count with PyRankVote")
    arguments = options.parse_args()
    files = sorted(BALLOTS.glob("*/*_2017_*.blt"))
    if not files:
        print(f"bench_stv: no ballot files in {BALLOTS}")
        return
    started = time.perf_counter()
    wards = [parse(path, path.read_text(encoding="utf-8")) for path in files]
    reading = time.perf_counter() - started
    papers = sum(p.voters for w in wards for p in w.papers)
    distinct = sum(len(w.papers) for w in wards)
    timings, results = [], []
    for _ in range(arguments.runs):
        started = time.perf_counter()
        results = count_all(wards)
        timings.append(time.perf_counter() - started)
    median = statistics.median(timings)
    stages = sum(len(r.stages) for r in results)
    size = f"{len(wards)} wards, {papers:,} papers ({distinct:,} distinct), {stages:,} stages"
    runs = f"median of {arguments.runs} runs, best {min(timings):.2f} s"
    rate = f"{papers / median:,.0f} papers a second"
    print(
        f"STV count, Scotland 2017: {size}; read in {reading:.2f} s;"
        f" counted in {median:.2f} s ({runs}): {rate} (target: under 10 s)"
    )
    if arguments.compare:
        compare(wards, results)


if __name__ == "__main__":
    main()
