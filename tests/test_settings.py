"""Conventions are settings (domain §6.2, §6.3), shown on real councils."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.control import ControlSettings, majority_threshold
from tallyroom.rules.parties import NOC
from tests.conftest import leap

ISLANDS = {"Orkney", "Shetland", "Eilean Siar"}


def test_independents_control_the_islands_only_when_set(engine: Engine, ref: Reference) -> None:
    """Scottish Parliament researchers described independents as holding overall control of Orkney,
    Shetland and Na h-Eileanan Siar after 2022; in 2017 too they held most seats. By default each
    independent is on their own and those councils are under no overall control."""
    load_file(engine, "leap", leap(2017), Context(ref))
    day = date(2017, 5, 4)
    usual = {o.council.name: o for o in outcomes(engine, ref, day).councils}
    pooled = {o.council.name: o for o in outcomes(engine, ref, day, ControlSettings(True)).councils}
    for name in ISLANDS:
        assert usual[name].control_after == NOC
        assert pooled[name].control_after == "independent"
    changed = {name for name in usual if usual[name].control_after != pooled[name].control_after}
    assert changed >= ISLANDS
    for name in changed:
        independents = sum(n for p, n in (pooled[name].composition or {}).items() if p.independent)
        assert independents >= (pooled[name].majority_threshold or 0)
    # Scotland counts by STV: the published winners stand, not the top first-preference scorers.
    scottish = [o for o in usual.values() if o.council.code.startswith("S")]
    assert len(scottish) == 32
    for outcome in scottish:
        assert not any("differ" in flag for flag in outcome.flags), outcome.council.name
        assert all(w.result.majority is None for w in outcome.wards if w.result.contested)


def test_threshold_basis() -> None:
    # 60 seats with one vacant: 31 of the full council, 30 of the 59 filled (domain §6.2).
    assert majority_threshold(60) == 31 and majority_threshold(59) == 30
    with pytest.raises(ValueError, match="threshold basis"):
        ControlSettings(threshold_basis="seats")
