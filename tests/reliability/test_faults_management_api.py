"""``@connections`` failing under the sender and the connection manager, on a real HTTP server.

- 5xx and 429 answers are retried (botocore ``standard`` mode) and absorbed when they pass;
  when they persist, the send is reported as an error, never raised, and the connection is
  left as it is (a 5xx says nothing about the client).
- A slow API is timed out (``timeout`` per attempt, ``max_attempts`` in all); a timed-out call
  may still have been delivered, so a message can arrive more than once (at least once).
- 410 Gone is never retried: the connection is marked disconnected and reported ``gone``.
- A route handler that broadcasts while ``@connections`` is failing still answers.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from typing import Any

import pytest

from lambdakit.testing import websocket_message_event
from lambdakit.websocket import APIGatewayWSConnectionManager, WebSocketResolver
from lambdakit.websocket.messaging import WebSocketSender
from lambdakit.websocket.stores import MemoryStore
from tests.reliability.flaky_management_api import FlakyManagementApi


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.fixture(autouse=True)
def credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_REGION", "us-east-1")


@pytest.fixture
def api():
    with FlakyManagementApi(stage="prod") as server:
        yield server


def make_sender(api: FlakyManagementApi, **options: Any) -> WebSocketSender:
    options.setdefault("region_name", "us-east-1")
    return WebSocketSender(api.endpoint, **options)


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached")
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param(500, "InternalServerErrorException", id="500"),
        pytest.param(502, "BadGatewayException", id="502"),
        pytest.param(503, "ServiceUnavailableException", id="503"),
        pytest.param(504, "GatewayTimeoutException", id="504"),
        pytest.param(429, "LimitExceededException", id="429-throttled"),
    ],
)
def test_transient_failures_are_retried_and_absorbed(api, status, error):
    api.open.add("c1=")
    api.fail_with = [(status, error)] * 2
    with make_sender(api, max_attempts=3) as sender:
        result = run(sender.send("c1=", {"n": 1}))
    assert result.ok
    assert api.calls == 3
    assert api.received["c1="] == [b'{"n":1}']  # delivered once


def test_persistent_5xx_is_reported_not_raised_and_leaves_the_connection(api):
    manager = APIGatewayWSConnectionManager("t", store=MemoryStore())
    ids = [f"c{i}=" for i in range(5)]
    for connection_id in ids:
        run(manager.connect(connection_id))
        api.open.add(connection_id)
    api.fail_with = [(503, "ServiceUnavailableException")] * 1000
    results = run(manager.broadcast({"hello": 1}, endpoint_url=api.endpoint))
    assert [r.connection_id for r in results] == ids
    assert all(not r.ok and not r.gone and r.error for r in results)
    assert api.calls == 5 * 3  # the sender's default: 3 attempts each
    assert len(run(manager.list_connections())) == 5  # a 5xx says nothing about the client
    api.fail_with = []
    assert all(r.ok for r in run(manager.broadcast({"hello": 2}, endpoint_url=api.endpoint)))


def test_a_slow_api_is_timed_out_and_a_message_may_arrive_twice(api):
    api.open.add("slow=")
    api.delay = 30.0  # far past the timeout: the waits end at release()
    with make_sender(api, max_attempts=2, timeout=0.3) as sender:
        result = run(sender.send("slow=", "hi"))
        assert not result.ok
        assert not result.gone
        assert result.error == "ReadTimeoutError"
        api.release()  # the server finishes the calls the client gave up on
        wait_for(lambda: api.calls == 2)
    # Each timed-out attempt still took effect: at-least-once delivery, as against AWS.
    assert api.received["slow="] == [b"hi", b"hi"]


def test_a_broadcast_to_a_slow_api_ends_within_its_bound(api):
    ids = [f"s{i}=" for i in range(50)]
    api.open.update(ids)
    api.delay = 30.0
    with make_sender(api, max_attempts=2, timeout=0.2, max_concurrency=16) as sender:
        results = run(sender.broadcast("hi", ids))
    api.release()
    assert len(results) == 50
    # Under load the 0.2 s bound also catches connecting: either way, a timeout per call.
    assert all(r.error in ("ReadTimeoutError", "ConnectTimeoutError") for r in results)


def test_gone_is_not_retried_and_marks_the_connection_disconnected(api):
    manager = APIGatewayWSConnectionManager("t", store=MemoryStore())
    for connection_id in ("here=", "left="):
        run(manager.connect(connection_id))
    api.open.add("here=")
    results = run(manager.broadcast("x", endpoint_url=api.endpoint))
    by_id = {r.connection_id: r for r in results}
    assert by_id["here="].ok
    assert by_id["left="].gone
    assert by_id["left="].error == "GoneException"
    assert api.calls == 2  # one call each: 410 is final
    assert run(manager.get_connection("left=")) is None
    stored = run(manager.get_connection("left=", include_disconnected=True))
    assert stored is not None
    assert stored.status == "disconnected"
    assert [c.connection_id for c in run(manager.list_connections())] == ["here="]


def test_an_unreachable_api_is_reported(api):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/prod"
    with WebSocketSender(closed, max_attempts=2, region_name="us-east-1") as sender:
        result = run(sender.send("x=", "hi"))
    assert not result.ok
    assert not result.gone
    assert result.error == "EndpointConnectionError"


def test_a_route_handler_broadcasting_through_failures_still_answers(api, monkeypatch):
    monkeypatch.setenv("LAMBDAKIT_WS_ENDPOINT", api.endpoint)
    manager = APIGatewayWSConnectionManager("t", store=MemoryStore())
    resolver = WebSocketResolver()

    @resolver.on_message("shout")
    async def shout(event: Any, context: Any, connection_id: str, body: Any) -> Any:
        results = await manager.broadcast({"text": body["text"]}, event=event)
        return {
            "delivered": sum(r.ok for r in results),
            "gone": sum(r.gone for r in results),
            "failed": sum(bool(r.error) and not r.gone for r in results),
        }

    for connection_id in ("a=", "b=", "c="):
        run(manager.connect(connection_id))
    api.open.update({"a=", "b="})
    api.fail_with = [(500, "InternalServerErrorException")] * 3  # a=: its 3 attempts
    event = websocket_message_event({"action": "shout", "text": "hi"}, route_key="shout")
    result = resolver.resolve(event, None)
    assert result["statusCode"] == 200
    counts = json.loads(result["body"])
    assert counts["gone"] == 1
    assert counts["delivered"] + counts["failed"] == 2
