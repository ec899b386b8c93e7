"""The projected national share (projection, not PNS; domain §8.3-§8.5) on real nights: LEAP 2018 and the
Library's 2022 handbook, LEAP 2019 and the Library's 2023 ward-level table, against the published
projected shares; and the rule's own workings on made-up key wards."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient
from typer.testing import CliRunner

from tallyroom import published, serialise_shares
from tallyroom.cli import app as cli
from tallyroom.importers.base import Context
from tallyroom.loading import load_file
from tallyroom.reference import Reference
from tallyroom.results import earlier_polls, outcomes, projection, share_pairs
from tallyroom.rules.projection import KeyWard, Tally, key_ward, project
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.site import Site

from .conftest import LEH, copy_of, demo_store, leap, store_url

NIGHTS = {
    2022: (date(2022, 5, 5), [("leap", leap(2018)), ("leh", LEH / "local-elections-2022.xlsx")]),
    2023: (date(2023, 5, 4), [("leap", leap(2019)), ("leh-wards", LEH / "Ward_Level-Table 1.csv")]),
}
MAIN = ("conservative", "labour", "liberal-democrats")


@pytest.fixture(scope="module", params=sorted(NIGHTS))
def night(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, ref: Reference
) -> Iterator[tuple[Engine, date]]:
    on, files = NIGHTS[request.param]
    url = store_url(tmp_path_factory.mktemp(f"projection-{request.param}") / "night.db")
    engine = connect(url)
    for format_name, path in files:
        load_file(engine, format_name, path, Context(ref))
    yield engine, on
    engine.dispose()


def test_the_projection_is_within_three_points_of_the_published_share(
    night: tuple[Engine, date], ref: Reference
) -> None:
    engine, on = night
    found = projection(engine, ref, on)
    expected = published.published(on.year)
    assert expected is not None
    errors = {p: round(found.projection.shares.get(p, 0) - s, 1) for p, s in expected.items()}
    print(on.year, {p: round(s, 1) for p, s in found.projection.shares.items() if s >= 0.5}, errors)
    assert set(errors) == set(MAIN) and all(abs(e) <= 3 for e in errors.values())
    assert found.projection.baseline_years == (on.year - 4,)
    assert found.baselines[on.year - 4][0] == "published"
    assert found.projection.wards_used > 500 and found.projection.councils_used > 50
    assert sum(found.projection.shares.values()) == pytest.approx(100)


def test_a_year_s_own_published_share_is_never_read(
    night: tuple[Engine, date], ref: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, on = night
    before = serialise_shares.projection(projection(engine, ref, on))
    table = published._published()
    wrong = table | {on.year: {party: 90.0 for party in MAIN}}
    monkeypatch.setattr(published, "_published", lambda: wrong)
    assert on.year not in published.baselines_for(on.year)
    assert serialise_shares.projection(projection(engine, ref, on)) == before


def test_the_projection_is_the_same_ward_by_ward_as_at_once(
    night: tuple[Engine, date], ref: Reference
) -> None:
    engine, on = night
    pairs = share_pairs(outcomes(engine, ref, on).councils, earlier_polls(engine, ref, on), ref)
    wards = [w for now, last in pairs if (w := key_ward(now, last)) is not None]
    baselines = published.baselines_for(on.year)
    tally = Tally()
    used = []
    for ward in wards:
        tally.add(ward)
        used.append(tally.projection(baselines).wards_used)
    assert used == list(range(1, len(wards) + 1))
    at_once = project(wards, baselines)
    assert tally.projection(baselines).shares == pytest.approx(at_once.shares)
    assert at_once.shares == pytest.approx(projection(engine, ref, on).projection.shares)


def test_the_command_line_prints_the_projection_as_json(night: tuple[Engine, date], ref: Reference) -> None:
    engine, on = night
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--db", url, "projection", "--date", on.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == serialise_shares.projection(projection(engine, ref, on))
    assert set(printed) == {"date", "label", "shares", "baseline", "wards_used", "councils_used", "method"}
    assert printed["label"] == "projection, not PNS" and printed["method"].startswith("Projection, not PNS")


def _ward(council: str, year: int, now: dict[str, float], before: dict[str, float]) -> KeyWard:
    return KeyWard(council, year, now, before)


def test_two_baselines_and_a_party_absent_at_the_baseline() -> None:
    # 2021: seats last fought in 2016 (one council, two wards) and in 2017 (two councils, one ward each).
    wards = [
        _ward("a", 2016, {"con": 40, "lab": 40, "reform": 20}, {"con": 30, "lab": 50}),
        _ward("a", 2016, {"con": 50, "lab": 50}, {"con": 40, "lab": 60}),
        _ward("b", 2017, {"con": 44, "lab": 56}, {"con": 40, "lab": 60}),
        _ward("c", 2017, {"con": 60, "lab": 30, "reform": 10}, {"con": 60, "lab": 40}),
    ]
    baselines = {2016: {"con": 30.0, "lab": 31.0, "ukip": 12.0}, 2017: {"con": 38.0, "lab": 27.0}}
    found = project(wards, baselines)
    # 2016: con 30 + 10, lab 31 - 10, ukip 12 + 0; reform (no baseline share) has the other 27.
    # 2017: con 38 + (4 + 0)/2, lab 27 + (-4 - 10)/2; reform has the other 40. Both groups have two key
    # wards, so they count equally.
    assert found.shares == pytest.approx({"con": 40.0, "lab": 20.5, "reform": 33.5, "ukip": 6.0})
    assert found.baseline_years == (2016, 2017) and found.wards_used == 4 and found.councils_used == 3
    missing = project(wards, {2017: baselines[2017]})
    assert missing.missing_baselines == (2016,) and missing.wards_used == 2


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("projection-demo") / "demo.db", ref)


def test_the_api_answers_what_the_command_line_prints(
    demo: str, ref: Reference, tmp_path_factory: pytest.TempPathFactory
) -> None:
    on = date(2021, 5, 6)
    engine = copy_of(demo, tmp_path_factory.mktemp("projection-web"))
    runner = CliRunner()
    with TestClient(create_app(Site.open(engine, ref, on))) as client:
        for api, args in [
            ("/api/projection", ["projection"]),
            ("/api/shares?region=East%20Midlands", ["shares", "--region", "East Midlands"]),
            ("/api/shares?council=Derbyshire", ["shares", "--council", "Derbyshire"]),
        ]:
            answer = client.get(api)
            assert answer.status_code == 200
            result = runner.invoke(cli, ["--db", demo, *args, "--date", on.isoformat(), "--json"])
            assert result.exit_code == 0, result.output
            assert answer.json() == json.loads(result.stdout)
    engine.dispose()
    found = json.loads(
        runner.invoke(cli, ["--db", demo, "projection", "--date", on.isoformat(), "--json"]).stdout
    )
    assert sorted(found["baseline"]) == ["2016", "2017"] and found["wards_used"] > 100


def test_unknown_council_is_refused(demo: str) -> None:
    result = CliRunner().invoke(cli, ["--db", demo, "shares", "--council", "Nowhere", "--date", "2021-05-06"])
    assert result.exit_code == 1
