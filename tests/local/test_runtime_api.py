"""The Runtime API's HTTP/1.1, spoken over a raw socket as a runtime client may speak it:
keep-alive, ``Content-Length`` and chunked bodies, ``Expect: 100-continue``, Lambda's checks."""

from __future__ import annotations

import asyncio
import json

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


def test_next_then_response_on_one_connection_with_a_chunked_body():
    async def scenario() -> tuple[Outcome, list[int]]:
        api = RuntimeApi()
        port = await api.start()
        pending = PendingInvocation("req-1", b'{"a": 1}', 123, "arn:aws:lambda:x")
        api.submit(pending)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, headers, body = await _exchange(
            writer,
            reader,
            b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n"
            % port,
        )
        assert (status, body) == (200, b'{"a": 1}')
        assert headers["lambda-runtime-aws-request-id"] == "req-1"
        assert headers["lambda-runtime-deadline-ms"] == "123"
        wrong, _, error = await _exchange(
            writer,
            reader,
            b"POST /2018-06-01/runtime/invocation/other/response HTTP/1.1\r\n"
            b"Content-Length: 2\r\n\r\n{}",
        )
        assert json.loads(error)["errorType"] == "InvalidRequestID"
        chunked = (
            b"POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1\r\n"
            b"Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
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
        api = RuntimeApi()
        port = await api.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        outcomes = []
        statuses = []
        for request_id, post in (
            ("e", b"error\r\nLambda-Runtime-Function-Error-Type: Runtime.Custom"),
            ("big", b"response"),
        ):
            pending = PendingInvocation(request_id, b"{}", 0, "arn")
            api.submit(pending)
            await _exchange(
                writer, reader, b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n"
            )
            body = b'{"errorMessage": "m"}' if request_id == "e" else b"x" * (MAX_RESPONSE + 1)
            target = f"/2018-06-01/runtime/invocation/{request_id}/".encode()
            status, _, _ = await _exchange(
                writer,
                reader,
                b"POST "
                + target
                + post.split(b"\r\n")[0]
                + b" HTTP/1.1\r\n"
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
        api = RuntimeApi()
        port = await api.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"NONSENSE\r\n\r\n")
        await writer.drain()
        rest = await reader.read()
        writer.close()
        await api.close()
        return rest

    assert run(scenario()) == b""
