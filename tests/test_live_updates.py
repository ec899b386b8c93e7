"""The live-update broadcaster: events published from a writer's thread reach every reader on the event
loop, in order, as server-sent events; a reader can follow one council, resume after the last event it
saw, and is dropped (to reconnect) when it falls too far behind."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator

import pytest

from tallyroom.live.events import Event
from tallyroom.rules.model import CouncilRef
from tallyroom.web import live
from tallyroom.web.live import Broadcaster

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

DERBY = CouncilRef("E06000015", "Derby")
DERBYSHIRE = CouncilRef("E10000007", "Derbyshire")


def declaration(seq: int, council: CouncilRef, ward: str) -> Event:
    return Event(seq, "declaration", council, {"ward": {"name": ward, "code": ""}})


def parse(message: bytes) -> tuple[int, str, dict[str, object]]:
    lines = dict(line.split(": ", 1) for line in message.decode().strip().split("\n"))
    return int(lines["id"]), lines["event"], json.loads(lines["data"])


async def take(stream: AsyncIterator[bytes], n: int) -> list[bytes]:
    """The next `n` event messages of a stream, after its opening `retry` line."""
    found = []
    async for message in stream:
        if message.startswith(b"id:"):
            found.append(message)
            if len(found) == n:
                break
    return found


def nothing(_after: int) -> list[Event]:
    return []


def test_events_from_a_writer_thread_reach_every_reader_in_order() -> None:
    async def run() -> list[list[bytes]]:
        broadcaster = Broadcaster()
        broadcaster.attach(asyncio.get_running_loop())
        streams = [broadcaster.stream(None, None, nothing) for _ in range(3)]
        readers = [asyncio.create_task(take(s, 3)) for s in streams]
        while broadcaster.readers < 3:
            await asyncio.sleep(0.01)
        events = [declaration(1, DERBY, "Darley"), declaration(2, DERBYSHIRE, "Belper")]
        writer = threading.Thread(target=broadcaster.publish, args=(events,))
        writer.start()
        writer.join()
        broadcaster.publish([declaration(3, DERBY, "Abbey")])
        return await asyncio.gather(*readers)

    received = asyncio.run(run())
    for messages in received:
        parsed = [parse(m) for m in messages]
        assert [(seq, kind) for seq, kind, _ in parsed] == [
            (1, "declaration"),
            (2, "declaration"),
            (3, "declaration"),
        ]
        assert parsed[0][2] == {
            "seq": 1,
            "type": "declaration",
            "council": {"name": "Derby", "code": "E06000015"},
            "ward": {"name": "Darley", "code": ""},
        }


def test_a_reader_of_one_council_hears_only_that_council_and_resumes_where_it_left_off() -> None:
    async def run() -> list[bytes]:
        broadcaster = Broadcaster()
        broadcaster.attach(asyncio.get_running_loop())
        missed = [declaration(1, DERBY, "Darley"), declaration(2, DERBYSHIRE, "Belper")]
        reader = asyncio.create_task(take(broadcaster.stream(DERBY.code, 0, lambda _after: missed), 2))
        while broadcaster.readers < 1:
            await asyncio.sleep(0.01)
        broadcaster.publish(
            [missed[0], declaration(3, DERBYSHIRE, "Matlock"), declaration(4, DERBY, "Abbey")]
        )
        return await reader

    received = [parse(m) for m in asyncio.run(run())]
    assert [(seq, body["ward"]) for seq, _, body in received] == [
        (1, {"name": "Darley", "code": ""}),  # from the backlog, and not again when published late
        (4, {"name": "Abbey", "code": ""}),
    ]


def test_a_reader_too_far_behind_is_dropped_and_its_stream_ends() -> None:
    async def run(published: int) -> tuple[int, int]:
        broadcaster = Broadcaster()
        broadcaster.attach(asyncio.get_running_loop())
        stream = broadcaster.stream(None, None, nothing)
        assert await anext(stream) == b"retry: 3000\n\n"  # connected, and reading nothing more for now
        broadcaster.publish([declaration(seq, DERBY, "Darley") for seq in range(1, published + 1)])
        await asyncio.sleep(0.05)
        readers = broadcaster.readers
        if readers:
            return readers, len(await take(stream, published))
        return readers, len([m async for m in stream])

    assert asyncio.run(run(live.QUEUE_SIZE)) == (1, live.QUEUE_SIZE)  # a full queue is still kept
    # One more and the reader is dropped: it gets what was queued, less one, then its stream ends and
    # the browser reconnects, resuming through Last-Event-ID.
    assert asyncio.run(run(live.QUEUE_SIZE + 1)) == (0, live.QUEUE_SIZE - 1)


def test_a_reader_listens_before_its_backlog_is_read_and_never_hears_an_event_twice() -> None:
    """The backlog is read once the reader is listening, so an event published while it connects is in
    the backlog or the queue, never in neither; and a reader resuming at a worker that has not yet
    reached its Last-Event-ID hears only what comes after it."""

    async def run() -> tuple[list[int], list[int]]:
        broadcaster = Broadcaster()
        broadcaster.attach(asyncio.get_running_loop())
        listening_when_read: list[int] = []

        def backlog(after: int) -> list[Event]:
            listening_when_read.append(broadcaster.readers)
            return [declaration(seq, DERBY, "Darley") for seq in range(after + 1, 4)]

        behind = asyncio.create_task(take(broadcaster.stream(None, 5, nothing), 2))
        resuming = asyncio.create_task(take(broadcaster.stream(None, 1, backlog), 4))
        while broadcaster.readers < 2:
            await asyncio.sleep(0.01)
        broadcaster.publish([declaration(seq, DERBY, "Darley") for seq in range(3, 8)])
        heard = await asyncio.gather(behind, resuming)
        assert listening_when_read == [2]
        return [parse(m)[0] for m in heard[0]], [parse(m)[0] for m in heard[1]]

    behind, resuming = asyncio.run(run())
    assert behind == [6, 7]
    assert resuming == [2, 3, 4, 5]
