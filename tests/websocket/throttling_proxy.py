"""A real HTTP proxy on 127.0.0.1 in front of DynamoDB Local that can throttle requests.

The first ``throttle_next`` requests are answered as DynamoDB answers a throttled call (400,
``ProvisionedThroughputExceededException`` in DynamoDB's JSON error shape); the rest are
forwarded to DynamoDB Local unchanged.
"""

from __future__ import annotations

import http.client
import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.websocket.loopback_server import LoopbackServer, QuietHandler

THROTTLED = "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"


class ThrottlingProxy(LoopbackServer):
    def __init__(self, upstream: str) -> None:
        target = urlsplit(upstream)
        self._upstream = (target.hostname or "127.0.0.1", target.port or 80)
        self.throttle_next = 0
        self.requests = 0
        self.throttled = 0
        super().__init__()

    @property
    def endpoint(self) -> str:
        return self.base_url

    def handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy._lock:
                    proxy.requests += 1
                    throttle = proxy.throttle_next > 0
                    if throttle:
                        proxy.throttle_next -= 1
                        proxy.throttled += 1
                if throttle:
                    payload = json.dumps(
                        {
                            "__type": THROTTLED,
                            "message": "The level of configured provisioned "
                            "throughput for the table was exceeded.",
                        }
                    )
                    self._send(
                        400, {"Content-Type": "application/x-amz-json-1.0"}, payload.encode()
                    )
                    return
                upstream = http.client.HTTPConnection(*proxy._upstream, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request("POST", self.path, body, headers)
                response = upstream.getresponse()
                data = response.read()
                self._send(
                    response.status,
                    {
                        "Content-Type": response.getheader(
                            "Content-Type", "application/x-amz-json-1.0"
                        )
                    },
                    data,
                )
                upstream.close()

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
