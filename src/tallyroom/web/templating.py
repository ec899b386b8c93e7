"""The website's Jinja2 environment: HTML templates with everything from data escaped, and the filters
pages use to print numbers the way results pages do (figures with thousands separated, signed changes)."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import quote
from weakref import WeakKeyDictionary

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.routing import BaseRoute, NoMatchFound

from tallyroom.copy.style import points, signed
from tallyroom.rules.ballots import ballot_id
from tallyroom.rules.model import WardRef
from tallyroom.rules.parties import slug
from tallyroom.template_cache import keeping
from tallyroom.web.charts import key

PATHS_KEPT = 100_000
"""Paths `path_for` keeps for each app (a night's pages link to fewer); past that it starts afresh."""

_paths: WeakKeyDictionary[Starlette, dict[tuple[str, tuple[tuple[str, str], ...]], str]] = WeakKeyDictionary()
_routes: WeakKeyDictionary[Starlette, dict[tuple[str, frozenset[str]], BaseRoute]] = WeakKeyDictionary()


def path_for(app: Starlette, name: str, **params: str) -> str:
    """A route's path with its parameters percent-encoded, so a value holding "/" (which no importer
    lets in, but a log written otherwise might) makes a link that finds no page, not a broken page.
    An app's routes never change, so each path is worked out once (a ward page links to a hundred)."""
    kept = _paths.setdefault(app, {})
    asked = (name, tuple(params.items()))
    found = kept.get(asked)
    if found is None:
        if len(kept) >= PATHS_KEPT:
            kept.clear()
        found = _route_path(app, name, {key: quote(value, safe="") for key, value in params.items()})
        kept[asked] = found
    return found


def _route_path(app: Starlette, name: str, params: dict[str, str]) -> str:
    """`app.url_path_for(name, **params)`, asking the route that answered the same name and parameters
    before, not each route in turn (a bake links to thousands of different wards, and FastAPI makes
    every route's context anew for each route asked)."""
    known = _routes.setdefault(app, {})
    asked = (name, frozenset(params))
    if (route := known.get(asked)) is not None:
        return str(route.url_path_for(name, **params))
    for route in app.routes:
        try:
            found = route.url_path_for(name, **params)
        except NoMatchFound:
            continue
        known[asked] = route
        return str(found)
    raise NoMatchFound(name, params)


def ward_key(ward: WardRef) -> str:
    """A ward in a page address: its GSS code, or its name made into a slug where it has none."""
    return ward.code or slug(ward.name)


def figure(n: int | None) -> str:
    return "" if n is None else f"{n:,}"


def share(part: int | None, whole: int | None) -> str:
    if part is None or not whole:
        return ""
    return f"{100 * part / whole:.1f}%"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tallyroom.web", "templates"),
        auto_reload=False,  # the installed package's templates: no file checked at each render
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(figure=figure, signed=signed, points=points, slug=slug)
    env.globals.update(share=share, key=key, ballot_id=ballot_id, ward_key=ward_key)
    return keeping(env)


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
