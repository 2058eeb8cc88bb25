from __future__ import annotations

import asyncio
import datetime
import json

import pytest

from lambdakit.testing import websocket_message_event
from lambdakit.websocket import APIGatewayWSConnectionManager
from lambdakit.websocket.messaging import (
    MAX_PAYLOAD_BYTES,
    PayloadTooLargeError,
    WebSocketSender,
    endpoint_from_event,
    resolve_endpoint,
)
from lambdakit.websocket.stores.memory import MemoryStore
from tests.websocket.management_api import ManagementApi

boto3 = pytest.importorskip("boto3")


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("LAMBDAKIT_WS_ENDPOINT", raising=False)


@pytest.fixture
def api():
    with ManagementApi() as server:
        yield server


def run(coroutine):
    return asyncio.run(coroutine)


def test_send_json_text_and_bytes(api):
    api.open.add("c1=")
    sender = WebSocketSender(api.endpoint)

    async def scenario():
        return [
            await sender.send("c1=", {"a": 1}),
            await sender.send("c1=", "hi"),
            await sender.send("c1=", b"\x00"),
        ]

    results = run(scenario())
    assert all(r.ok for r in results)
    assert api.received["c1="] == [b'{"a":1}', b"hi", b"\x00"]


def test_gone_connection_is_reported_and_cleaned_up(api):
    manager = APIGatewayWSConnectionManager("t", store=MemoryStore())

    async def scenario():
        await manager.connect("left=")
        result = await manager.send("left=", "x", endpoint_url=api.endpoint)
        return result, await manager.get_connection("left=")

    result, connection = run(scenario())
    assert (result.ok, result.gone, result.error) == (False, True, "GoneException")
    assert connection is None  # marked disconnected


def test_payload_too_large_is_refused_before_any_call(api):
    api.open.add("c1=")
    sender = WebSocketSender(api.endpoint)
    with pytest.raises(PayloadTooLargeError):
        run(sender.broadcast("x" * (MAX_PAYLOAD_BYTES + 1), ["c1="]))
    assert api.calls == 0
    assert run(sender.send("c1=", "x" * MAX_PAYLOAD_BYTES)).ok


def test_broadcast_to_many_with_bounded_concurrency(api):
    ids = [f"c{i}=" for i in range(300)]
    api.open.update(ids[:250])  # 50 have left
    manager = APIGatewayWSConnectionManager("t", store=MemoryStore())

    async def scenario():
        for cid in ids:
            await manager.connect(cid)
        results = await manager.broadcast({"msg": "hello"}, endpoint_url=api.endpoint)
        return results, await manager.list_connections()

    results, remaining = run(scenario())
    assert [r.connection_id for r in results] == ids
    assert sum(r.ok for r in results) == 250
    assert sum(r.gone for r in results) == 50
    assert len(remaining) == 250
    assert all(api.received[cid] == [b'{"msg":"hello"}'] for cid in ids[:250])


def test_transient_errors_are_retried(api):
    api.open.add("c1=")
    api.fail_next = 2
    assert run(WebSocketSender(api.endpoint).send("c1=", "x")).ok
    assert api.calls == 3


def test_persistent_errors_become_results(api):
    api.open.add("c1=")
    api.fail_next = 100
    result = run(WebSocketSender(api.endpoint, max_attempts=2).send("c1=", "x"))
    assert (result.ok, result.gone) == (False, False)
    assert result.error is not None


def test_close_and_connection_info(api):
    api.open.add("c1=")
    sender = WebSocketSender(api.endpoint)
    info = run(sender.connection_info("c1="))
    assert info["identity"] == {"sourceIp": "203.0.113.10", "userAgent": "test"}
    assert isinstance(info["connectedAt"], datetime.datetime)
    assert run(sender.close("c1=")).ok
    assert run(sender.connection_info("c1=")) is None
    assert run(sender.close("c1=")).gone


def test_endpoint_from_event(monkeypatch):
    event = websocket_message_event(
        domain_name="abc.execute-api.eu-west-1.amazonaws.com", stage="dev"
    )
    assert endpoint_from_event(event) == "https://abc.execute-api.eu-west-1.amazonaws.com/dev"
    custom = websocket_message_event(domain_name="ws.example.com", stage="prod")
    custom["requestContext"]["apiId"] = "abc123"
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert endpoint_from_event(custom) == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    monkeypatch.setenv("LAMBDAKIT_WS_ENDPOINT", "http://127.0.0.1:3000/local/")
    assert resolve_endpoint(None, event) == "http://127.0.0.1:3000/local"
    assert resolve_endpoint("http://x/y", event) == "http://x/y"
    monkeypatch.delenv("LAMBDAKIT_WS_ENDPOINT")
    with pytest.raises(ValueError, match="endpoint"):
        resolve_endpoint()


def test_message_encoding_is_json_by_default(api):
    api.open.add("c1=")
    run(WebSocketSender(api.endpoint).send("c1=", [{"ts": datetime.date(2026, 1, 2)}]))
    assert json.loads(api.received["c1="][0]) == [{"ts": "2026-01-02"}]


def test_manager_takes_a_management_client(api):
    api.open.add("c1=")
    manager = APIGatewayWSConnectionManager(
        "t",
        store=MemoryStore(),
        management_client=boto3.session.Session().client(
            "apigatewaymanagementapi", endpoint_url=api.endpoint, region_name="us-east-1"
        ),
    )
    assert run(manager.send("c1=", "hi", endpoint_url="http://unused.invalid/x")).ok
    assert api.received["c1="] == [b"hi"]
