"""The Runtime API's HTTP/1.1, spoken over a raw socket as a runtime client may speak it:
keep-alive, ``Content-Length`` and chunked bodies, ``Expect: 100-continue``, Lambda's checks."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from lambdakit.local.runtime_api import MAX_RESPONSE, Outcome, PendingInvocation, RuntimeApi


async def _exchange(writer: asyncio.StreamWriter, reader: asyncio.StreamReader, raw: bytes):
    writer.write(raw)
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    status = int(head.split(" ", 2)[1])
    headers = {
        k.lower(): v.strip()
        for k, _, v in (line.partition(":") for line in head.split("\r\n")[1:] if line)
    }
    body = await reader.readexactly(int(headers["content-length"]))
    return status, headers, body


def run(coroutine):
    return asyncio.run(coroutine)


async def _started(worker_pid: int | None = None) -> tuple[RuntimeApi, int]:
    """A Runtime API whose worker is ``worker_pid`` (this test process by default)."""
    api = RuntimeApi()
    port = await api.start()
    api.expect_worker(os.getpid() if worker_pid is None else worker_pid)
    return api, port


def _next(port: int, extra: bytes = b"") -> bytes:
    return (
        b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
        + f"Host: 127.0.0.1:{port}\r\n".encode()
        + extra
        + b"\r\n"
    )


def test_next_then_response_on_one_connection_with_a_chunked_body():
    async def scenario() -> tuple[Outcome, list[int]]:
        api, port = await _started()
        pending = PendingInvocation("req-1", b'{"a": 1}', 123, "arn:aws:lambda:x")
        api.submit(pending)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, headers, body = await _exchange(writer, reader, _next(port))
        assert (status, body) == (200, b'{"a": 1}')
        assert headers["lambda-runtime-aws-request-id"] == "req-1"
        assert headers["lambda-runtime-deadline-ms"] == "123"
        wrong, _, error = await _exchange(
            writer,
            reader,
            b"POST /2018-06-01/runtime/invocation/other/response HTTP/1.1\r\n"
            + f"Host: 127.0.0.1:{port}\r\n".encode()
            + b"Content-Length: 2\r\n\r\n{}",
        )
        assert json.loads(error)["errorType"] == "InvalidRequestID"
        chunked = (
            b"POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\n"
            + f"Host: 127.0.0.1:{port}\r\n".encode()
            + b"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
            b'4\r\n{"ok\r\n5;ext=1\r\n": 1}\r\n0\r\n\r\n'
        )
        writer.write(chunked)
        continued = await reader.readuntil(b"\r\n\r\n")
        assert continued.startswith(b"HTTP/1.1 100")
        head = await reader.readuntil(b"\r\n\r\n")
        outcome = await pending.outcome
        writer.close()
        await api.close()
        return outcome, [wrong, int(head.split(b" ")[1])]

    outcome, statuses = run(scenario())
    assert outcome == Outcome(b'{"ok": 1}')
    assert statuses == [400, 202]


def test_an_error_and_a_response_over_the_quota():
    async def scenario() -> tuple[Outcome, Outcome, int]:
        api, port = await _started()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        outcomes = []
        statuses = []
        for request_id, post in (
            ("e", b"error\r\nLambda-Runtime-Function-Error-Type: Runtime.Custom"),
            ("big", b"response"),
        ):
            pending = PendingInvocation(request_id, b"{}", 0, "arn")
            api.submit(pending)
            await _exchange(writer, reader, _next(port))
            body = b'{"errorMessage": "m"}' if request_id == "e" else b"x" * (MAX_RESPONSE + 1)
            target = f"/2018-06-01/runtime/invocation/{request_id}/".encode()
            status, _, _ = await _exchange(
                writer,
                reader,
                b"POST "
                + target
                + post.split(b"\r\n")[0]
                + b" HTTP/1.1\r\n"
                + f"Host: 127.0.0.1:{port}\r\n".encode()
                + b"".join(line + b"\r\n" for line in post.split(b"\r\n")[1:])
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body,
            )
            statuses.append(status)
            outcomes.append(await pending.outcome)
        writer.close()
        await api.close()
        return outcomes[0], outcomes[1], statuses[1]

    error, too_large, status = run(scenario())
    assert error == Outcome(b'{"errorMessage": "m"}', "Runtime.Custom")
    assert too_large.error_type == "Unhandled"
    assert json.loads(too_large.payload)["errorType"] == "Function.ResponseSizeTooLarge"
    assert status == 413


def test_a_malformed_request_closes_the_connection():
    async def scenario() -> bytes:
        api, port = await _started()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"NONSENSE\r\n\r\n")
        await writer.drain()
        rest = await reader.read()
        writer.close()
        await api.close()
        return rest

    assert run(scenario()) == b""


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(b"Host: localhost:{port}\r\n", id="another-host"),
        pytest.param(b"Host: 127.0.0.1:{port}\r\nOrigin: http://evil.example\r\n", id="origin"),
        pytest.param(b"Host: 127.0.0.1:{port}\r\nSec-Fetch-Site: cross-site\r\n", id="browser"),
        pytest.param(b"", id="no-host"),
    ],
)
def test_a_request_not_from_the_runtime_client_is_refused(headers: bytes):
    async def scenario() -> tuple[int, bool]:
        api, port = await _started()
        pending = PendingInvocation("secret", b'{"authorization": "Bearer x"}', 0, "arn")
        api.submit(pending)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
        status, _, body = await _exchange(
            writer, reader, head + headers.replace(b"{port}", str(port).encode()) + b"\r\n"
        )
        writer.close()
        await api.close()
        return status, b"secret" in body

    assert run(scenario()) == (403, False)


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="peers are told by /proc")
def test_another_local_process_cannot_take_the_next_event():
    """The worker is another process: this one, with the right Host, is still refused."""

    async def scenario() -> tuple[int, bool]:
        worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
        try:
            api, port = await _started(worker.pid)
            api.submit(PendingInvocation("secret", b"{}", 0, "arn"))
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            status, headers, _ = await _exchange(writer, reader, _next(port))
            writer.close()
            await api.close()
            return status, "lambda-runtime-aws-request-id" in headers
        finally:
            worker.kill()
            worker.wait()

    assert run(scenario()) == (403, False)


def test_a_connection_before_the_worker_is_known_waits_for_it():
    async def scenario() -> int:
        api = RuntimeApi()
        port = await api.start()
        api.submit(PendingInvocation("r", b"{}", 0, "arn"))
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(_next(port))
        await writer.drain()
        await asyncio.sleep(0.05)
        api.expect_worker(os.getpid())  # spawned: its pid is known only now
        head = await reader.readuntil(b"\r\n\r\n")
        writer.close()
        await api.close()
        return int(head.split(b" ")[1])

    assert run(scenario()) == 200


def test_a_second_concurrent_next_is_refused():
    async def scenario() -> int:
        api, port = await _started()
        _, first = await asyncio.open_connection("127.0.0.1", port)
        first.write(_next(port))
        await first.drain()
        await asyncio.wait_for(api.polled.wait(), 5)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, _, _ = await _exchange(writer, reader, _next(port))
        for each in (first, writer):
            each.close()
        await api.close()
        return status

    assert run(scenario()) == 400
