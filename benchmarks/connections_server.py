"""A local ``@connections`` (API Gateway's Management API) that answers as AWS does, for the
broadcast benchmark: every call waits a configurable latency (default 20 ms, a round trip
from Lambda to API Gateway), and an account limit, a token bucket, answers the calls over it
with what AWS sends for ``LimitExceededException``: HTTP 429, ``x-amzn-ErrorType:
LimitExceededException`` and a JSON body with a ``message`` (the service model,
``apigatewaymanagementapi`` 2018-11-29, is ``rest-json``: botocore reads the error code from
that header, and the model gives the exception HTTP status 429).

It counts what it accepted, by the ``tag`` of the message (``{"tag": ...}``), and how many calls
it throttled. ``POST /_bench/reset`` with ``{"latency_ms", "rate", "burst"}`` sets the next
scenario and clears the counts; ``GET /_bench/stats`` returns them. asyncio, on 127.0.0.1, in a
process of its own so that its CPU is not the sender's. Run as
``python -m benchmarks.connections_server '{"port": N, "latency_ms": 20}'``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

HOST: Final = "127.0.0.1"
DEFAULT_LATENCY_MS: Final = 20.0
LIMIT_EXCEEDED: Final = json.dumps({"message": "Limit Exceeded"}).encode()
MAX_BODY: Final = 128 * 1024


@dataclass
class TokenBucket:
    """``rate`` tokens a second, at most ``burst`` saved; a call takes one or is refused."""

    rate: float
    burst: float
    tokens: float = 0.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class Endpoint:
    latency: float = DEFAULT_LATENCY_MS / 1000
    bucket: TokenBucket | None = None
    accepted: dict[str, set[str]] = field(default_factory=dict)
    calls: int = 0
    throttled: int = 0

    def reset(self, options: dict[str, Any]) -> None:
        self.latency = float(options.get("latency_ms", DEFAULT_LATENCY_MS)) / 1000
        rate = options.get("rate")
        self.bucket = None if rate is None else TokenBucket(float(rate), float(options["burst"]))
        self.accepted, self.calls, self.throttled = {}, 0, 0

    def stats(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "throttled": self.throttled,
            "accepted": {tag: len(ids) for tag, ids in self.accepted.items()},
        }

    async def answer(self, method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        """Status, error type (``""`` for none) and body of one call."""
        if path == "/_bench/reset" and method == "POST":
            self.reset(json.loads(body or b"{}"))
            return 200, "", b"{}"
        if path == "/_bench/stats":
            return 200, "", json.dumps(self.stats()).encode()
        _, _, connection_id = path.partition("/@connections/")
        if not connection_id or method != "POST":
            return 403, "ForbiddenException", json.dumps({"message": "Forbidden"}).encode()
        self.calls += 1
        # The account limit is decided when the call arrives; the answer still takes a trip.
        allowed = self.bucket is None or self.bucket.take()
        await asyncio.sleep(self.latency)
        if not allowed:
            self.throttled += 1
            return 429, "LimitExceededException", LIMIT_EXCEEDED
        if len(body) > MAX_BODY:
            return 413, "PayloadTooLargeException", b'{"message":"Message too long"}'
        tag = str(json.loads(body).get("tag", ""))
        self.accepted.setdefault(tag, set()).add(connection_id)
        return 200, "", b""


_REASONS: Final = {200: "OK", 403: "Forbidden", 413: "Payload Too Large", 429: "Too Many Requests"}


async def _serve_connection(
    endpoint: Endpoint, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """HTTP/1.1 with keep-alive, one request after the other (botocore's pool opens more
    connections for calls in flight)."""
    try:
        while True:
            request_line = await reader.readline()
            if not request_line:
                return
            method, target, _ = request_line.decode("latin-1").split(" ", 2)
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            status, error_type, payload = await endpoint.answer(
                method, target.split("?", 1)[0], body
            )
            head = [
                f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
                f"x-amzn-RequestId: {uuid.uuid4()}",
                "Content-Type: application/json",
                f"Content-Length: {len(payload)}",
            ]
            if error_type:
                head.append(f"x-amzn-ErrorType: {error_type}")
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    finally:
        writer.close()


async def _main(options: dict[str, Any]) -> None:
    endpoint = Endpoint()
    endpoint.reset(options)
    server = await asyncio.start_server(
        lambda r, w: _serve_connection(endpoint, r, w), HOST, int(options["port"]), backlog=1024
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_main(json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}))
