from __future__ import annotations

import asyncio
import json
import time

import pytest

from lambdakit.local.config import FunctionRef, GatewayConfig, Limits, WebSocketApi
from tests.local import apps

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidStatus  # noqa: E402


def config(
    *,
    catch_all: str | None = "websocket",
    routes: dict[str, str] | None = None,
    expression: str = "$request.body.action",
    limits: Limits | None = None,
) -> GatewayConfig:
    def ref(name: str) -> FunctionRef:
        return FunctionRef(f"tests.local.apps:{name}", 5)

    return GatewayConfig(
        websocket=WebSocketApi(
            routes={k: ref(v) for k, v in (routes or {}).items()},
            route_selection_expression=expression,
            catch_all=ref(catch_all) if catch_all else None,
        ),
        limits=limits or Limits(),
    )


def run(coroutine):
    return asyncio.run(coroutine)


async def receive_json(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached")
        time.sleep(0.02)


@pytest.fixture(autouse=True)
def clean_events():
    apps.ws_events.clear()


def test_connect_event_and_route_responses(serve):
    gateway = serve(config())

    async def scenario():
        async with connect(
            gateway.ws + "?token=abc&tag=1&tag=2",
            additional_headers={"X-Client": "t"},
            user_agent_header="tester/1.0",
        ) as ws:
            await ws.send(json.dumps({"action": "echo", "n": 1}))
            echoed = await receive_json(ws)
            await ws.send("plain text")
            defaulted = await receive_json(ws)
            await ws.send(json.dumps({"action": "silent"}))
            await ws.send(json.dumps({"action": "echo", "n": 2}))
            second = await receive_json(ws)  # the silent route sent nothing back
            return echoed, defaulted, second

    echoed, defaulted, second = run(scenario())
    assert echoed["echo"] == {"action": "echo", "n": 1}
    assert defaulted == {"default": "plain text"}
    assert second["echo"]["n"] == 2
    connect_event = apps.ws_events[0]
    assert connect_event["requestContext"]["eventType"] == "CONNECT"
    assert connect_event["headers"]["User-Agent"] == "tester/1.0"
    assert connect_event["headers"]["X-Client"] == "t"
    assert "Sec-WebSocket-Key" in connect_event["headers"]
    assert connect_event["queryStringParameters"] == {"token": "abc", "tag": "2"}
    assert connect_event["multiValueQueryStringParameters"]["tag"] == ["1", "2"]
    context = connect_event["requestContext"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["stage"] == "local"
    assert context["domainName"] == f"127.0.0.1:{gateway.port}"
    assert len(context["connectionId"]) == 16
    message = apps.ws_events[1]
    assert "headers" not in message  # a MESSAGE event has none, as on AWS
    assert message["requestContext"]["routeKey"] == "echo"
    assert message["requestContext"]["connectionId"] == context["connectionId"]


@pytest.mark.parametrize("status", [401, 403, 500])
def test_connect_result_decides_the_handshake(serve, status):
    gateway = serve(config())

    async def scenario():
        with pytest.raises(InvalidStatus) as caught:
            async with connect(f"{gateway.ws}?deny={status}"):
                pass
        return caught.value.response.status_code

    assert run(scenario()) == status


def test_disconnect_carries_code_and_reason(serve):
    gateway = serve(config())

    async def scenario():
        async with connect(gateway.ws) as ws:
            await ws.close(code=4000, reason="bye now")

    run(scenario())
    wait_for(lambda: any(e["requestContext"]["eventType"] == "DISCONNECT" for e in apps.ws_events))
    disconnect = apps.ws_events[-1]["requestContext"]
    assert (disconnect["disconnectStatusCode"], disconnect["disconnectReason"]) == (4000, "bye now")


def test_handler_error_keeps_the_socket_open(serve):
    gateway = serve(config(catch_all="websocket_crashes"))

    async def scenario():
        async with connect(gateway.ws) as ws:
            await ws.send(json.dumps({"action": "anything"}))
            first = await receive_json(ws)
            await ws.send(json.dumps({"action": "again"}))
            second = await receive_json(ws)
            return first, second

    first, second = run(scenario())
    assert first["message"] == second["message"] == "Internal server error"
    assert set(first) == {"message", "connectionId", "requestId"}


def test_no_matching_route_sends_forbidden(serve):
    # With a template only its routes exist: here "echo", and no $default.
    gateway = serve(config(catch_all=None, routes={"echo": "websocket"}))

    async def scenario():
        async with connect(gateway.ws) as ws:
            await ws.send(json.dumps({"action": "unknown"}))
            return await receive_json(ws)

    answer = run(scenario())
    assert answer["message"] == "Forbidden"
    assert answer["connectionId"]


def test_custom_route_selection_expression(serve):
    gateway = serve(config(expression="$request.body.meta.kind"))

    async def scenario():
        async with connect(gateway.ws) as ws:
            await ws.send(json.dumps({"meta": {"kind": "echo"}}))
            return await receive_json(ws)

    assert run(scenario())["echo"] == {"meta": {"kind": "echo"}}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param("x" * (2048 + 1), 1009, id="too-big"),
        pytest.param(b"\x00\x01", 1003, id="binary"),
    ],
)
def test_limits_close_the_connection(serve, frame, code):
    gateway = serve(config(limits=Limits(max_message_bytes=2048)))

    async def scenario():
        async with connect(gateway.ws) as ws:
            await ws.send(frame)
            with pytest.raises(ConnectionClosed) as caught:
                await asyncio.wait_for(ws.recv(), 5)
            assert caught.value.rcvd is not None
            return caught.value.rcvd.code

    assert run(scenario()) == code


@pytest.mark.parametrize(
    "limits",
    [
        pytest.param(Limits(idle_timeout=0.3), id="idle-timeout"),
        pytest.param(Limits(max_duration=0.5), id="max-duration"),
    ],
)
def test_timeouts_close_with_going_away(serve, limits):
    gateway = serve(config(limits=limits))

    async def scenario():
        async with connect(gateway.ws) as ws:
            # Idle test: quieter than the idle timeout. Duration test: chatty, so only the
            # maximum duration can end it.
            pause = 0.5 if limits.idle_timeout < 1 else 0.1

            async def talk() -> None:
                while True:
                    await ws.send(json.dumps({"action": "silent"}))
                    await asyncio.sleep(pause)

            with pytest.raises(ConnectionClosed) as caught:
                await asyncio.wait_for(talk(), 10)
            assert caught.value.rcvd is not None
            return caught.value.rcvd.code

    assert run(scenario()) == 1001


def test_a_client_that_vanishes_mid_message_does_not_hurt_others(serve):
    gateway = serve(config())

    async def scenario():
        vanishing = await connect(gateway.ws)
        await vanishing.send(json.dumps({"action": "echo"}))
        vanishing.transport.abort()  # no close frame: the TCP connection just drops
        async with connect(gateway.ws) as ws:
            await ws.send(json.dumps({"action": "echo", "ok": True}))
            return await receive_json(ws)

    assert run(scenario())["echo"]["ok"] is True
    # The server still sends $disconnect for it (uvicorn reports a dropped connection as 1005).
    wait_for(
        lambda: any(
            e["requestContext"].get("disconnectStatusCode") in (1005, 1006) for e in apps.ws_events
        )
    )


@pytest.mark.parametrize("path", ["/", "/prod", "/local/extra"])
def test_the_websocket_api_lives_at_its_stage_only(serve, path):
    gateway = serve(config())

    async def scenario():
        with pytest.raises(InvalidStatus) as caught:
            async with connect(f"ws://127.0.0.1:{gateway.port}{path}"):
                pass
        return caught.value.response.status_code

    assert run(scenario()) == 403


def test_a_route_past_the_integration_timeout_is_told_so_and_the_socket_stays(serve):
    """API Gateway waits 29 s for a WebSocket route's integration (0.5 s here): then the
    client gets "Endpoint request timed out" while the function runs on."""
    limits = Limits(rest_integration_timeout=0.5)
    gateway = serve(config(routes={"slow": "slow"}, limits=limits))

    async def scenario():
        async with connect(gateway.ws) as ws:
            await ws.send(json.dumps({"action": "slow"}))
            late = await receive_json(ws)
            await ws.send(json.dumps({"action": "echo", "n": 1}))
            return late, await receive_json(ws)

    late, after = run(scenario())
    assert late["message"] == "Endpoint request timed out"
    assert late["connectionId"]
    assert late["requestId"]
    assert after != late  # the connection serves the next message


def test_connect_past_the_integration_timeout_is_a_504(serve):
    limits = Limits(rest_integration_timeout=0.5)
    gateway = serve(config(routes={"$connect": "slow"}, limits=limits))

    async def scenario():
        try:
            async with connect(gateway.ws):
                return 101, b""
        except InvalidStatus as error:
            return error.response.status_code, error.response.body

    assert run(scenario()) == (504, b'{"message":"Endpoint request timed out"}')


def test_a_slow_route_does_not_hold_the_next_message(serve):
    """API Gateway invokes each message's route on its own: the echo sent after a slow
    message is answered first."""
    gateway = serve(config(routes={"slow": "slow"}))  # slow: answers after 1.5 s

    async def scenario():
        async with connect(gateway.ws) as ws:
            await ws.send(json.dumps({"action": "slow"}))
            await ws.send(json.dumps({"action": "echo", "n": 1}))
            first = await asyncio.wait_for(ws.recv(), 5)
            second = await asyncio.wait_for(ws.recv(), 5)
            return first, second

    first, second = run(scenario())
    assert second == "late"  # the slow route's body, sent back when it ended
    assert first != "late"
