"""Compiled templates kept between processes (`template_cache`): a process just started loads what
an earlier one compiled instead of compiling it again, and two environments that compile one template
with different settings never load each other's code."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import Environment

from tallyroom.copy import drafts
from tallyroom.web import feeds, templating

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


def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates compiled from here on, by any environment."""
    names: list[str] = []
    compile_ = Environment.compile

    def counted(self: Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        names.append(str(name))
        return compile_(self, source, name, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counted)
    return names


def test_a_process_just_started_loads_the_templates_an_earlier_one_compiled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for made_once in (templating.environment, drafts.environment):
        made_once.cache_clear()
        made_once().get_template("ward.txt.j2" if made_once is drafts.environment else "council.html")
    first = drafts.environment().get_template("ward.txt.j2")
    compiled = compiles(monkeypatch)
    for made_once in (templating.environment, drafts.environment):
        made_once.cache_clear()  # as in a process just started
    again = drafts.environment().get_template("ward.txt.j2")
    templating.environment().get_template("council.html")
    assert compiled == []
    uncached = drafts.environment().overlay(bytecode_cache=None).get_template("ward.txt.j2")
    assert compiled == ["ward.txt.j2"]  # the control: without the cache, it is compiled
    assert again.root_render_func.__code__.co_code == uncached.root_render_func.__code__.co_code
    assert first.root_render_func.__code__.co_code == uncached.root_render_func.__code__.co_code


def test_the_feeds_never_load_the_pages_compiled_feed_template(monkeypatch: pytest.MonkeyPatch) -> None:
    templating.environment.cache_clear()
    templating.environment().get_template("feeds/atom.xml")  # kept, compiled with the pages' settings
    feeds._environment.cache_clear()
    env = feeds._environment()
    kept = env.get_template("feeds/atom.xml").render(**FEED)
    fresh = env.overlay(bytecode_cache=None).get_template("feeds/atom.xml").render(**FEED)
    assert kept == fresh
    assert "\x0b" not in kept and kept.endswith("\n")  # the feeds' own settings took effect
