"""API Gateway's limits, answered as AWS answers them (issue 13, item 4), through the local
server with real clients: 32 KB WebSocket frames (1009), 6 MB function responses (502), 10 KB of
request headers (431), and 204/304 without a body."""

from __future__ import annotations

import asyncio
import http.client
import json
import time
from typing import Any

import pytest

from lambdakit.local.config import FunctionRef, GatewayConfig, HttpRoute, WebSocketApi
from tests.local import apps

pytest.importorskip("websockets")
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


def http_config(handler: str) -> GatewayConfig:
    function = FunctionRef(f"tests.local.apps:{handler}", 10)
    return GatewayConfig(http_routes=(HttpRoute("ANY", "$default", function),))


def get(
    port: int, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def websocket_config() -> GatewayConfig:
    function = FunctionRef("tests.local.apps:websocket", 5)
    return GatewayConfig(websocket=WebSocketApi(routes={}, catch_all=function))


def test_a_frame_over_32_kb_closes_with_1009(serve):
    gateway = serve(websocket_config())
    apps.ws_events.clear()

    async def scenario() -> int:
        async with connect(gateway.ws, max_size=None) as ws:
            await ws.send(json.dumps({"action": "echo", "pad": "x" * 33 * 1024}))
            with pytest.raises(ConnectionClosed) as caught:
                await asyncio.wait_for(ws.recv(), 5)
            assert caught.value.rcvd is not None
            return caught.value.rcvd.code

    assert asyncio.run(scenario()) == 1009

    def disconnects() -> list[dict[str, Any]]:
        return [e for e in apps.ws_events if e["requestContext"]["eventType"] == "DISCONNECT"]

    deadline = time.monotonic() + 5
    while not disconnects() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert disconnects()[-1]["requestContext"]["disconnectStatusCode"] == 1009


def test_a_message_in_frames_of_32_kb_passes_up_to_128_kb(serve):
    gateway = serve(websocket_config())
    text = json.dumps({"action": "echo", "pad": "y" * 100 * 1024})
    chunks = [text[i : i + 30 * 1024] for i in range(0, len(text), 30 * 1024)]

    async def scenario() -> dict[str, object]:
        async with connect(gateway.ws, max_size=None) as ws:
            await ws.send(chunks)  # one message, fragmented into frames under 32 KB
            reply: dict[str, object] = json.loads(await asyncio.wait_for(ws.recv(), 5))
            return reply

    assert asyncio.run(scenario())["echo"] == json.loads(text)


def test_a_response_over_6_mb_is_502(serve):
    gateway = serve(http_config("huge"))
    status, _, body = get(gateway.port, "/")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})


@pytest.mark.parametrize(
    ("size", "status"),
    [pytest.param(9 * 1024, 200, id="under"), pytest.param(11 * 1024, 431, id="over")],
)
def test_request_headers_over_10_kb(serve, size, status):
    gateway = serve(http_config("echo"))
    assert get(gateway.port, "/", {"X-Big": "z" * size})[0] == status


@pytest.mark.parametrize("code", [204, 304])
def test_bodiless_statuses_drop_the_body(serve, code):
    gateway = serve(http_config("no_content"))
    for _ in range(2):  # the connection and the server keep working
        status, headers, body = get(gateway.port, f"/?status={code}")
        assert (status, body) == (code, b"")
        assert "content-length" not in {k.lower() for k in headers}
