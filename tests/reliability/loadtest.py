"""The driver of ``scripts/load``: the local API Gateway under WebSocket and HTTP load.

1. Starts ``python -m lambdakit serve`` (no reload) on a free port with ``loadapp``: HTTP and
   a WebSocket API whose connections live in the embedded SQLite store.
2. WebSocket: opens ``--clients`` connections and keeps them all open; one of them asks for
   ``--broadcasts`` broadcasts, one after the other: each is a route handler calling
   ``manager.broadcast`` (the store's list, then one ``@connections`` POST per connection).
   Every client must receive every broadcast exactly once. Then all close, and the store must
   list none of them.
3. HTTP: ``wrk`` on ``GET /ping`` for ``--duration`` seconds (after a short warm-up): no
   socket errors, no non-2xx answers.
4. All along, the server's RSS and open file descriptors are read from ``/proc`` every second.

Prints a summary; exits 1 if a message was lost, a request failed or the server died.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# -- the server and its memory ------------------------------------------------------------------


@dataclass
class Sample:
    at: float
    phase: str
    rss_bytes: int
    fds: int
    threads: int


class Sampler(threading.Thread):
    """Reads the server's VmRSS and open fds from /proc once a second."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.phase = "start"
        self.samples: list[Sample] = []
        self._stop = threading.Event()

    def read(self) -> Sample | None:
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
            fds = len(os.listdir(f"/proc/{self.pid}/fd"))
        except OSError:
            return None
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        rss = int(match.group(1)) * 1024 if match else 0
        match = re.search(r"^Threads:\s+(\d+)", status, re.MULTILINE)
        threads = int(match.group(1)) if match else 0
        return Sample(time.monotonic(), self.phase, rss, fds, threads)

    def run(self) -> None:
        while not self._stop.is_set():
            sample = self.read()
            if sample is not None:
                self.samples.append(sample)
            self._stop.wait(1.0)

    def mark(self, phase: str) -> None:
        self.phase = phase
        sample = self.read()
        if sample is not None:
            self.samples.append(sample)

    def stop(self) -> None:
        self._stop.set()

    def of(self, phase: str) -> list[Sample]:
        return [s for s in self.samples if s.phase == phase]


def start_server(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for name in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "LAMBDAKIT_WS_ENDPOINT"):
        env.pop(name, None)
    env["LAMBDAKIT_CONNECTION_STORE"] = "sqlite"
    env["LAMBDAKIT_SQLITE_PATH"] = str(workdir / "connections.sqlite3")
    log = (workdir / "server.log").open("wb")
    command = [
        sys.executable,
        "-m",
        "lambdakit",
        "serve",
        "--http",
        "tests.reliability.loadapp:http",
        "--websocket",
        "tests.reliability.loadapp:websocket",
        "--port",
        str(port),
        "--timeout",
        "120",
        "--no-reload",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"load: the server did not start; see {workdir / 'server.log'}")
        time.sleep(0.1)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- WebSocket ----------------------------------------------------------------------------------


@dataclass
class WebSocketReport:
    clients: int
    broadcasts: int
    connect_seconds: float = 0.0
    listed_before: int = 0
    listed_after: int = -1
    expected: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    broadcast_seconds: list[float] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.listed_before == self.clients
            and self.listed_after == 0
            and all(r.get("sent") == self.clients for r in self.results)
        )


async def websocket_phase(url: str, clients: int, broadcasts: int) -> WebSocketReport:
    from websockets.asyncio.client import connect

    report = WebSocketReport(clients, broadcasts, expected=clients * broadcasts)
    opening = asyncio.Semaphore(100)
    received: list[list[int]] = [[] for _ in range(clients)]
    complete = asyncio.Event()
    done = 0
    answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def open_one() -> Any:
        async with opening:
            return await connect(url, open_timeout=120, ping_interval=None, close_timeout=10)

    async def read(index: int, ws: Any) -> None:
        nonlocal done
        with contextlib.suppress(Exception):  # the socket closes at the end
            async for frame in ws:
                message = json.loads(frame)
                if message.get("type") != "broadcast":
                    await answers.put(message)
                    continue
                received[index].append(message["seq"])
                if len(received[index]) == broadcasts:
                    done += 1
                    if done == clients:
                        complete.set()

    started = time.monotonic()
    sockets = await asyncio.gather(*(open_one() for _ in range(clients)))
    report.connect_seconds = time.monotonic() - started
    readers = [asyncio.ensure_future(read(i, ws)) for i, ws in enumerate(sockets)]
    control = sockets[0]

    await control.send(json.dumps({"action": "count"}))
    report.listed_before = (await asyncio.wait_for(answers.get(), 60))["connections"]
    for seq in range(broadcasts):
        began = time.monotonic()
        await control.send(json.dumps({"action": "broadcast", "seq": seq}))
        result = await asyncio.wait_for(answers.get(), 300)
        report.broadcast_seconds.append(time.monotonic() - began)
        report.results.append(result)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(complete.wait(), 60)  # delivery trails the route's answer a bit

    for seqs in received:
        unique = set(seqs)
        report.received += len(unique)
        report.duplicated += len(seqs) - len(unique)
        report.lost += len(set(range(broadcasts)) - unique)

    closing = asyncio.Semaphore(200)

    async def close(ws: Any) -> None:
        async with closing:
            await ws.close()

    await asyncio.gather(*(close(ws) for ws in sockets))
    for reader in readers:
        reader.cancel()
    # Every $disconnect reached the store: a fresh client then finds itself alone.
    deadline = time.monotonic() + 60
    async with connect(url, ping_interval=None) as probe:
        while True:
            await probe.send(json.dumps({"action": "count"}))
            listed = json.loads(await asyncio.wait_for(probe.recv(), 60))["connections"] - 1
            if listed == 0 or time.monotonic() > deadline:
                report.listed_after = listed
                break
            await asyncio.sleep(0.5)
    return report


# -- HTTP ---------------------------------------------------------------------------------------


@dataclass
class HttpReport:
    seconds: int
    connections: int
    requests: int = 0
    per_second: float = 0.0
    latency: dict[str, str] = field(default_factory=dict)
    non_2xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    raw: str = ""

    @property
    def errors(self) -> int:
        return self.non_2xx + sum(self.socket_errors.values())


def wrk(url: str, seconds: int, connections: int, threads: int) -> HttpReport:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    report = HttpReport(seconds, connections, raw=output)
    if match := re.search(r"(\d+) requests in", output):
        report.requests = int(match.group(1))
    if match := re.search(r"Requests/sec:\s+([\d.]+)", output):
        report.per_second = float(match.group(1))
    for percentile, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE):
        report.latency[f"p{percentile}"] = value
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        report.non_2xx = int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        kinds = ("connect", "read", "write", "timeout")
        report.socket_errors = dict(zip(kinds, map(int, match.groups()), strict=True))
    return report


# -- the run ------------------------------------------------------------------------------------


def memory(samples: list[Sample]) -> str:
    if not samples:
        return "no samples"
    rss = [s.rss_bytes / MB for s in samples]
    return f"start {rss[0]:.1f} MB, peak {max(rss):.1f} MB, end {rss[-1]:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/load", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 clients, 5 s of wrk (CI)")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--broadcasts", type=int, default=20)
    parser.add_argument("--duration", type=int, help="seconds of wrk (default 30, quick 5)")
    parser.add_argument("--connections", type=int, default=50, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    args = parser.parse_args(argv)
    clients = args.clients or (200 if args.quick else 1000)
    seconds = args.duration or (5 if args.quick else 30)
    if shutil.which("wrk") is None:
        print("load: wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 3
    limit = raise_fd_limit()
    if limit < clients * 2 + 200:
        print(f"load: open file limit {limit} is too low for {clients} clients", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="lambdakit-load-"))
    port = free_port()
    server = start_server(port, workdir)
    sampler = Sampler(server.pid)
    sampler.start()
    failed = False
    try:
        sampler.mark("websocket")
        ws = asyncio.run(websocket_phase(f"ws://127.0.0.1:{port}/local", clients, args.broadcasts))
        sampler.mark("idle")
        time.sleep(1)
        wrk(f"http://127.0.0.1:{port}/ping", 2 if args.quick else 5, args.connections, 1)
        sampler.mark("http")
        http = wrk(f"http://127.0.0.1:{port}/ping", seconds, args.connections, args.threads)
        sampler.mark("end")
        alive = server.poll() is None
    finally:
        sampler.stop()
        stop_server(server)

    durations = ws.broadcast_seconds
    per_broadcast = ws.results[0] if ws.results else {}
    print("== load summary")
    print(
        f"WebSocket: {ws.clients} concurrent clients (opened in {ws.connect_seconds:.1f} s; "
        f"the store listed {ws.listed_before}); {ws.broadcasts} broadcasts x {ws.clients} "
        f"= {ws.expected} messages expected, {ws.received} received, {ws.lost} lost, "
        f"{ws.duplicated} duplicated"
    )
    if durations:
        print(
            f"  broadcast to {ws.clients} (route handler -> manager.broadcast -> @connections): "
            f"median {statistics.median(durations):.2f} s, max {max(durations):.2f} s, "
            f"{ws.clients / statistics.median(durations):.0f} messages/s; "
            f"sent/gone/failed of the first: {per_broadcast.get('sent')}/"
            f"{per_broadcast.get('gone')}/{per_broadcast.get('failed')}"
        )
    print(f"  after all closed, the store lists {ws.listed_after} connections")
    print(
        f"HTTP: wrk {http.seconds} s, {http.connections} connections, GET /ping: "
        f"{http.requests} requests, {http.per_second:.0f} requests/s, latency "
        + ", ".join(f"{k} {v}" for k, v in http.latency.items())
        + f"; errors: {http.non_2xx} non-2xx, socket {http.socket_errors or 'none'}"
    )
    print(f"Server RSS (whole run): {memory(sampler.samples)}")
    print(f"Server RSS during the WebSocket load: {memory(sampler.of('websocket'))}")
    http_samples = sampler.of("http")
    print(f"Server RSS during the {http.seconds} s HTTP load: {memory(http_samples)}")
    if sampler.samples:
        print(
            f"Server open fds: {sampler.samples[0].fds} at start, "
            f"peak {max(s.fds for s in sampler.samples)}, {sampler.samples[-1].fds} at the end; "
            f"threads: {sampler.samples[0].threads} at start, "
            f"peak {max(s.threads for s in sampler.samples)}, "
            f"{sampler.samples[-1].threads} at the end"
        )
    if not ws.ok:
        failed = True
        print("load: FAILED: WebSocket messages lost or connections not recorded", file=sys.stderr)
    if http.errors or not http.requests:
        failed = True
        print("load: FAILED: HTTP errors\n" + http.raw, file=sys.stderr)
    if not alive:
        failed = True
        print(f"load: FAILED: the server died; see {workdir / 'server.log'}", file=sys.stderr)
    if not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
