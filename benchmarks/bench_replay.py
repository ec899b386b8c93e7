"""Replay a whole national night (LEAP 2019, 5,281 polls in 248 councils) at full speed, with every
recompute and event, and time each declaration.

Targets (issue 3): p99 under 5 ms per declaration in-process, the whole night under 10 s.
Run: make bench  (or .venv/bin/python benchmarks/bench_replay.py [--leap FILE] [--runs N])
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

from targets import at_most, report

from tallyroom import reference
from tallyroom.importers.base import Context
from tallyroom.live.night import Night
from tallyroom.live.replay import schedule
from tallyroom.loading import load_file
from tallyroom.results import load_day
from tallyroom.store.database import connect

DEFAULT_LEAP = Path(__file__).resolve().parents[2] / "shared/data/raw/leap-teale/2019/leap-2019-05-02.csv"
POLLING_DAY = date(2019, 5, 2)


def night_once(folder: Path, leap: Path) -> tuple[list[float], float, int]:
    ref = reference.load()
    engine = connect(f"sqlite:///{folder / 'night.db'}")
    if not load_day(engine, ref, POLLING_DAY).council_polls:
        load_file(engine, "leap", leap, Context(ref))
    start = time.perf_counter()
    day = load_day(engine, ref, POLLING_DAY)
    night = Night.open(ref, POLLING_DAY, [p for ps in day.council_polls.values() for p in ps], day.earlier)
    latencies, events = [], 0
    for _, poll in schedule(day.council_polls, POLLING_DAY, seed=0):
        began = time.perf_counter()
        events += len(night.declare(poll))
        latencies.append(time.perf_counter() - began)
    total = time.perf_counter() - start
    engine.dispose()
    return latencies, total, events


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--leap", type=Path, default=DEFAULT_LEAP)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        runs = [night_once(Path(folder), args.leap) for _ in range(args.runs)]
        tracemalloc.start()
        night_once(Path(folder), args.leap)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    latencies = sorted(runs[len(runs) // 2][0])
    totals = [total for _, total, _ in runs]
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    night = statistics.median(totals)
    print(f"LEAP 2019 night: {len(latencies)} declarations, {runs[0][2]} events, {args.runs} runs")
    print(f"whole night (open + every declaration): median {night:6.2f} s (< 10 s)")
    print(f"declarations per second               : {len(latencies) / night:8.0f}")
    print(f"per declaration                       : p50 {p50:6.2f} ms, p99 {p99:6.2f} ms (< 5 ms)")
    print(f"peak traced memory                    : {peak:6.1f} MiB")
    report(
        [
            at_most("replay LEAP 2019: whole night", night, 10, "s", 1),
            at_most("replay LEAP 2019: per declaration p99", p99, 5, "ms", 1),
        ]
    )


if __name__ == "__main__":
    main()
