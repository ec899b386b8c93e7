"""Bake the whole 2021 night to a static folder (`publish`), and again after one declaration.

The store holds what README's walk-through imports (LEAP 2017 and the Library's 2021 results, so every
council of 6 May 2021): every page, JSON document and social card of that night is baked into a fresh
folder (target: under 10 s), then one Derbyshire ward is posted again with one vote more and what it
touched is baked again (target: under 1 s). Times are medians of several runs, each on a folder and
site of its own.

Run: .venv/bin/python benchmarks/bench_publish.py [--runs N] [--profile FILE] [--keep FOLDER]

With `--keep`, the first run's folders are copied to FOLDER/whole (as the whole bake left it) and
FOLDER/after (after the declaration), to compare the bytes of two versions with `diff -r`.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from targets import at_most, report

from tallyroom import reference
from tallyroom.importers import ward
from tallyroom.results import load_day
from tallyroom.store.database import connect
from tallyroom.web.publish import Publisher, every_path
from tallyroom.web.site import Site

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw"
SOURCES = (
    ("leap", DATA / "leap-teale/2017/leap-2017-05-04.csv"),
    ("leh", DATA / "hoc-library-leh/local_elections_2021_results-2.xlsx"),
)
NIGHT = date(2021, 5, 6)
COUNCIL = "E10000007"  # Derbyshire
BASE = "https://results.example.org"


def store(folder: Path) -> str:
    db = f"sqlite:///{folder / 'night.db'}"
    for format_name, path in SOURCES:
        command = [sys.executable, "-m", "tallyroom", "--db", db, "import", format_name, str(path)]
        subprocess.run(command, check=True, capture_output=True)
    return db


def correction(db: str) -> bytes:
    """The council's first ward as the native ward CSV, its first candidate one vote up."""
    poll = load_day(connect(db), reference.load(), NIGHT).council_polls[COUNCIL][0]
    out = io.StringIO()
    ward.write([poll], out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    votes = rows[0].index("votes")
    rows[1][votes] = str(int(rows[1][votes]) + 1)
    again = io.StringIO()
    csv.writer(again, lineterminator="\n").writerows(rows)
    return again.getvalue().encode()


def one_run(
    db: str, folder: Path, body: bytes, profile: cProfile.Profile | None, keep: Path | None
) -> tuple[float, float, int]:
    """Seconds for the whole bake and for the bake after the declaration; the files of the whole; with
    `keep`, a copy of the folder after each."""
    site = Site.open(connect(db), reference.load(), NIGHT)
    publisher = Publisher(site, folder, BASE)
    if profile:
        profile.enable()
    start = time.perf_counter()
    files = publisher.everything()
    whole = time.perf_counter() - start
    if profile:
        profile.disable()
    if keep:
        shutil.copytree(folder, keep / "whole")
    events, _ = site.ingest_text("ward", body, "bench")
    start = time.perf_counter()
    publisher.after(events)
    after = time.perf_counter() - start
    if keep:
        shutil.copytree(folder, keep / "after")
    if len(every_path(site, site.view)) != files:
        raise RuntimeError(f"{files} files written, not every page")
    return whole, after, files


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="write the first whole bake's profile here")
    parser.add_argument("--keep", type=Path, help="copy the first run's baked folders here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db = store(folder)
        body = correction(db)
        wholes, afters = [], []
        for run in range(args.runs):
            copy = folder / f"run{run}.db"
            copy.write_bytes((folder / "night.db").read_bytes())
            profile = cProfile.Profile() if args.profile and not run else None
            keep = args.keep if not run else None
            site = folder / f"site{run}"
            whole, after, files = one_run(f"sqlite:///{copy}", site, body, profile, keep)
            wholes.append(whole)
            afters.append(after)
            print(f"  run {run + 1}: {files} files in {whole:.1f} s; after one declaration {after:.2f} s")
            if profile and args.profile:
                with args.profile.open("w") as handle:
                    pstats.Stats(profile, stream=handle).sort_stats("cumulative").print_stats(40)
    report(
        [
            at_most(f"publish: bake the 2021 night ({files} files)", statistics.median(wholes), 10, "s", 1),
            at_most("publish: rebake after one declaration", statistics.median(afters), 1, "s", 1),
        ]
    )


if __name__ == "__main__":
    main()
