"""Probe (lambdakit's venv): a fan-out of ``connections`` messages against the simulated
``@connections`` under an account limit. ``WebSocketSender.fan_out`` invokes a function through
a local Lambda Invoke API (``InvocationType="Event"``) that runs each batch in a process of its
own (``fan_out_batch.py``), as Lambda runs each in an execution environment; timed from the
fan-out's start to the last batch's end, against the limit's floor
``(connections - burst) / rate``.
Run as ``python -m benchmarks.probe_fan_out '{"endpoint": ..., "connections": 100000,
"rate": 2000, "batch_size": 10000}'``."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import boto3

from benchmarks.probe_broadcast import _control, connection_ids
from benchmarks.runner import probe_main
from lambdakit.websocket.messaging import WebSocketSender


class _Invocations(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    processes: ClassVar[list[subprocess.Popen[bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        command = [sys.executable, "-m", "benchmarks.fan_out_batch"]
        process = subprocess.Popen(  # noqa: S603 - this module, in this interpreter
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        if process.stdin is not None:
            process.stdin.write(body)
            process.stdin.close()
        self.processes.append(process)
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def measure(options: dict[str, Any]) -> dict[str, Any]:
    endpoint, count = options["endpoint"], int(options["connections"])
    rate, batch_size = float(options["rate"]), int(options["batch_size"])
    burst = rate / 2
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Invocations)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = boto3.client("lambda", endpoint_url=f"http://127.0.0.1:{server.server_address[1]}")
    _control(endpoint, "reset", {"latency_ms": 20, "rate": rate, "burst": burst})
    sender = WebSocketSender(endpoint, send_deadline=600)
    start = time.perf_counter()
    batches = asyncio.run(
        sender.fan_out(
            {"tag": "fan_out"},
            connection_ids(count),
            function_name="sender",
            batch_size=batch_size,
            account_rate=rate,
            lambda_client=client,
        )
    )
    summaries = []
    for process in _Invocations.processes:
        out = process.stdout.read() if process.stdout is not None else b""
        process.wait()
        summaries.append(json.loads(out.strip().splitlines()[-1]))  # after any log lines
    seconds = time.perf_counter() - start
    server.shutdown()
    stats = _control(endpoint, "stats")
    floor = (count - burst) / rate
    return {
        "connections": count,
        "batches": batches,
        "rate": rate,
        "seconds": seconds,
        "floor_s": floor,
        "ratio": seconds / floor,
        "accepted": stats["accepted"].get("fan_out", 0),
        "calls": stats["calls"],
        "throttled": stats["throttled"],
        "failed": sum(s["failed"] for s in summaries),
    }


if __name__ == "__main__":
    probe_main(measure)
