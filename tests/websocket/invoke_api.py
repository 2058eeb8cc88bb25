"""A real HTTP server on 127.0.0.1 standing in for Lambda's Invoke API: it records each
invocation (function name, invocation type, event) and answers 202, as for ``Event``."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.websocket.loopback_server import LoopbackServer, QuietHandler


class InvokeApi(LoopbackServer):
    """Lambda's Invoke API on 127.0.0.1: records each invocation, answers 202 as for ``Event``."""

    def __init__(self) -> None:
        self.invocations: list[tuple[str, str, dict[str, Any]]] = []
        super().__init__()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                name = self.path.split("/functions/", 1)[1].split("/", 1)[0]
                kind = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
                with api._lock:
                    api.invocations.append((name, kind, json.loads(body)))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler
