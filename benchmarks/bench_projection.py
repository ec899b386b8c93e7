"""The projection updated live through a national night: the 2023 ward-level table's 4,796 wards (against
LEAP 2019) declared one at a time in a seeded random order. Per declaration: the ward paired with the
poll its seats were last fought in, made a key ward where it is one, added to the running tally, and
the projection worked out afresh from the tally (a pure function of the results so far).

Printed: p50, p99 and the worst per declaration, medians of the runs, by the wall clock and in the
thread's CPU time, and the projection at the end. The target is a p99 under 5 ms of CPU time (on a busy
machine the wall clock adds the waits for a core); exits non-zero when it misses.

Run: make bench  (or .venv/bin/python benchmarks/bench_projection.py [--runs N])
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

from tallyroom import reference
from tallyroom.importers import leap, leh_wards
from tallyroom.importers.base import Context
from tallyroom.published import baselines_for
from tallyroom.rules.model import Poll
from tallyroom.rules.projection import Projection, Tally, key_ward
from tallyroom.rules.shares import Earlier

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
NOW = RAW / "hoc-library-leh" / "Ward_Level-Table 1.csv"
BEFORE = RAW / "leap-teale" / "2019" / "leap-2019-05-02.csv"
TARGET_MS = 5.0


def percentile(values: list[float], share: float) -> float:
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, int(len(ranked) * share))] * 1000


def night_once(declarations: list[Poll], earlier: Earlier) -> tuple[list[float], list[float], Projection]:
    baselines = baselines_for(2023)
    tally = Tally()
    found = tally.projection(baselines)
    wall, cpu = [], []
    for poll in declarations:
        began, began_cpu = time.perf_counter(), time.thread_time()
        ward = key_ward(poll, earlier.last_fought(poll))
        if ward is not None:
            tally.add(ward)
        found = tally.projection(baselines)
        cpu.append(time.thread_time() - began_cpu)
        wall.append(time.perf_counter() - began)
    return wall, cpu, found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    context = Context(reference.load())
    declarations = leh_wards.read(NOW, context).polls
    earlier = Earlier(leap.read(BEFORE, context).polls)
    random.Random(2023).shuffle(declarations)
    runs = [night_once(declarations, earlier) for _ in range(args.runs)]
    print(f"projection, 2023 night: {len(declarations)} declarations, {args.runs} runs (medians)")
    p99 = {}
    for name, i in (("wall clock", 0), ("CPU time", 1)):
        p50, p99[name], worst = (
            statistics.median(percentile(r[i], q) for r in runs) for q in (0.5, 0.99, 1.0)
        )
        print(
            f"per declaration, {name:10}: p50 {p50:6.3f} ms, p99 {p99[name]:6.3f} ms, worst {worst:6.3f} ms"
        )
    found = runs[-1][2]
    shares = ", ".join(f"{party} {share:.1f}" for party, share in found.shares.items() if share >= 1)
    print(f"at the end: {found.wards_used} key wards in {found.councils_used} councils: {shares}")
    if p99["CPU time"] >= TARGET_MS:
        sys.exit(f"the projection is slow: p99 {p99['CPU time']:.2f} ms of CPU time >= {TARGET_MS:g} ms")


if __name__ == "__main__":
    main()
