"""Live updates: the night's events pushed to every connected reader as server-sent events.

Each event is turned into its SSE message once, however many readers there are, and put on each
reader's queue; a reader too slow to keep up is dropped and reconnects (browsers do so by themselves),
resuming after the last event it saw through `Last-Event-ID`. `publish` may be called from any thread:
the results are written in worker threads, and readers live on the event loop. A comment line is put on
every queue now and then, by one timer for all readers, so proxies keep quiet connections open.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field

from tallyroom.live.events import Event

QUEUE_SIZE = 1000
HEARTBEAT_SECONDS = 15.0

Message = tuple[int, str, bytes]
"""An event's seq, its council's code, and its SSE message."""

HEARTBEAT: Message = (0, "", b": still here\n\n")
"""A comment line for every reader (no council's code: every reader wants it)."""


def message(event: Event) -> Message:
    data = json.dumps(event.json(), ensure_ascii=False, separators=(",", ":"))
    return event.seq, event.council.code, f"id: {event.seq}\nevent: {event.type}\ndata: {data}\n\n".encode()


@dataclass(eq=False)
class _Reader:
    council: str | None
    queue: asyncio.Queue[Message | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def wants(self, code: str) -> bool:
        return self.council is None or self.council == code or not code


class Broadcaster:
    def __init__(self) -> None:
        self._readers: set[_Reader] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop readers live on (set when the server starts)."""
        self._loop = loop
        loop.call_later(HEARTBEAT_SECONDS, self._beat, loop)

    def _beat(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is self._loop:  # not once the broadcaster is attached to another loop
            self._fan_out([HEARTBEAT])
            loop.call_later(HEARTBEAT_SECONDS, self._beat, loop)

    @property
    def readers(self) -> int:
        return len(self._readers)

    def publish(self, events: Iterable[Event]) -> None:
        messages = [message(e) for e in events]
        loop = self._loop
        if not messages or loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._fan_out, messages)

    def _fan_out(self, messages: list[Message]) -> None:
        for reader in list(self._readers):
            for found in messages:
                if not reader.wants(found[1]):
                    continue
                try:
                    reader.queue.put_nowait(found)
                except asyncio.QueueFull:
                    self._readers.discard(reader)
                    reader.queue.get_nowait()
                    reader.queue.put_nowait(None)
                    break

    async def stream(
        self, council: str | None, after: int | None, backlog: Callable[[int], Iterable[Event]]
    ) -> AsyncIterator[bytes]:
        """One reader's stream: with `after` (its Last-Event-ID), the events it missed since, from
        `backlog(after)`; then each new one; with a comment line now and then so proxies keep the
        connection open. The reader is listening before the backlog is read, and nothing numbered at or
        below what it has seen is sent again, so it misses nothing and gets nothing twice."""
        reader = _Reader(council)
        self._readers.add(reader)
        try:
            yield b"retry: 3000\n\n"
            last = after or 0
            if after is not None:
                for event in backlog(after):
                    if reader.wants(event.council.code) and event.seq > last:
                        seq, _, body = message(event)
                        last = seq
                        yield body
            while (found := await reader.queue.get()) is not None:
                if found[0] > last or found is HEARTBEAT:
                    last = max(last, found[0])
                    yield found[2]
        finally:
            self._readers.discard(reader)
