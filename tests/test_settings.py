"""Conventions are settings (domain §6.2, §6.3), shown on real councils."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import Engine
from typer.testing import CliRunner

from tallyroom.cli import app as cli
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import outcomes
from tallyroom.rules.control import ControlSettings, ThresholdBasis
from tallyroom.rules.parties import NOC
from tests.conftest import SHARED, leap

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


def test_a_working_majority_leaves_out_the_seats_vacant_on_the_roll(engine: Engine, ref: Reference) -> None:
    """Sandwell, 5 May 2022: 72 seats, 24 of them up, and one seat not up vacant on the councillor roll
    of the eve of poll. A majority of the whole council is 37; of the 71 seats filled, 36 (§6.2)."""
    load_file(engine, "leh", SHARED / "hoc-library-leh" / "local-elections-2022.xlsx", Context(ref))
    roll = SHARED / "opencouncildata" / "opencouncildata_councillors_2021.csv"
    load_file(engine, "ocd", roll, Context(ref))
    day = date(2022, 5, 5)
    working = ControlSettings(threshold_basis=ThresholdBasis.FILLED_SEATS)
    usual = next(o for o in outcomes(engine, ref, day).councils if o.council.name == "Sandwell")
    filled = next(o for o in outcomes(engine, ref, day, working).councils if o.council.name == "Sandwell")
    assert (usual.total_seats, usual.seats_up, usual.carry_over_source) == (72, 24, "roll")
    assert "1 seat(s) not up are vacant on the councillor roll" in usual.flags
    assert (usual.majority_threshold, filled.majority_threshold) == (37, 36)
    assert usual.control_after == filled.control_after == "labour"

    url = engine.url.render_as_string(hide_password=False)
    council = ["council", "Sandwell", "--date", day.isoformat(), "--json"]
    named = CliRunner().invoke(cli, ["--db", url, "--threshold-basis", "filled_seats", *council])
    assert json.loads(named.stdout)["majority_threshold"] == 36
    unknown = CliRunner().invoke(cli, ["--db", url, "--threshold-basis", "seats", *council])
    assert unknown.exit_code == 2 and "'seats' is not one of 'total_seats', 'filled_seats'" in unknown.output
