"""Compiled templates kept between processes (`template_cache`): a process just started loads what
an earlier one compiled instead of compiling it again, and environments that compile one template
with different settings never load each other's code. Each test keeps its templates in a temporary
directory of its own."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, PackageLoader, StrictUndefined, Template

from tallyroom.copy import drafts
from tallyroom.copy.style import FILTERS
from tallyroom.template_cache import keeping
from tallyroom.web import feeds, templating

MADE_ONCE = (templating.environment, drafts.environment, feeds._environment)

FEED = {
    "feed": {
        "id": "tag:example.org,2021-05-06:declarations",
        "title": "Declarations \x0b",
        "updated": "2021-05-07T01:00:00Z",
        "author": "tallyroom",
        "link": "https://example.org/",
        "self_url": None,
        "version": "1",
    },
    "entries": [],
}


@pytest.fixture(autouse=True)
def own_temporary_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    for made_once in MADE_ONCE:
        made_once.cache_clear()
    yield
    for made_once in MADE_ONCE:
        made_once.cache_clear()  # the next tests' environments keep their templates where they did


def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates compiled from here on, by any environment."""
    names: list[str] = []
    compile_ = Environment.compile

    def counted(self: Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        names.append(str(name))
        return compile_(self, source, name, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counted)
    return names


def code(template: Template) -> bytes:
    return template.root_render_func.__code__.co_code


def test_a_process_just_started_loads_the_templates_an_earlier_one_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compiled = compiles(monkeypatch)
    first = drafts.environment().get_template("ward.txt.j2")
    templating.environment().get_template("council.html")
    assert compiled == ["ward.txt.j2", "council.html"]
    for made_once in MADE_ONCE:
        made_once.cache_clear()  # as in a process just started
    again = drafts.environment().get_template("ward.txt.j2")
    templating.environment().get_template("council.html")
    assert compiled == ["ward.txt.j2", "council.html"]
    assert code(again) == code(first)


def test_an_environment_whose_settings_changed_compiles_its_templates_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = drafts.environment().get_template("ward.txt.j2")
    compiled = compiles(monkeypatch)
    changed = Environment(
        loader=PackageLoader("tallyroom.copy", "templates"),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=True,
    )
    changed.filters.update(FILTERS)
    recompiled = keeping(changed).get_template("ward.txt.j2")
    assert compiled == ["ward.txt.j2"] and code(recompiled) != code(kept)


def test_the_feeds_never_load_the_pages_compiled_feed_template() -> None:
    templating.environment().get_template("feeds/atom.xml")  # kept, compiled with the pages' settings
    env = feeds._environment()
    kept = env.get_template("feeds/atom.xml").render(**FEED)
    fresh = env.overlay(bytecode_cache=None).get_template("feeds/atom.xml").render(**FEED)
    assert kept == fresh
    assert "\x0b" not in kept and kept.endswith("\n")  # the feeds' own settings took effect
