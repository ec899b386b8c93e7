"""The app before it serves (`web.app.ready`): the first pages of a night wait for nothing that could
have been made before the first reader came: no template compiled, no hex layout or earlier poll
read. And the app as each worker builds it, reporting requests to OpenTelemetry only when told."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tallyroom.copy import drafts
from tallyroom.reference import Reference
from tallyroom.results import earlier_polls
from tallyroom.store.database import connect
from tallyroom.web import hexmap, templating
from tallyroom.web.app import create_app, ready
from tallyroom.web.site import Site
from tests.conftest import NIGHT, demo_store

FIRST = (
    "/",
    "/council/E10000007",
    "/council/E10000007/ward/E58000193",
    "/region/east-midlands",
    "/desk/login",
)


def test_the_first_pages_of_a_ready_site_compile_and_read_nothing(ref: Reference, tmp_path: Path) -> None:
    engine = connect(demo_store(tmp_path / "night.db", ref))
    for made_once in (earlier_polls, hexmap.ward_layouts, templating.environment, drafts.environment):
        made_once.cache_clear()  # as in a worker just started
    site = Site.open(engine, ref, NIGHT)
    ready(site)
    pages, copy = templating.environment(), drafts.environment()
    compiled = (len(pages.cache or {}), len(copy.cache or {}))
    read = (earlier_polls.cache_info().misses, hexmap.ward_layouts.cache_info().misses)
    client = TestClient(create_app(site))
    for path in FIRST:
        assert client.get(path).status_code == 200, path
    assert (len(pages.cache or {}), len(copy.cache or {})) == compiled
    assert (earlier_polls.cache_info().misses, hexmap.ward_layouts.cache_info().misses) == read
    assert compiled[0] == len(pages.list_templates()) and read[0] == 1
    engine.dispose()


REPORTED = """
import json
from opentelemetry import trace
from starlette.testclient import TestClient

started = []


class Tracer(trace.NoOpTracer):
    def start_span(self, name, *args, **kwargs):
        started.append(name)
        return super().start_span(name, *args, **kwargs)


class Provider(trace.TracerProvider):
    def get_tracer(self, *args, **kwargs):
        return Tracer()


trace.set_tracer_provider(Provider())  # as an operator's opentelemetry-instrument would

from tallyroom.web.app import from_environment

client = TestClient(from_environment())
assert client.get("/council/E10000007").status_code == 200
print(json.dumps(started))
"""
"""A worker built as `serve --workers` leaves it (`from_environment`), in a process whose OpenTelemetry
tracer provider records the spans started: the names of those of one page, as JSON."""


@pytest.mark.parametrize(("setting", "first"), [("", []), ("1", ["GET"])])
def test_a_worker_reports_requests_to_opentelemetry_only_when_serve_is_told(
    ref: Reference, tmp_path: Path, setting: str, first: list[str]
) -> None:
    """Told, the page's request is the first span (FastAPI's dependencies and endpoint follow it);
    else there is none."""
    environment = {
        **os.environ,
        "TALLYROOM_DB": demo_store(tmp_path / "night.db", ref),
        "TALLYROOM_DAY": NIGHT.isoformat(),
        "TALLYROOM_SECRET": "telemetry",
        "TALLYROOM_TELEMETRY": setting,  # what serve --telemetry sets
    }
    done = subprocess.run([sys.executable, "-c", REPORTED], env=environment, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[:1] == first
