"""The Lambda Runtime API of one execution environment, on 127.0.0.1.

AWS's runtime client (``awslambdaric``) in the worker process polls
``GET /2018-06-01/runtime/invocation/next``, and answers with
``POST /2018-06-01/runtime/invocation/{id}/response`` or ``.../{id}/error``; a failed import
posts ``/2018-06-01/runtime/init/error`` and exits. Each environment has a listener of its own
(its port is the worker's ``AWS_LAMBDA_RUNTIME_API``), so a request can only ever concern that
environment's invocation, and ids are checked as Lambda checks them.

Only the worker may speak to it: any other local process (or a web page, through the browser)
could otherwise take the next event, with its ``Authorization`` header, and forge its answer.
A request must name ``Host: 127.0.0.1:<port>`` exactly (what the runtime client sends) and carry
no ``Origin`` or ``Sec-Fetch-*`` header (a browser's); on Linux a connection is served only if
its peer socket belongs to the worker process (``/proc/net/tcp`` -> inode -> ``/proc/PID/fd``);
and one ``GET /next`` at a time is waited on.

Its HTTP/1.1 is the little the runtime client speaks (keep-alive, ``Content-Length`` or chunked
bodies, ``Expect: 100-continue``), read with bounds and written in one send per response: each
invocation crosses it twice, so its cost is most of what isolation costs (h11 here was ~40% of
the server's CPU per request).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from dataclasses import dataclass, field
from typing import Final

from lambdakit.local.invoker import MAX_RESPONSE_BYTES

PREFIX: Final = "/2018-06-01/runtime"
MAX_RESPONSE: Final = MAX_RESPONSE_BYTES  # Lambda's synchronous payload quota
ERROR_TYPE_HEADER: Final = "lambda-runtime-function-error-type"
MAX_HEAD: Final = 64 * 1024
MAX_BODY: Final = 4 * MAX_RESPONSE  # read, then refused with 413 if over MAX_RESPONSE
_INVOCATION = re.compile(r"^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$")
PROC_NET_TCP: Final = "/proc/net/tcp"
WORKER_WAIT: Final = 10.0  # a connection may come before the worker's pid is known


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
        self._host = ""
        self._worker: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._polling = False
        self._queue: asyncio.Queue[PendingInvocation] = asyncio.Queue()
        self._current: PendingInvocation | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.polled = asyncio.Event()
        self.first_poll_at: float | None = None
        self.init_error: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = int(self._server.sockets[0].getsockname()[1])
        self._host = f"127.0.0.1:{port}"
        return port

    def expect_worker(self, pid: int) -> None:
        """Serve connections from process ``pid`` only (those already accepted wait for it)."""
        if not self._worker.done():
            self._worker.set_result(pid)

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
        if not self._worker.done():
            self._worker.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            if await self._from_worker(writer):
                await self._serve(reader, writer)
            else:
                writer.write(_response(*_forbidden(), keep_alive=False))
                await writer.drain()
        except (
            ConnectionError,
            _BadRequest,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            pass
        except asyncio.CancelledError:  # close(): the environment is going away
            pass
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()

    async def _from_worker(self, writer: asyncio.StreamWriter) -> bool:
        """Whether the peer is the worker process; ``True`` where ``/proc`` cannot tell."""
        if not os.path.exists(PROC_NET_TCP):
            return True
        try:
            pid = await asyncio.wait_for(asyncio.shield(self._worker), WORKER_WAIT)
        except asyncio.TimeoutError:
            return False
        peer = writer.get_extra_info("peername")
        local = writer.get_extra_info("sockname")
        if not peer or not local:
            return False
        return socket_owned_by(pid, (peer[0], peer[1]), (local[0], local[1]))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError as error:
                if error.partial:
                    raise
                return  # the client closed between requests
            method, target, version, headers = _parse_head(head)
            if headers.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = await _read_body(reader, headers)
            status, response_headers, payload = await self._route(method, target, headers, body)
            keep_alive = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
            writer.write(_response(status, response_headers, payload, keep_alive))
            await writer.drain()
            if not keep_alive:
                return

    async def _route(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if (
            headers.get("host") != self._host
            or "origin" in headers
            or any(name.startswith("sec-fetch-") for name in headers)
        ):
            return _forbidden()
        if method == "GET" and target == f"{PREFIX}/invocation/next":
            if self._polling:
                return _error(400, "InvalidStateTransition", "Already waiting for an invocation")
            self._polling = True
            try:
                return await self._next()
            finally:
                self._polling = False
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


def socket_owned_by(pid: int, peer: tuple[str, int], local: tuple[str, int]) -> bool:
    """Whether the TCP socket ``peer`` -> ``local`` (IPv4) is an open file of process ``pid``."""
    wanted = (_proc_address(*peer), _proc_address(*local))
    try:
        with open(PROC_NET_TCP, encoding="ascii") as table:
            inode = next(
                (fields[9] for fields in map(str.split, table) if tuple(fields[1:3]) == wanted),
                None,
            )
        if inode is None:
            return False
        target = f"socket:[{inode}]"
        fd_dir = f"/proc/{pid}/fd"
        return any(_readlink(os.path.join(fd_dir, fd)) == target for fd in os.listdir(fd_dir))
    except OSError:
        return False


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def _proc_address(host: str, port: int) -> str:
    """``127.0.0.1``, 5000 -> ``0100007F:1388``, as ``/proc/net/tcp`` writes it (little-endian
    address, big-endian port)."""
    packed = bytes(int(part) for part in host.split("."))
    return f"{int.from_bytes(packed, 'little'):08X}:{port:04X}"


class _BadRequest(Exception):
    """Not HTTP/1.1 the runtime client would send: the connection is closed."""


def _parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    if len(head) > MAX_HEAD:
        raise _BadRequest("head too large")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequest("bad request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise _BadRequest("bad header")
        headers[name.lower()] = value.strip()
    return parts[0], parts[1], parts[2], headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadRequest("bad chunk size") from None
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return bytes(body)
            if size < 0 or len(body) + size > MAX_BODY:
                raise _BadRequest("body too large")
            body += await reader.readexactly(size)
            await reader.readexactly(2)
    length = headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY:
        raise _BadRequest("bad content-length")
    return await reader.readexactly(int(length)) if int(length) else b""


_REASONS: Final = {200: "OK", 202: "Accepted", 400: "Bad Request", 403: "Forbidden",
                   404: "Not Found", 413: "Request Entity Too Large"}  # fmt: skip


def _response(
    status: int, headers: list[tuple[str, str]], payload: bytes, keep_alive: bool
) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines.append(f"content-length: {len(payload)}")
    if not keep_alive:
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def _accepted() -> tuple[int, list[tuple[str, str]], bytes]:
    return 202, [("content-type", "application/json")], b'{"status":"OK"}'


def _forbidden() -> tuple[int, list[tuple[str, str]], bytes]:
    return _error(403, "AccessDeniedException", "Only the worker may call its Runtime API")


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
