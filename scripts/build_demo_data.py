"""Build the demo data shipped with the package: every East Midlands council poll from 2016 to 2019
(LEAP) and on 6 May 2021 (the Library's handbook), in the native ward format. The earlier years give
the 2021 thirds councils their seats not up, and the 2021 counties their 2017 baseline. Beside them,
the East Midlands councils' rows of Open Council Data's 2020 councillor roll (taken at the end of
2020: the eve of the 2021 poll), unchanged, as an `ocd` file (`NAME.ocd.csv`): who held control and
each seat before the poll.

Run: .venv/bin/python scripts/build_demo_data.py ../shared/data/raw [OUT_FOLDER]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from tallyroom import reference
from tallyroom.importers import leap, leh, ward
from tallyroom.importers.base import Context

REGION = "East Midlands"
OUT = Path(__file__).resolve().parents[1] / "src" / "tallyroom" / "data" / "demo"


def main(raw: Path, out: Path = OUT) -> None:
    ref = reference.load()
    context = Context(ref)
    sources = {
        f"{day}-east-midlands.csv": leap.read(raw / f"leap-teale/{day[:4]}/leap-{day}.csv", context)
        for day in ("2016-05-05", "2017-05-04", "2018-05-03", "2019-05-02")
    } | {
        "2021-05-06-east-midlands.csv": leh.read(
            raw / "hoc-library-leh/local_elections_2021_results-2.xlsx", context
        ),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, batch in sources.items():
        polls = [
            p
            for p in batch.polls
            if (council := ref.councils.get(p.council.code)) is not None and council.region == REGION
        ]
        polls.sort(key=lambda p: (p.council.name, p.ward.name))
        with (out / name).open("w", encoding="utf-8", newline="") as handle:
            ward.write(polls, handle)
        print(f"{name}: {len(polls)} polls, {len({p.council.code for p in polls})} councils")
    roll(raw / "opencouncildata/opencouncildata_councillors_2020.csv", out / "2020-east-midlands.ocd.csv")


def roll(source: Path, target: Path) -> None:
    """The rows of a councillor roll for the region's councils, as published."""
    ref = reference.load()
    with source.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    kept = [
        r
        for r in rows
        if (found := ref.councils.find(r[0])) is not None
        and (council := ref.councils.get(found.code)) is not None
        and council.region == REGION
    ]
    with target.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *kept])
    print(f"{target.name}: {len(kept)} councillors, {len({r[0] for r in kept})} councils")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/raw"), *map(Path, sys.argv[2:3]))
