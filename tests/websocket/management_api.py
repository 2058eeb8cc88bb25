"""A real HTTP server on 127.0.0.1 that answers the ``@connections`` API as AWS does.

Enough of API Gateway's Management API for boto3's ``apigatewaymanagementapi`` client to
behave as against AWS: 410 ``GoneException`` for unknown or closed ids, 413
``PayloadTooLargeException`` over 128 KB, ``GetConnection`` in its JSON shape, ``DELETE`` 204.
``fail_next`` makes the next N calls answer 503, to exercise retries.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import unquote

from tests.websocket.loopback_server import LoopbackServer, QuietHandler


class ManagementApi(LoopbackServer):
    def __init__(self, stage: str = "prod") -> None:
        self.stage = stage
        self.open: set[str] = set()
        self.received: dict[str, list[bytes]] = {}
        self.calls = 0
        self.fail_next = 0
        super().__init__()

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/{self.stage}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(QuietHandler):
            def _reply(self, status: int, body: bytes = b"", error: str | None = None) -> None:
                self.send_response(status)
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                    body = json.dumps({"message": None if status == 410 else error}).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _connection_id(self) -> str | None:
                prefix = f"/{api.stage}/@connections/"
                return unquote(self.path[len(prefix) :]) if self.path.startswith(prefix) else None

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                with api._lock:
                    api.calls += 1
                    if api.fail_next > 0:
                        api.fail_next -= 1
                        self._reply(503, error="ServiceUnavailable")
                        return
                connection_id = self._connection_id()
                if connection_id is None:
                    self._reply(404, error="NotFoundException")
                    return
                if connection_id not in api.open:
                    self._reply(410, error="GoneException")
                    return
                if self.command == "POST":
                    if len(data) > 128 * 1024:
                        self._reply(413, error="PayloadTooLargeException")
                        return
                    with api._lock:
                        api.received.setdefault(connection_id, []).append(data)
                    self._reply(200)
                elif self.command == "GET":
                    self._reply(
                        200,
                        json.dumps(
                            {
                                "connectedAt": "2026-01-01T00:00:00.000Z",
                                "identity": {"sourceIp": "203.0.113.10", "userAgent": "test"},
                                "lastActiveAt": "2026-01-01T00:01:00.000Z",
                            }
                        ).encode(),
                    )
                else:
                    api.open.discard(connection_id)
                    self._reply(204)

            do_POST = do_GET = do_DELETE = _handle

        return Handler
