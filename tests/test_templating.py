"""`path_for`, the links every page is made of: the path the app's own `url_path_for` gives, its values
percent-encoded, whichever route answers and however often it is asked."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from starlette.routing import NoMatchFound

from tallyroom.reference import Reference
from tallyroom.store.database import connect
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tallyroom.web.templating import path_for
from tests.conftest import NIGHT, store_url

ASKED = [
    ("night", {}),
    ("council", {"code": "E06000015"}),
    ("ward", {"code": "E06000015", "key": "E05001770"}),
    ("ward", {"code": "E10000007", "key": "alfreton-and-somercotes"}),
    ("council_card", {"code": "E10000007"}),
    ("ward_card", {"code": "E10000007", "key": "E05012345"}),
    ("openapi", {}),
    ("static", {"path": "site.css"}),
    ("ward", {"code": "E06000015", "key": "a/../b c"}),
]
"""Routes of each kind (a page, a card, the API's description, a mounted folder), and one value that
needs percent-encoding."""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> Iterator[FastAPI]:
    engine = connect(store_url(tmp_path_factory.mktemp("links") / "links.db"))
    yield create_app(Site(engine, ref, NIGHT))
    engine.dispose()


def test_each_path_is_the_apps_own_with_its_values_encoded(app: FastAPI) -> None:
    for _ in range(2):  # worked out, then remembered, then asked of the route that answered first
        for name, params in ASKED:
            quoted = {key: quote(value, safe="") for key, value in params.items()}
            assert path_for(app, name, **params) == str(app.url_path_for(name, **quoted)), (name, params)
    assert path_for(app, "ward", code="E06000015", key="a/../b c") == "/council/E06000015/ward/a%2F..%2Fb%20c"


def test_a_new_value_for_a_name_asked_before_finds_the_same_route(app: FastAPI) -> None:
    first = path_for(app, "council", code="E07000032")
    assert first == "/council/E07000032"
    assert path_for(app, "council", code="E07000033") == "/council/E07000033"


def test_a_name_or_parameters_no_route_has_are_refused(app: FastAPI) -> None:
    with pytest.raises(NoMatchFound):
        path_for(app, "no_such_page")
    with pytest.raises(NoMatchFound):
        path_for(app, "council", ward="E05001770")
