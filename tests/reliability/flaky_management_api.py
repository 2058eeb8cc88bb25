"""``@connections`` that misbehaves: the test Management API of ``tests/websocket``, plus

- ``fail_with``: the next answers, as (status, error type) pairs, e.g. 500
  ``InternalServerErrorException`` or 429 ``LimitExceededException``;
- ``delay``: seconds to wait before answering each call (a slow API), the call still taking
  effect, as a slow AWS call does;
- ``release()``: ends the waits early (so a test never leaves sleeping threads behind).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

from tests.websocket.management_api import ManagementApi


class FlakyManagementApi(ManagementApi):
    def __init__(self, stage: str = "prod") -> None:
        self.fail_with: list[tuple[int, str]] = []
        self.delay = 0.0
        self._released = threading.Event()
        super().__init__(stage)
        # Answers to clients that gave up (timed out) fail with a broken pipe: expected here.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]

    def release(self) -> None:
        self._released.set()

    def __exit__(self, *exc: object) -> None:
        self.release()
        super().__exit__(*exc)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self
        base = super().handler()

        class Handler(base):  # type: ignore[valid-type,misc]
            def _flaky(self) -> None:
                if api.delay:
                    api._released.wait(api.delay)
                with api._lock:
                    failure = api.fail_with.pop(0) if api.fail_with else None
                    if failure is not None:
                        api.calls += 1
                if failure is not None:
                    length = int(self.headers.get("Content-Length") or 0)
                    if length:
                        self.rfile.read(length)
                    status, error = failure
                    self._reply(status, error=error)
                    return
                base._handle(self)  # type: ignore[attr-defined]

            do_POST = do_GET = do_DELETE = _flaky

        return Handler
