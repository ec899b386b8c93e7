"""`/live` over HTTP, as the app answers it (`live_stream.LiveStream`), driven as a server drives it: the
stream's headers with the security headers, events as they are published, resuming after Last-Event-ID
with event numbers from the log, one council's events only, HEAD, a 422 for a Last-Event-ID that is not
a number, a 400 for a host not allowed, a 405 for a POST, and the end of the stream when the reader goes
or is dropped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from tallyroom.live.events import Event
from tallyroom.reference import Reference
from tallyroom.web import live
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT, copy_of, demo_store

Message = dict[str, Any]
DERBY = "E06000015"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> str:
    return demo_store(tmp_path_factory.mktemp("live") / "demo.db", ref)


@pytest.fixture
def site(store: str, ref: Reference, tmp_path: Path) -> Site:
    return Site.open(copy_of(store, tmp_path), ref, NIGHT)


class Reader:
    """One request to the app, as a server makes it: what the app sends, as it sends it; `leave()` is
    the reader going away."""

    def __init__(
        self,
        app: FastAPI,
        method: str = "GET",
        query: bytes = b"",
        *headers: tuple[bytes, bytes],
        host: bytes = b"testserver",
    ) -> None:
        self.sent: asyncio.Queue[Message] = asyncio.Queue()
        self.gone = asyncio.Event()
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": "/live",
            "raw_path": b"/live",
            "query_string": query,
            "root_path": "",
            "headers": [(b"host", host), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        self.answered = asyncio.ensure_future(app(scope, self.receive, self.send))

    async def receive(self) -> Message:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        await self.sent.put(message)

    async def next(self) -> Message:
        return await self.sent.get()

    async def head(self) -> tuple[int, dict[str, str]]:
        start = await self.next()
        return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}

    async def event(self) -> tuple[int, str, dict[str, Any]]:
        """The next event, skipping other messages (the opening `retry`, comments)."""
        while True:
            message = await self.next()
            assert message["more_body"] is True
            if message["body"].startswith(b"id:"):
                lines = dict(line.split(": ", 1) for line in message["body"].decode().strip().split("\n"))
                return int(lines["id"]), lines["event"], json.loads(lines["data"])

    async def leave(self) -> list[Message]:
        """The reader goes: the messages sent until the app is done with the request."""
        self.gone.set()
        await self.answered
        return [self.sent.get_nowait() for _ in range(self.sent.qsize())]


def served(site: Site, test: Callable[[FastAPI], Awaitable[None]]) -> None:
    async def run() -> None:
        site.broadcaster.attach(asyncio.get_running_loop())
        await test(create_app(site, allowed_hosts=("testserver",)))

    asyncio.run(run())


def events_of(site: Site, council: str) -> list[Event]:
    return [e for e in site.view.events_after(0) if e.council.code == council]


def test_a_reader_hears_each_event_published_with_the_headers_of_a_stream(site: Site) -> None:
    event = site.view.events_after(0)[-1]

    async def test(app: FastAPI) -> None:
        reader = Reader(app)
        status, headers = await reader.head()
        assert status == 200
        assert headers["content-type"] == "text/event-stream; charset=utf-8"
        assert headers["cache-control"] == "no-store" and headers["x-accel-buffering"] == "no"
        assert "content-security-policy" in headers and "content-length" not in headers
        assert await reader.next() == {
            "type": "http.response.body",
            "body": b"retry: 3000\n\n",
            "more_body": True,
        }
        while site.broadcaster.readers < 1:
            await asyncio.sleep(0)
        site.broadcaster.publish([event])
        assert (await reader.event())[:2] == (event.seq, event.type)
        assert await reader.leave() == []
        assert site.broadcaster.readers == 0

    served(site, test)


def test_a_reader_resumes_after_its_last_event_id_and_may_follow_one_council(site: Site) -> None:
    derby = events_of(site, DERBY)
    assert len(derby) >= 3

    async def test(app: FastAPI) -> None:
        everything = Reader(app, "GET", b"", (b"last-event-id", str(derby[0].seq).encode()))
        await everything.head()
        following = site.view.events_after(derby[0].seq)[0]
        assert (await everything.event())[0] == following.seq  # every council's, from the log
        one = Reader(app, "GET", f"council={DERBY}".encode(), (b"last-event-id", str(derby[0].seq).encode()))
        await one.head()
        heard = [(await one.event())[0] for _ in derby[1:]]
        assert heard == [e.seq for e in derby[1:]]
        for reader in (everything, one):
            await reader.leave()

    served(site, test)


@pytest.mark.parametrize("value", [b"abc", b"-1", b"1.5", b"", b"9" * 5000])
def test_a_last_event_id_not_an_events_number_is_answered_422(site: Site, value: bytes) -> None:
    async def test(app: FastAPI) -> None:
        reader = Reader(app, "GET", b"", (b"last-event-id", value))
        status, headers = await reader.head()
        body = (await reader.next())["body"]
        assert status == 422 and headers["content-type"] == "application/json"
        assert int(headers["content-length"]) == len(body) and "error" in json.loads(body)
        assert "content-security-policy" in headers
        await reader.answered
        assert site.broadcaster.readers == 0

    served(site, test)


def test_head_gives_the_streams_headers_and_ends(site: Site) -> None:
    async def test(app: FastAPI) -> None:
        reader = Reader(app, "HEAD")
        status, headers = await reader.head()
        assert status == 200 and headers["content-type"].startswith("text/event-stream")
        await reader.answered  # without the reader going: the answer ends after its headers
        assert [m["body"] for m in [reader.sent.get_nowait() for _ in range(reader.sent.qsize())]] == [b""]
        while site.broadcaster.readers:  # its stream is let go
            await asyncio.sleep(0)

    served(site, test)


def test_a_host_not_allowed_and_a_post_are_refused(site: Site) -> None:
    async def test(app: FastAPI) -> None:
        stranger = Reader(app, host=b"elsewhere.example")
        assert (await stranger.head())[0] == 400
        await stranger.answered
        refused = Reader(app, "POST")
        assert (await refused.head())[0] == 405
        await refused.answered

    served(site, test)


def test_a_reader_too_far_behind_is_dropped_and_its_stream_ends(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live, "QUEUE_SIZE", 2)
    events = site.view.events_after(0)[:4]

    async def test(app: FastAPI) -> None:
        reader = Reader(app)
        await reader.head()
        while site.broadcaster.readers < 1:
            await asyncio.sleep(0)
        site.broadcaster.publish(events)  # fanned out at once, before the reader's stream takes any
        await reader.answered
        sent = [reader.sent.get_nowait() for _ in range(reader.sent.qsize())]
        assert sent[-1] == {"type": "http.response.body", "body": b""}
        assert site.broadcaster.readers == 0

    served(site, test)
