"""The Lambda Runtime API of one execution environment, on 127.0.0.1.

AWS's runtime client (``awslambdaric``) in the worker process polls
``GET /2018-06-01/runtime/invocation/next``, and answers with
``POST /2018-06-01/runtime/invocation/{id}/response`` or ``.../{id}/error``; a failed import
posts ``/2018-06-01/runtime/init/error`` and exits. Each environment has a listener of its own
(its port is the worker's ``AWS_LAMBDA_RUNTIME_API``), so a request can only ever concern that
environment's invocation, and ids are checked as Lambda checks them.

The HTTP work is h11's (the parser uvicorn uses); this module only maps the five endpoints.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Final

import h11

from lambdakit.local.invoker import MAX_RESPONSE_BYTES

PREFIX: Final = "/2018-06-01/runtime"
MAX_RESPONSE: Final = MAX_RESPONSE_BYTES  # Lambda's synchronous payload quota
ERROR_TYPE_HEADER: Final = "lambda-runtime-function-error-type"
_INVOCATION = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")


@dataclass(frozen=True)
class Outcome:
    """What the runtime answered: ``error_type`` is ``None`` for a result."""

    payload: bytes
    error_type: str | None = None


@dataclass
class PendingInvocation:
    request_id: str
    event: bytes
    deadline_ms: int
    function_arn: str
    outcome: asyncio.Future[Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class RuntimeApi:
    """``await api.start()`` -> its port; ``submit`` an invocation, await its ``outcome``.
    ``polled`` is set each time the runtime waits for its next invocation (the first time:
    init is over); ``init_error`` resolves if the runtime reports a failed init."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[PendingInvocation] = asyncio.Queue()
        self._current: PendingInvocation | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.polled = asyncio.Event()
        self.first_poll_at: float | None = None
        self.init_error: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def submit(self, invocation: PendingInvocation) -> None:
        self.polled.clear()
        self._queue.put_nowait(invocation)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._current is not None and not self._current.outcome.done():
            self._current.outcome.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, h11.RemoteProtocolError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:  # close(): the environment is going away
            pass
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = h11.Connection(h11.SERVER)
        while True:
            request = await _next_event(connection, reader)
            if not isinstance(request, h11.Request):
                return
            if connection.client_is_waiting_for_100_continue:
                writer.write(
                    connection.send(h11.InformationalResponse(status_code=100, headers=[])) or b""
                )
            body = bytearray()
            while True:
                event = await _next_event(connection, reader)
                if isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:
                    return
            headers = {k.decode().lower(): v.decode("latin-1") for k, v in request.headers}
            status, response_headers, payload = await self._route(
                request.method.decode(), request.target.decode(), headers, bytes(body)
            )
            response = h11.Response(
                status_code=status,
                headers=[*response_headers, ("content-length", str(len(payload)))],
            )
            writer.write(connection.send(response) or b"")
            writer.write(connection.send(h11.Data(data=payload)) or b"")
            writer.write(connection.send(h11.EndOfMessage()) or b"")
            await writer.drain()
            if connection.our_state is h11.MUST_CLOSE:
                return
            connection.start_next_cycle()

    async def _route(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if method == "GET" and target == f"{PREFIX}/invocation/next":
            return await self._next()
        if method == "POST" and target == f"{PREFIX}/init/error":
            if not self.init_error.done():
                error_type = headers.get(ERROR_TYPE_HEADER) or "Runtime.Unknown"
                self.init_error.set_result(Outcome(body, error_type))
            return _accepted()
        match = _INVOCATION.match(target)
        if method == "POST" and match is not None:
            current = self._current
            if current is None or current.request_id != match.group(1):
                return _error(400, "InvalidRequestID", "Invalid request ID")
            self._current = None
            if current.outcome.done():  # timed out meanwhile
                return _accepted()
            if match.group(2) == "error":
                error_type = headers.get(ERROR_TYPE_HEADER) or "Unhandled"
                current.outcome.set_result(Outcome(body, error_type))
            elif len(body) > MAX_RESPONSE:
                current.outcome.set_result(Outcome(_too_large(len(body)), "Unhandled"))
                return _error(413, "RequestEntityTooLarge", "Response payload too large")
            else:
                current.outcome.set_result(Outcome(body))
            return _accepted()
        return _error(404, "NotFound", f"no such endpoint: {method} {target}")

    async def _next(self) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.first_poll_at is None:
            self.first_poll_at = time.perf_counter()
        self.polled.set()
        invocation = await self._queue.get()
        self._current = invocation
        return (
            200,
            [
                ("content-type", "application/json"),
                ("lambda-runtime-aws-request-id", invocation.request_id),
                ("lambda-runtime-deadline-ms", str(invocation.deadline_ms)),
                ("lambda-runtime-invoked-function-arn", invocation.function_arn),
                ("lambda-runtime-trace-id", _trace_id()),
            ],
            invocation.event,
        )


async def _next_event(connection: h11.Connection, reader: asyncio.StreamReader) -> object:
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            data = await reader.read(65536)
            connection.receive_data(data)  # b"" marks the end of the stream
            continue
        if event is h11.PAUSED or isinstance(event, h11.ConnectionClosed):
            return None
        return event


def _accepted() -> tuple[int, list[tuple[str, str]], bytes]:
    return 202, [("content-type", "application/json")], b'{"status":"OK"}'


def _error(status: int, error_type: str, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    body = json.dumps({"errorMessage": message, "errorType": error_type}).encode()
    return status, [("content-type", "application/json")], body


def _too_large(size: int) -> bytes:
    message = (
        f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
        f"({MAX_RESPONSE} bytes)."
    )
    document = {"errorMessage": message, "errorType": "Function.ResponseSizeTooLarge"}
    return json.dumps(document).encode()


def _trace_id() -> str:
    import secrets

    root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    return f"Root={root};Parent={secrets.token_hex(8)};Sampled=0"
