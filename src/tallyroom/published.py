"""The projected national shares published for past years (`data/projected_shares.csv`): the baselines
of a projection, and what it is checked against."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from importlib import resources


def baselines_for(target_year: int) -> dict[int, dict[str, float]]:
    """Every published year's shares by party id, except `target_year`'s: a projection of a year never
    reads its own published figure."""
    return {year: dict(shares) for year, shares in _published().items() if year != target_year}


def published(year: int) -> Mapping[str, float] | None:
    """The figure published for `year`, to compare a projection with; None where there is none."""
    return _published().get(year)


@cache
def _published() -> dict[int, dict[str, float]]:
    text = resources.files("tallyroom.data").joinpath("projected_shares.csv").read_text(encoding="utf-8")
    table: dict[int, dict[str, float]] = defaultdict(dict)
    for r in csv.DictReader(io.StringIO(text, newline="")):
        table[int(r["year"])][r["party"]] = float(r["share"])
    return dict(table)
