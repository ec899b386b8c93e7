"""Atom 1.0 feeds (RFC 4287): the night's declarations, and the stories journalists have published.

Both are rendered from one template, `templates/feeds/atom.xml`, in an environment that escapes every
value (names come from results files and desk entries, so `<script>` in a candidate's name is text) and
drops the characters XML 1.0 cannot carry at all (control characters, lone surrogates), which would
otherwise make the whole document unreadable.

Ids are tag URIs (RFC 4151) on the site's host name, dated with the election day, and built only from
what identifies the thing itself, so a feed rendered again, or by another worker, gives every entry the
same id:
- a declaration: `tag:HOST,DATE:declaration/COUNCIL_CODE/WARD_KEY/REVISION`, one entry per declaration
  event, so a corrected result is a new entry beside the first (a by-election's WARD_KEY ends `/by`:
  it is a poll of its own beside the ward's ordinary one);
- a story: `tag:HOST,DATE:story/COUNCIL_CODE`, one entry per piece, its `updated` the time of its newest
  published version, so a republished story updates its entry.
WARD_KEY is the ward's GSS code, or its name as a slug where it has none, as in the ward page address
(`/council/{code}/ward/{key}`).

Times are written in UTC (RFC 3339 with `Z`) and must be given with a time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from tallyroom import __version__
from tallyroom.copy.review import CopyKey, State, Version
from tallyroom.live.events import Event
from tallyroom.rules.parties import slug
from tallyroom.template_cache import keeping

AUTHOR = "tallyroom"
"""The feeds' author, as RFC 4287 requires one: the results service itself."""

LATEST = 500
"""Declarations in the feed, newest first: a reader polling it misses none while fewer than this many
arrive between two polls, and the feed is made again at each declaration in tens of milliseconds, not
hundreds. Every declaration is in the API and `/export/results.csv` too."""

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Characters outside XML 1.0's `Char` production: no escape can carry them."""


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: datetime
    link: str
    content: str = ""


def declarations_feed(
    events: Iterable[Event],
    site_url: str,
    updated: datetime | None = None,
    *,
    election_date: date,
    times: Mapping[int, datetime] | None = None,
    self_url: str | None = None,
) -> str:
    """The newest `LATEST` declarations among `events` as an Atom feed, newest (highest `seq`) first.

    `election_date` is the night's (the events do not carry it) and dates every id. `times` gives when
    each event (by `seq`) was made, else the event's own time (when the log took it); an event without
    either takes the feed's `updated`. `updated` defaults to the newest of those times, else the
    polling day's start (`_opening`).
    `site_url` is the site's absolute address; entries link to the ward pages under it."""
    base, host = _site(site_url)
    declared = (e for e in events if e.type == "declaration")
    found = sorted(declared, key=lambda e: e.seq, reverse=True)[:LATEST]
    times = {e.seq: e.at for e in found if e.at is not None} | dict(times or {})
    when = [times[e.seq] for e in found if e.seq in times]
    feed_updated = updated or (max(when, key=_utc) if when else _opening(election_date))
    entries = [_declaration(e, base, host, election_date, times.get(e.seq, feed_updated)) for e in found]
    title = f"Declarations, {_day(election_date)}"
    return _render(
        f"tag:{host},{election_date.isoformat()}:declarations", title, feed_updated, base, self_url, entries
    )


def stories_feed(
    versions: Iterable[Version],
    site_url: str,
    updated: datetime | None = None,
    *,
    election_date: date,
    self_url: str | None = None,
) -> str:
    """Published stories as an Atom feed, the most recently published first: one entry per piece (its
    newest published version among `versions`; versions not published are left out). The title is
    the story's headline, its first paragraph; the content is the rest, as text. `updated` defaults to
    the newest publication, else the polling day's start."""
    base, host = _site(site_url)
    newest: dict[CopyKey, Version] = {}
    for v in versions:
        if v.state is State.PUBLISHED and (v.key not in newest or v.version > newest[v.key].version):
            newest[v.key] = v
    chosen = sorted(newest.values(), key=lambda v: (_utc(v.at), str(v.key)), reverse=True)
    feed_updated = updated or (_utc(chosen[0].at) if chosen else _opening(election_date))
    entries = [_story(v, base, host) for v in chosen]
    title = f"Stories, {_day(election_date)}"
    return _render(
        f"tag:{host},{election_date.isoformat()}:stories", title, feed_updated, base, self_url, entries
    )


def _declaration(event: Event, base: str, host: str, on: date, updated: datetime) -> Entry:
    body = event.body
    ward = body.get("ward") or {}
    ward_name, ward_code = str(ward.get("name") or ""), str(ward.get("code") or "")
    key = ward_code or slug(ward_name)
    poll = f"{_segment(key)}/by" if ward.get("kind") == "by-election" else _segment(key)
    revision, replaces = int(body.get("revision") or 1), bool(body.get("replaces"))
    elected = [f"{e.get('candidate')} ({e.get('party')})" for e in body.get("elected") or []]
    by_election = " by-election" if ward.get("kind") == "by-election" else ""
    place = f"{event.council.name}, {ward_name}{by_election}" + (" (revised)" if replaces else "")
    title = f"{place}: {', '.join(elected)} elected" if elected else f"{place}: result declared"

    lines = [f"Elected: {', '.join(elected)}." if elected else "No one was elected."]
    majority = body.get("majority")
    if isinstance(majority, int):
        lines.append(f"Majority: {majority:,}.")
    lines += [f"Gain: {g.get('party')} from {g.get('from') or 'no one'}." for g in body.get("gains") or []]
    lines += [f"Hold: {party}." for party in body.get("holds") or []]
    swing = body.get("swing")
    if swing:
        lines.append(f"Swing: {swing.get('points')} points from {swing.get('from')} to {swing.get('to')}.")
    progress = body.get("progress") or {}
    if progress:
        lines.append(
            f"{event.council.name}: {progress.get('seats_declared')} of {progress.get('seats_up')} "
            "seats declared."
        )
    if replaces:
        lines.append(f"Revision {revision}: this result replaces the one declared earlier.")

    specific = f"declaration/{_segment(event.council.code)}/{poll}/{revision}"
    return Entry(
        id=f"tag:{host},{on.isoformat()}:{specific}",
        title=title,
        updated=updated,
        link=f"{base}/council/{_segment(event.council.code)}/ward/{_segment(key)}",
        content="\n".join(lines),
    )


def _story(version: Version, base: str, host: str) -> Entry:
    key = version.key
    headline, _, body = version.text.strip().partition("\n\n")
    specific = f"{_segment(key.kind)}/{_segment(key.council_code)}"
    link = f"{base}/council/{_segment(key.council_code)}"
    if key.ward:
        specific += f"/{_segment(slug(key.ward))}"
        link += f"/ward/{_segment(slug(key.ward))}"
    return Entry(
        id=f"tag:{host},{key.election_date.isoformat()}:{specific}",
        title=" ".join(headline.split()),
        updated=version.at,
        link=link,
        content=body.strip(),
    )


def _render(
    feed_id: str, title: str, updated: datetime, base: str, self_url: str | None, entries: list[Entry]
) -> str:
    feed = {
        "id": feed_id,
        "title": title,
        "updated": _stamp(updated),
        "author": AUTHOR,
        "link": f"{base}/",
        "self_url": self_url,
        "version": __version__,
    }
    items = [
        {"id": e.id, "title": e.title, "updated": _stamp(e.updated), "link": e.link, "content": e.content}
        for e in entries
    ]
    return _environment().get_template("feeds/atom.xml").render(feed=feed, entries=items)


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tallyroom.web", "templates"),
        auto_reload=False,  # the installed package's templates: no file checked at each render
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_xml_text,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return keeping(env)


def _xml_text(value: object) -> str:
    """Every value the template prints, as text XML can hold (escaping follows)."""
    return "" if value is None else _NOT_XML.sub("", str(value))


def _site(site_url: str) -> tuple[str, str]:
    """The site's address without a trailing slash, and its host name (the tag URIs' authority)."""
    parts = urlsplit(site_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"the site's address must be an absolute http(s) URL, not {site_url!r}")
    return site_url.rstrip("/"), parts.hostname.lower()


def _segment(text: str) -> str:
    return quote(text, safe="")


def _opening(election_date: date) -> datetime:
    """When a feed with nothing in it was last updated: the polling day's start, the same in every
    worker and at every bake (the time now would give each its own ETag)."""
    return datetime.combine(election_date, time(), UTC)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a feed time needs a time zone: {moment.isoformat()}")
    return moment.astimezone(UTC)


def _stamp(moment: datetime) -> str:
    """RFC 3339 in UTC, to the second: `2021-05-07T01:23:45Z`."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"
