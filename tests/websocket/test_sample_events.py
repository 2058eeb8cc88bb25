"""AWS's sample WebSocket events dispatch to the right handler with the right arguments, and
malformed ones leave the stored state untouched."""

from __future__ import annotations

import asyncio
import copy

import pytest

from lambdakit.websocket import APIGatewayWSConnectionManager, WebSocketResolver
from lambdakit.websocket.stores.memory import MemoryStore
from tests.conftest import load_event


@pytest.mark.parametrize(
    ("name", "route", "connection_id", "body"),
    [
        pytest.param(
            "powertools/apiGatewayWebSocketApiConnect.json",
            "$connect",
            "BFHPhfCWIAMCKlQ=",
            None,
            id="powertools-connect",
        ),
        pytest.param(
            "powertools/apiGatewayWebSocketApiMessage.json",
            "chat",
            "BFaT_fALIAMCKug=",
            {"action": "chat", "message": "Hello from client"},
            id="powertools-message",
        ),
        pytest.param(
            "powertools/apiGatewayWebSocketApiDisconnect.json",
            "$disconnect",
            "BFaT_fALIAMCKug=",
            None,
            id="powertools-disconnect",
        ),
        pytest.param(
            "aws-lambda-go/apigw-websocket-request-send-message.json",
            "$default",
            "R1kmxc2VNjMCFIA=",
            {"a": 1},
            id="go-send-message",
        ),
        pytest.param(
            "aws-lambda-go/apigw-websocket-request-disconnect.json",
            "$disconnect",
            "R1kmxc2VNjMCFIA=",
            None,
            id="go-disconnect",
        ),
        # Not a real capture: REST fields mixed in (httpMethod, a body on $connect). The
        # route key decides, and $connect handlers take no body.
        pytest.param(
            "aws-lambda-go/apigw-websocket-request.json",
            "$connect",
            "TWegAcC4EowCHnA=",
            None,
            id="go-mixed-connect",
        ),
    ],
)
def test_sample_events_dispatch(name, route, connection_id, body):
    resolver = WebSocketResolver()
    calls = []
    resolver.on_connect()(lambda e, c, cid: calls.append(("$connect", cid, None)))
    resolver.on_disconnect()(lambda e, c, cid: calls.append(("$disconnect", cid, None)))
    resolver.on_message("chat")(lambda e, c, cid, b: calls.append(("chat", cid, b)))
    resolver.on_message("$default")(lambda e, c, cid, b: calls.append(("$default", cid, b)))

    result = resolver.resolve(load_event(name), None)
    assert result == {"statusCode": 200}
    assert calls == [(route, connection_id, body)]


def broken_events():
    message = load_event("powertools/apiGatewayWebSocketApiMessage.json")
    no_context = copy.deepcopy(message)
    del no_context["requestContext"]
    no_id = copy.deepcopy(message)
    del no_id["requestContext"]["connectionId"]
    null_route = copy.deepcopy(message)
    null_route["requestContext"]["routeKey"] = None
    wrong_type = copy.deepcopy(message)
    wrong_type["requestContext"] = "chat"
    return [no_context, no_id, null_route, wrong_type, {}, None, "event"]


def test_malformed_events_leave_stored_state_untouched():
    store = MemoryStore()
    manager = APIGatewayWSConnectionManager("t", store=store)
    asyncio.run(manager.connect("BFaT_fALIAMCKug="))
    before = dict(store._records)
    resolver = WebSocketResolver()

    @resolver.middleware
    async def track(event, context, next_handler):
        await manager.update_last_seen(event["requestContext"]["connectionId"])
        return await next_handler(event, context)

    @resolver.on_message("chat")
    async def chat(event, context, connection_id, body):
        await manager.disconnect(connection_id)

    for event in broken_events():
        result = resolver.resolve(event, None)
        assert result["statusCode"] == 400
    assert store._records == before
