"""Serve the demo night with `tallyroom serve` and measure the website from outside, over HTTP.

1. Requests per second with 50 concurrent clients (keep-alive connections) for a bare Starlette
   endpoint on the same uvicorn (the floor), tallyroom's `/health`, and a cached page of each kind: the
   night page `/`, a council page (Derbyshire), a ward page and `/api/night`. Each is measured for a few
   seconds, in several rounds taken in turn so that noise hits all alike. The target is a ratio (a page
   at least 0.5 of the floor), taken within each round, when the machine ran at one speed: the figures
   shown are those of the round whose ratio is the median. Every client asks as a browser does, with
   `Accept-Encoding: gzip` (the floor's too, though it answers alike either way), and the bytes of each
   answer's body are printed. Pages are made once per view of the night, so each is asked for once
   before the clock starts and the steady state is timed; that first, uncached answer is printed on
   its own.
2. Latency from a declaration posted to `POST /api/declarations` to its event arriving at each of
   1,000 clients connected to `/live` (server-sent events): a correction to one real ward of the
   demo data is posted, one vote more each time, and the next is posted only once every client has the
   event. Latency runs from just before the POST to the arrival of the event at a client; p50 and p99
   are over all clients and posts (target: p99 under 250 ms). One warm-up post is not counted.
3. A login flood: 40 clients send wrong passwords to `/desk/login` as fast as they are answered, each
   attempt from an address of its own (X-Forwarded-For, believed from a proxy on this machine that
   the server is told to trust), so the per-address limit never stops them and only the bound on
   password checks does; meanwhile 10 clients load a council page. The server's resident memory is
   sampled every 20 ms. The script exits non-zero when the peak is over 400 MiB, or the page's p99
   over 250 ms (each login checked costs Argon2's 64 MiB and a fifth of a second of a core).

The store is built afresh in a temporary folder (`demo --no-serve`, a reporter with a token) and the
server runs as a subprocess (a second one, told to trust a proxy, for the flood), so the load
generator runs in this process, beside it. The clients are hand-written HTTP/1.1 over asyncio (an
httpx2 client costs several times more CPU per request and becomes the bottleneck), but on a small
machine they still share the CPU with the server: the CPU each side used is printed so the bottleneck
can be seen. Latencies include the time this process takes to read the event on every one of its
connections.

Run: .venv/bin/python benchmarks/bench_web.py [--clients N] [--seconds S] [--rounds N]
     [--live-clients N] [--posts N] [--flooders N] [--readers N] [--flood-seconds S] [--flood-only]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import itertools
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from targets import Row, at_least, at_most, report

HOST = "127.0.0.1"
DAY = "2021-05-06"
DEMO_CSV = Path(__file__).resolve().parents[1] / "src/tallyroom/data/demo/2021-05-06-east-midlands.csv"
WARD_CODE = "E05001775"  # Darley, Derby: its real rows are posted again with one vote changed
TRIVIAL = "/health"
PAGES = ("/", "/council/E10000007", "/council/E10000007/ward/E58000193", "/api/night")
"""A cached page of each kind: the night, a council, a ward (Alfreton, Derbyshire), an API document."""
PASSWORD = "a-long-benchmark-password"
FLOOD_PAGE = LIVE_PAGE = "/council/E10000007"
AS_A_BROWSER = "User-Agent: bench_web\r\nAccept-Encoding: gzip, deflate, br, zstd\r\n"
"""The headers every page request carries: a browser's Accept-Encoding among them."""
MEMORY_LIMIT_MIB, LATENCY_LIMIT_MS = 400, 250


# --- the server ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base: str
    pid: int
    token: str


def tallyroom(db: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run the command line on the store `db`; what it printed."""
    command = [sys.executable, "-m", "tallyroom", "--db", db, *args]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"tallyroom {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) used so far by this process, or by process `pid` (Linux)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_open_files(needed: int) -> None:
    """Enough file descriptors for every connection, here and in the server (which inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        top = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))


def demo_store(folder: Path) -> tuple[str, str]:
    """The demo night in a fresh store, with a reporter: the store's URL and her API token."""
    db = f"sqlite:///{folder / 'bench.db'}"
    tallyroom(db, "demo", "--no-serve")
    tallyroom(
        db, "user", "add", "bench", "--role", "reporter", env={**os.environ, "TALLYROOM_PASSWORD": PASSWORD}
    )
    return db, tallyroom(db, "user", "token", "bench").strip()


@contextmanager
def serving(folder: Path, db: str, token: str, *options: str) -> Iterator[Server]:
    """`tallyroom serve` on the store, with `options`, until the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "tallyroom", "--db", db, "serve", "--date", DAY, "--port", str(port)]
    with running([*command, *options], port, folder / "serve.log", token) as server:
        yield server


@contextmanager
def floor_serving(folder: Path) -> Iterator[Server]:
    """The floor: a bare Starlette endpoint on the same uvicorn (benchmarks/floor.py)."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).with_name("floor.py")), str(port)]
    with running(command, port, folder / "floor.log", "") as server:
        yield server


@contextmanager
def running(command: list[str], port: int, log_path: Path, token: str) -> Iterator[Server]:
    """A server started by `command` on `port`, once it answers, until the block ends."""
    log = log_path.open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"the server did not start:\n{log_path.read_text()}")
            try:
                if httpx2.get(base + TRIVIAL, timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            time.sleep(0.2)
        yield Server(base, server.pid, token)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


# --- requests per second ------------------------------------------------------------------------------


@dataclass
class Rate:
    per_second: float
    errors: int
    first: float  # seconds for the one request made before timing (uncached in the first round)
    size: int  # bytes of the answer's body
    client_cpu: float  # share of one core
    server_cpu: float


async def get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, int]:
    """One request on a keep-alive connection; its status and the bytes of its body, read and dropped."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise RuntimeError(f"no Content-Length in {head!r}")
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1]), length


async def rate(server: Server, path: str, clients: int, seconds: float) -> Rate:
    """Requests answered per second with `clients` connections each asking again as soon as answered."""
    port = int(server.base.rsplit(":", 1)[1])
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{AS_A_BROWSER}\r\n".encode()
    connections = [await asyncio.open_connection(HOST, port) for _ in range(clients)]
    began = time.perf_counter()
    _, size = await get(
        *connections[0], request
    )  # renders the page into the cache: the steady state is timed
    first = time.perf_counter() - began
    answered = errors = 0
    end = 0.0

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal answered, errors
        while time.perf_counter() < end:
            try:
                status, _ = await get(reader, writer, request)
            except (ConnectionError, asyncio.IncompleteReadError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
                continue
            if 200 <= status < 300:
                answered += 1
            else:
                errors += 1
        writer.close()

    ours, theirs = cpu_seconds(), cpu_seconds(server.pid)
    start = time.perf_counter()
    end = start + seconds
    await asyncio.gather(*(client(r, w) for r, w in connections))
    took = time.perf_counter() - start
    return Rate(
        answered / took,
        errors,
        first,
        size,
        (cpu_seconds() - ours) / took,
        (cpu_seconds(server.pid) - theirs) / took,
    )


# --- live updates -------------------------------------------------------------------------------------

EVENT = re.compile(rb"^id: (\d+)\nevent: (\w+)\n", re.MULTILINE)


@dataclass
class Arrivals:
    """When each declaration's event reached each client: seq -> arrival times."""

    clients: int
    times: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    everyone: dict[int, asyncio.Event] = field(default_factory=lambda: defaultdict(asyncio.Event))
    connected: int = 0
    all_connected: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: int = 0

    def arrived(self, seq: int, at: float) -> None:
        times = self.times[seq]
        times.append(at)
        if len(times) == self.clients:
            self.everyone[seq].set()


class LiveClient(asyncio.Protocol):
    """One reader of `/live`: a protocol, not a stream, so that each arrival costs one callback. Undoes
    the chunked transfer coding and notes when each declaration event arrives."""

    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals
        self.raw = bytearray()
        self.body = bytearray()
        self.head = True
        self.chunk: int | None = None  # bytes of the current chunk still to come, with its CRLF
        self.started = False

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()
        self.raw += data
        if self.head:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                return
            if not self.raw.startswith(b"HTTP/1.1 200") or b"chunked" not in self.raw[:end].lower():
                raise RuntimeError(f"not a chunked event stream: {bytes(self.raw[:end])!r}")
            del self.raw[: end + 4]
            self.head = False
        while True:
            if self.chunk is None:
                end = self.raw.find(b"\r\n")
                if end < 0:
                    break
                self.chunk = int(self.raw[:end].split(b";")[0], 16) + 2
                del self.raw[: end + 2]
            if len(self.raw) < self.chunk:
                break
            self.body += self.raw[: self.chunk - 2]
            del self.raw[: self.chunk]
            self.chunk = None
        while (end := self.body.find(b"\n\n")) >= 0:
            self.message(bytes(self.body[: end + 2]), at)
            del self.body[: end + 2]

    def message(self, text: bytes, at: float) -> None:
        if not self.started and text.startswith(b"retry:"):
            self.started = True
            self.arrivals.connected += 1
            if self.arrivals.connected == self.arrivals.clients:
                self.arrivals.all_connected.set()
        found = EVENT.search(text)
        if found and found[2] == b"declaration":
            self.arrivals.arrived(int(found[1]), at)

    def connection_lost(self, exc: Exception | None) -> None:
        self.arrivals.dropped += 1


def corrections() -> Iterator[bytes]:
    """The ward's real rows as the native ward CSV, with its first candidate one vote up each time."""
    with DEMO_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or ())
        rows = [row for row in reader if row["ward_code"] == WARD_CODE]
    votes = int(rows[0]["votes"])
    while True:
        votes += 1
        rows[0]["votes"] = str(votes)
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        yield out.getvalue().encode()


@dataclass
class Live:
    latencies: list[float]  # seconds, every client of every post
    answered: list[float]  # seconds from posting to the POST's own answer
    spread: list[tuple[float, float]]  # seconds from posting to the first client's event and the last's
    missing: int
    dropped: int
    connect_seconds: float
    client_cpu: float  # share of one core while posting
    server_cpu: float
    pages_per_second: float  # the council page, loaded flat out meanwhile


async def live(server: Server, clients: int, posts: int, loaders: int) -> Live:
    """Declarations posted one at a time to `clients` readers of `/live`, while `loaders` clients load
    a council page flat out."""
    loop = asyncio.get_running_loop()
    port = int(server.base.rsplit(":", 1)[1])
    arrivals = Arrivals(clients)
    request = f"GET /live HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()
    opening = asyncio.Semaphore(100)  # a few at a time, so as not to overflow the listen backlog

    async def connect() -> asyncio.Transport:
        async with opening:
            transport, _ = await loop.create_connection(lambda: LiveClient(arrivals), HOST, port)
        transport.write(request)
        return transport

    start = time.perf_counter()
    transports = await asyncio.gather(*(connect() for _ in range(clients)))
    await asyncio.wait_for(arrivals.all_connected.wait(), 60)
    connect_seconds = time.perf_counter() - start

    latencies: list[float] = []
    answered: list[float] = []
    spread: list[tuple[float, float]] = []
    missing = 0
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "text/csv"}
    bodies = corrections()
    page = f"GET {LIVE_PAGE} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{AS_A_BROWSER}\r\n".encode()
    loading = [await asyncio.open_connection(HOST, port) for _ in range(loaders)]
    loaded = 0
    posting = True

    async def loader(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal loaded
        while posting:
            await get(reader, writer, page)
            loaded += 1
        writer.close()

    load = [asyncio.create_task(loader(r, w)) for r, w in loading]
    ours, theirs, began = cpu_seconds(), cpu_seconds(server.pid), time.perf_counter()
    async with httpx2.AsyncClient(base_url=server.base, headers=headers, timeout=30) as poster:
        for post in range(posts + 1):  # the first warms up and is not counted
            posted = time.perf_counter()
            response = await poster.post("/api/declarations", content=next(bodies))
            took = time.perf_counter() - posted
            response.raise_for_status()
            seqs = [e["seq"] for e in response.json()["events"] if e["type"] == "declaration"]
            if len(seqs) != 1:
                raise RuntimeError(f"expected one declaration event, got {response.text}")
            with suppress(TimeoutError):  # counted below as missing
                await asyncio.wait_for(arrivals.everyone[seqs[0]].wait(), 30)
            if post:
                answered.append(took)
                times = arrivals.times[seqs[0]]
                latencies += [at - posted for at in times]
                missing += clients - len(times)
                if times:
                    spread.append((min(times) - posted, max(times) - posted))
    took = time.perf_counter() - began
    posting = False
    await asyncio.gather(*load)
    client_cpu, server_cpu = (cpu_seconds() - ours) / took, (cpu_seconds(server.pid) - theirs) / took
    dropped = arrivals.dropped
    for transport in transports:
        transport.close()
    return Live(
        latencies, answered, spread, missing, dropped, connect_seconds, client_cpu, server_cpu, loaded / took
    )


# --- a login flood -----------------------------------------------------------------------------------


@dataclass
class Flood:
    rss_peak_mib: float
    rss_before_mib: float
    page_ms: list[float]  # the council page, every request
    page_errors: int
    logins: Counter[int]  # statuses of the wrong logins


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def flood(server: Server, flooders: int, readers: int, seconds: float) -> Flood:
    """`flooders` clients sending wrong passwords as fast as they are answered, each attempt from an
    address of its own (X-Forwarded-For, from a proxy the server trusts), while `readers` clients load
    a council page; the server's resident memory is sampled every 20 ms. Every client is a keep-alive
    connection, hand-written as above."""
    port = int(server.base.rsplit(":", 1)[1])
    page = f"GET {FLOOD_PAGE} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{AS_A_BROWSER}\r\n".encode()
    addresses = itertools.count()
    logins: Counter[int] = Counter()
    page_ms: list[float] = []
    page_errors = 0
    before = rss_mib(server.pid)
    peak = before
    end = time.perf_counter() + seconds

    async def flooder() -> None:
        reader_, writer = await asyncio.open_connection(HOST, port)
        writer.write(f"GET /desk/login HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
        head = await reader_.readuntil(b"\r\n\r\n")
        length = re.search(rb"(?i)content-length: (\d+)", head)
        cookie = re.search(rb"(?i)set-cookie: (tallyroom_session=[^;]+)", head)
        found = re.search(
            rb'name="csrf" value="([^"]+)"', await reader_.readexactly(int(length[1]) if length else 0)
        )
        if found is None or cookie is None:
            raise RuntimeError("no session or CSRF token from the login page")
        form = b"csrf=" + found[1] + b"&name=bench&password=not+the+password"
        while time.perf_counter() < end:
            n = next(addresses)
            request = (
                f"POST /desk/login HTTP/1.1\r\nHost: {HOST}:{port}\r\nCookie: {cookie[1].decode()}\r\n"
                f"X-Forwarded-For: 198.18.{n // 250 % 250}.{n % 250 + 1}\r\n"
                f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n\r\n"
            ).encode()
            logins[(await get(reader_, writer, request + form))[0]] += 1
        writer.close()

    async def reader() -> None:
        nonlocal page_errors
        reader_, writer = await asyncio.open_connection(HOST, port)
        while time.perf_counter() < end:
            asked = time.perf_counter()
            status, _ = await get(reader_, writer, page)
            page_ms.append((time.perf_counter() - asked) * 1000)
            page_errors += status != 200
        writer.close()

    async def sampler() -> None:
        nonlocal peak
        while time.perf_counter() < end:
            peak = max(peak, rss_mib(server.pid))
            await asyncio.sleep(0.02)

    await asyncio.gather(
        sampler(), *(flooder() for _ in range(flooders)), *(reader() for _ in range(readers))
    )
    return Flood(peak, before, page_ms, page_errors, logins)


# --- the run ------------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def median_round(ours: list[float], floors: list[float]) -> tuple[float, float]:
    """Of rates measured round by round, ours and the floor's from the round whose ratio is the median:
    the two compared within a round, when the machine ran at one speed (its speed moves more between
    rounds than a page does against the floor)."""
    return sorted(zip(ours, floors, strict=True), key=lambda pair: pair[0] / pair[1])[len(ours) // 2]


def throughput_and_live(args: argparse.Namespace, server: Server, floor: Server) -> list[Row]:
    """Measurements 1 and 2, printed: their rows."""
    print(f"serving the demo night ({DAY}) at {server.base}, pid {server.pid}; the floor at {floor.base}")
    measured = [(floor, TRIVIAL), (server, TRIVIAL), *((server, path) for path in PAGES)]
    rates: dict[tuple[str, str], list[Rate]] = {(s.base, path): [] for s, path in measured}
    for round_ in range(args.rounds):
        for at, path in measured:
            found = asyncio.run(rate(at, path, args.clients, args.seconds))
            rates[at.base, path].append(found)
            name = f"{'floor' if at is floor else 'tallyroom'} {path}"
            print(
                f"  round {round_ + 1} {name:48} {found.per_second:7.0f} req/s, {found.size:7,} bytes,"
                f" {found.errors} errors"
                f" (CPU: server {found.server_cpu:4.0%}, client {found.client_cpu:4.0%} of a core)"
            )
    night = asyncio.run(live(server, args.live_clients, args.posts, args.live_load))

    errors = sum(r.errors for found in rates.values() for r in found)
    first = ", ".join(f"{p} {rates[server.base, p][0].first * 1000:.0f} ms" for p in PAGES)
    print(
        f"requests/s at {args.clients} clients: of {args.rounds} rounds of {args.seconds:g} s, the round"
        " whose ratio to the floor is the median"
    )
    print(f"  non-2xx or failed: {errors}; first, uncached render (not timed): {first}")
    floors = [r.per_second for r in rates[floor.base, TRIVIAL]]
    rows = [
        at_least(
            f"web: {path} req/s vs bare Starlette",
            *median_round([r.per_second for r in rates[server.base, path]], floors),
            "req/s",
            0.5 if path in PAGES else 0,
        )
        for path in (*PAGES, TRIVIAL)
    ]
    ms = [t * 1000 for t in night.latencies]
    print(
        f"declaration to {args.live_clients:,} live clients ({args.posts} posts) while {args.live_load}"
        f" clients load {LIVE_PAGE} ({night.pages_per_second:.0f} req/s):"
        f" p50 {percentile(ms, 0.5):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms"
    )
    first, last = (statistics.median(t[i] for t in night.spread) * 1000 for i in (0, 1))
    print(
        f"  medians: the POST answered in {statistics.median(night.answered) * 1000:.0f} ms,"
        f" the first client had the event at {first:.0f} ms, the last at {last:.0f} ms"
    )
    print(
        f"  {night.missing} events missing, {night.dropped} streams dropped by the server,"
        f" {args.live_clients:,} clients connected in {night.connect_seconds:.1f} s;"
        f" CPU while posting: server {night.server_cpu:.0%} of a core, clients {night.client_cpu:.0%}"
    )
    rows.append(
        at_most(
            f"web: declaration to {args.live_clients:,} readers p99, {args.live_load} loading pages",
            percentile(ms, 0.99),
            LATENCY_LIMIT_MS,
            "ms",
            1,
        )
    )
    return rows


def login_flood(args: argparse.Namespace, server: Server) -> bool:
    """Measurement 3, printed: whether it kept within its limits."""
    found = asyncio.run(flood(server, args.flooders, args.readers, args.flood_seconds))
    p50, p99 = percentile(found.page_ms, 0.5), percentile(found.page_ms, 0.99)
    logins = ", ".join(f"{status}: {n}" for status, n in sorted(found.logins.items()))
    print(
        f"login flood ({args.flooders} concurrent wrong logins, each from an address of its own, for"
        f" {args.flood_seconds:g} s; {args.readers} clients loading {FLOOD_PAGE}):"
    )
    print(
        f"  server memory: RSS peak {found.rss_peak_mib:.0f} MiB"
        f" (before the flood {found.rss_before_mib:.0f}; limit {MEMORY_LIMIT_MIB})"
    )
    print(
        f"  council page: p50 {p50:.1f} ms, p99 {p99:.1f} ms (limit {LATENCY_LIMIT_MS} ms),"
        f" {len(found.page_ms)} requests, {found.page_errors} not 200"
    )
    print(f"  login answers by status: {logins}")
    return found.rss_peak_mib <= MEMORY_LIMIT_MIB and p99 <= LATENCY_LIMIT_MS and not found.page_errors


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients for requests/s")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the measurements")
    parser.add_argument("--live-clients", type=int, default=1000, help="clients connected to /live")
    parser.add_argument("--posts", type=int, default=20, help="declarations posted")
    parser.add_argument("--live-load", type=int, default=50, help="clients loading a page meanwhile")
    parser.add_argument("--flooders", type=int, default=40, help="concurrent wrong logins")
    parser.add_argument("--readers", type=int, default=10, help="clients loading a page during the flood")
    parser.add_argument("--flood-seconds", type=float, default=15.0, help="seconds of the login flood")
    parser.add_argument("--flood-only", action="store_true", help="measure the login flood only")
    args = parser.parse_args()
    raise_open_files(2 * (args.clients + args.live_clients) + 256)

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        db, token = demo_store(folder)
        if not args.flood_only:
            with floor_serving(folder) as floor, serving(folder, db, token) as server:
                report(throughput_and_live(args, server, floor))
        proxied = ("--behind-proxy", "http", "--base-url", f"http://{HOST}", "--trusted-proxy", HOST)
        with serving(folder, db, token, *proxied) as server:
            within = login_flood(args, server)
    if not within:
        sys.exit(f"over the limits: memory {MEMORY_LIMIT_MIB} MiB, council page p99 {LATENCY_LIMIT_MS} ms")


if __name__ == "__main__":
    main()
