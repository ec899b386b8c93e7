"""The rows `make bench` checks: what was measured, tallyroom's figure, the floor it is measured against in
the same run, their ratio and the target the ratio must meet. Each bench prints its rows and adds them to
the file `$TALLYROOM_BENCH_ROWS` names (when set); `python benchmarks/targets.py FILE` then prints every
row once more and exits non-zero when any ratio misses its target.

A floor is what the same work costs done the plainest way (a bare endpoint, plain sqlite3), or, for an
absolute target, the limit itself (its ratio is then the figure over the limit)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    what: str
    ours: float
    floor: float
    unit: str
    most: bool  # the ratio is a ceiling (time taken) rather than a floor (rate achieved)
    target: float

    @property
    def ratio(self) -> float:
        return self.ours / self.floor if self.floor else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio <= self.target if self.most else self.ratio >= self.target

    def line(self) -> str:
        sign = "<=" if self.most else ">="
        verdict = "ok" if self.met else "MISSED"
        return (
            f"{self.what:64} {self.ours:10.3f} {self.floor:10.3f} {self.unit:6} "
            f"{self.ratio:7.2f} {sign} {self.target:<5g} {verdict}"
        )


HEADER = f"{'what':64} {'tallyroom':>10} {'floor':>10} {'unit':6} {'ratio':>7} target"


def at_least(what: str, ours: float, floor: float, unit: str, target: float) -> Row:
    """A rate that must reach `target` times its floor."""
    return Row(what, ours, floor, unit, False, target)


def at_most(what: str, ours: float, floor: float, unit: str, target: float) -> Row:
    """A cost that must stay within `target` times its floor (a limit: floor the limit, target 1)."""
    return Row(what, ours, floor, unit, True, target)


def report(rows: list[Row]) -> None:
    """Print `rows`, and add them to the run's file of rows."""
    print(HEADER)
    for row in rows:
        print(row.line())
    if found := os.environ.get("TALLYROOM_BENCH_ROWS"):
        with Path(found).open("a", encoding="utf-8") as handle:
            handle.writelines(json.dumps(asdict(row)) + "\n" for row in rows)


def check(path: Path) -> int:
    """Every row of the run, and 1 if any missed its target."""
    rows = [Row(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]
    print(f"\n{len(rows)} benchmark rows\n{HEADER}")
    for row in rows:
        print(row.line())
    missed = [row.what for row in rows if not row.met]
    print(f"missed: {', '.join(missed)}" if missed else "every target met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(check(Path(sys.argv[1])))
