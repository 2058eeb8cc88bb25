"""A real HTTP proxy on 127.0.0.1 in front of DynamoDB Local that fails on demand.

``mode`` says what the next requests get (those whose ``X-Amz-Target`` operation is in
``only``, when set; others are forwarded):

- ``forward``: passed to DynamoDB Local unchanged;
- ``reset``: the connection is closed without an answer (a crashed or restarting server);
- ``lost``: forwarded, then the connection is closed without passing the answer on: the write
  happened, the client cannot know it;
- ``error``: 500 ``InternalServerError`` in DynamoDB's JSON error shape;
- ``hang``: no answer until ``release()`` (or ``hang_seconds``), then the connection is closed.

``seen`` counts requests by operation; ``faults`` counts the ones that were failed.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.websocket.loopback_server import LoopbackServer, QuietHandler

INTERNAL = "com.amazonaws.dynamodb.v20120810#InternalServerError"


class FaultProxy(LoopbackServer):
    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self._upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.mode = "forward"
        self.only: set[str] | None = None
        self.hang_seconds = 30.0
        self.seen: Counter[str] = Counter()
        self.faults: Counter[str] = Counter()
        self._released = threading.Event()
        super().__init__()

    @property
    def endpoint(self) -> str:
        return self.base_url

    def fail(self, mode: str, only: set[str] | None = None) -> None:
        self._released.clear()
        self.mode, self.only = mode, only

    def heal(self) -> None:
        self.mode, self.only = "forward", None
        self._released.set()

    def release(self) -> None:
        self._released.set()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
                with proxy._lock:
                    proxy.seen[operation] += 1
                    mode = proxy.mode
                    if proxy.only is not None and operation not in proxy.only:
                        mode = "forward"
                    if mode != "forward":
                        proxy.faults[operation] += 1
                if mode == "reset":
                    self.close_connection = True
                    return
                if mode == "hang":
                    proxy._released.wait(proxy.hang_seconds)
                    self.close_connection = True
                    return
                if mode == "error":
                    payload = json.dumps({"__type": INTERNAL, "message": "Internal error"})
                    self._send(500, "application/x-amz-json-1.0", payload.encode())
                    return
                status, content_type, data = self._forward(body)
                if mode == "lost":
                    self.close_connection = True
                    return
                self._send(status, content_type, data)

            def _forward(self, body: bytes) -> tuple[int, str, bytes]:
                upstream = http.client.HTTPConnection(*proxy._upstream, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                    upstream.request("POST", self.path, body, headers)
                    response = upstream.getresponse()
                    content_type = response.getheader("Content-Type", "application/x-amz-json-1.0")
                    return response.status, content_type, response.read()
                finally:
                    upstream.close()

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
