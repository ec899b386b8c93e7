"""The floor for loading a results file: plain sqlite3 reading the CSV with the csv module, inserting
its rows into one table with executemany and counting seats with one GROUP BY, on a file database with
the durability settings tallyroom's store has.

Run: python benchmarks/plain_sqlite.py FILE.csv FOLDER  (makes FOLDER/baseline.db, then loads it)
"""

from __future__ import annotations

import csv
import sqlite3
import sys
from pathlib import Path


def schema(folder: Path) -> None:
    db = sqlite3.connect(folder / "baseline.db")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE rows (council TEXT, council_code TEXT, ward TEXT, ward_code TEXT,"
        " candidate TEXT, party TEXT, votes INTEGER, elected INTEGER)"
    )
    db.close()


def load(path: Path, folder: Path) -> int:
    db = sqlite3.connect(folder / "baseline.db")
    db.execute("PRAGMA synchronous=FULL")
    with path.open(encoding="utf-8", newline="") as handle, db:
        db.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?)", csv.reader(handle))
    seats = db.execute(
        "SELECT council_code, party, SUM(elected) FROM rows GROUP BY council_code, party"
    ).fetchall()
    db.close()
    return len(seats)


if __name__ == "__main__":
    schema(Path(sys.argv[2]))
    print(load(Path(sys.argv[1]), Path(sys.argv[2])))
