from __future__ import annotations

import asyncio
import base64
import json

import pytest

from lambdakit import AppError
from lambdakit.testing import (
    LambdaContext,
    websocket_connect_event,
    websocket_disconnect_event,
    websocket_message_event,
)
from lambdakit.websocket import Middleware, WebSocketResolver


def body_of(result):
    return json.loads(result["body"])


def test_routes_dispatch_with_the_seed_signatures():
    resolver = WebSocketResolver()
    calls = []

    @resolver.on_connect()
    def connect(event, context, connection_id):
        calls.append(("connect", connection_id, event["headers"]["Host"]))

    @resolver.on_disconnect()
    async def disconnect(event, context, connection_id):
        calls.append(("disconnect", connection_id, event["requestContext"]["disconnectStatusCode"]))

    @resolver.on_message("sendmessage")
    async def send(event, context, connection_id, body):
        calls.append(("sendmessage", connection_id, body))
        return {"echo": body}

    assert resolver.resolve(websocket_connect_event("c1="), LambdaContext()) == {"statusCode": 200}
    result = resolver.resolve(
        websocket_message_event(
            {"action": "sendmessage", "text": "hi"}, route_key="sendmessage", connection_id="c1="
        ),
        LambdaContext(),
    )
    assert result["statusCode"] == 200
    assert body_of(result) == {"echo": {"action": "sendmessage", "text": "hi"}}
    resolver.resolve(websocket_disconnect_event("c1=", status_code=1001), None)
    assert calls == [
        ("connect", "c1=", "abcdef1234.execute-api.us-east-1.amazonaws.com"),
        ("sendmessage", "c1=", {"action": "sendmessage", "text": "hi"}),
        ("disconnect", "c1=", 1001),
    ]


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        pytest.param({"a": 1}, {"a": 1}, id="json"),
        pytest.param("plain text", "plain text", id="text"),
        pytest.param(b"\x00\xff", b"\x00\xff", id="binary"),
        pytest.param(None, None, id="empty"),
        pytest.param("[" * 50_000, "[" * 50_000, id="too-deep-json-is-text"),
    ],
)
def test_message_body(frame, expected):
    resolver = WebSocketResolver()
    seen = []
    resolver.on_message()(lambda e, c, cid, body: seen.append(body))
    resolver.resolve(websocket_message_event(frame), None)
    assert seen == [expected]


def test_default_takes_unhandled_routes():
    resolver = WebSocketResolver()
    resolver.on_message("$default")(lambda e, c, cid, body: {"route": "default"})
    result = resolver.resolve(websocket_message_event("x", route_key="unknown"), None)
    assert body_of(result) == {"route": "default"}


def test_no_route_answers_like_api_gateway():
    resolver = WebSocketResolver()
    event = websocket_message_event("x", route_key="nothing", connection_id="c9=")
    result = resolver.resolve(event, None)
    assert result["statusCode"] == 403
    assert body_of(result) == {
        "message": "Forbidden",
        "connectionId": "c9=",
        "requestId": event["requestContext"]["requestId"],
    }


def test_connect_and_disconnect_without_handlers_are_accepted():
    resolver = WebSocketResolver()
    assert resolver.resolve(websocket_connect_event(), None)["statusCode"] == 200
    assert resolver.resolve(websocket_disconnect_event(), None)["statusCode"] == 200


def test_handler_error_is_internal_server_error_without_traceback():
    reports: list[str] = []
    resolver = WebSocketResolver(error_receiver=reports.append)

    @resolver.on_message("boom")
    async def boom(event, context, connection_id, body):
        raise RuntimeError("kaput")

    event = websocket_message_event("x", route_key="boom", connection_id="c2=")
    result = resolver.resolve(event, None)
    assert result["statusCode"] == 500
    assert body_of(result) == {
        "message": "Internal server error",
        "connectionId": "c2=",
        "requestId": event["requestContext"]["requestId"],
    }
    assert "kaput" in reports[0]
    assert "Traceback" in reports[0]


def test_traceback_when_enabled():
    resolver = WebSocketResolver(traceback=True)
    resolver.on_message()(lambda e, c, cid, b: 1 / 0)
    assert (
        "ZeroDivisionError"
        in body_of(resolver.resolve(websocket_message_event(), None))["traceback"]
    )


def test_app_error_keeps_its_code():
    resolver = WebSocketResolver()

    @resolver.on_connect()
    def connect(event, context, connection_id):
        raise AppError("B00401", "Unauthorized", status_code=401)

    result = resolver.resolve(websocket_connect_event(), None)
    assert result["statusCode"] == 401
    assert body_of(result)["rslt_cd"] == "B00401"


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        pytest.param(None, {"statusCode": 200}, id="none"),
        pytest.param({"ok": 1}, {"statusCode": 200, "body": '{"ok":1}'}, id="dict"),
        pytest.param(
            {"statusCode": 400, "message": "Invalid connection"},
            {
                "statusCode": 400,
                "body": '{"message":"Invalid connection"}',
                "headers": {"Content-Type": "application/json; charset=UTF-8"},
            },
            id="seed-status-and-keys",
        ),
        pytest.param(
            {"statusCode": 400, "body": json.dumps({"message": "Invalid connection"})},
            {"statusCode": 400, "body": '{"message": "Invalid connection"}'},
            id="proxy",
        ),
        pytest.param("pong", {"statusCode": 200, "body": "pong"}, id="text"),
    ],
)
def test_return_values(returned, expected):
    resolver = WebSocketResolver()
    resolver.on_message()(lambda e, c, cid, b: returned)
    assert resolver.resolve(websocket_message_event(), None) == expected


@pytest.mark.parametrize(
    ("event", "missing"),
    [
        pytest.param({}, "requestContext", id="empty"),
        pytest.param(
            {"requestContext": {"routeKey": "$default"}},
            "requestContext.connectionId",
            id="no-connection-id",
        ),
        pytest.param(
            {"requestContext": {"connectionId": "c="}}, "requestContext.routeKey", id="no-route-key"
        ),
        pytest.param(None, "requestContext", id="none"),
        pytest.param([1, 2], "requestContext", id="list"),
    ],
)
def test_malformed_events_are_client_errors(event, missing):
    resolver = WebSocketResolver()
    called = []
    resolver.on_message()(lambda *args: called.append(args))
    result = resolver.resolve(event, None)
    assert result["statusCode"] == 400
    assert body_of(result)["message"] == f"Malformed WebSocket event: no {missing}"
    assert body_of(result)["rslt_cd"] == "S40000"
    assert called == []


def test_duplicate_routes_fail_at_registration():
    resolver = WebSocketResolver()
    resolver.on_message("chat")(lambda *a: None)
    with pytest.raises(ValueError, match="already registered"):
        resolver.on_message("chat")(lambda *a: None)
    resolver.on_connect()(lambda *a: None)
    with pytest.raises(ValueError, match="already registered"):
        resolver.on_connect()(lambda *a: None)
    with pytest.raises(ValueError, match="on_connect"):
        resolver.on_message("$connect")
    assert resolver.routes == {"chat", "$connect"}


def test_middleware_in_registration_order_in_every_form():
    resolver = WebSocketResolver()
    order = []

    @resolver.middleware
    class First(Middleware):
        async def __call__(self, event, context, next_handler):
            order.append("first>")
            result = await next_handler(event, context)
            order.append("<first")
            return result

    class Second:
        async def __call__(self, event, context, next_handler):
            order.append("second")
            return await next_handler(event, context)

    resolver.middleware(Second())

    @resolver.middleware
    async def third(event, context, next_handler):
        order.append("third")
        return await next_handler(event, context)

    @resolver.middleware
    def fourth(event, context, next_handler):  # plain sync callable
        order.append("fourth")
        return next_handler(event, context)

    @resolver.on_message()
    async def handler(event, context, connection_id, body):
        await asyncio.sleep(0)
        order.append("handler")
        return {"done": True}

    assert body_of(resolver.resolve(websocket_message_event(), None)) == {"done": True}
    assert order == ["first>", "second", "third", "fourth", "handler", "<first"]


def test_middleware_can_short_circuit_and_sees_connect():
    resolver = WebSocketResolver()
    seen = []

    @resolver.middleware
    async def gate(event, context, next_handler):
        seen.append(event["requestContext"]["routeKey"])
        if event["requestContext"]["routeKey"] == "$connect":
            return {"statusCode": 401}
        return await next_handler(event, context)

    resolver.on_connect()(lambda *a: pytest.fail("must not be called"))
    assert resolver.resolve(websocket_connect_event(), None) == {"statusCode": 401}
    assert seen == ["$connect"]


def test_middleware_error_is_internal_server_error():
    resolver = WebSocketResolver()

    @resolver.middleware
    async def broken(event, context, next_handler):
        raise KeyError("oops")

    resolver.on_message()(lambda *a: None)
    assert resolver.resolve(websocket_message_event(), None)["statusCode"] == 500


def test_resolve_works_inside_a_running_loop():
    resolver = WebSocketResolver()

    @resolver.on_message()
    async def handler(event, context, connection_id, body):
        return {"ok": True}

    async def main():
        return resolver.resolve(websocket_message_event(), None)

    assert body_of(asyncio.run(main())) == {"ok": True}


def test_binary_frame_with_bad_base64_is_passed_as_text():
    resolver = WebSocketResolver()
    seen = []
    resolver.on_message()(lambda e, c, cid, b: seen.append(b))
    event = websocket_message_event(b"x")
    event["body"] = "%%%not-base64"
    resolver.resolve(event, None)
    assert seen == ["%%%not-base64"]
    event["body"] = base64.b64encode(b"ok").decode()
    resolver.resolve(event, None)
    assert seen[-1] == b"ok"


# -- regressions from review ---------------------------------------------------------------


def test_hand_built_lambda_response_is_normalised():
    from lambdakit import LambdaResponse

    resolver = WebSocketResolver()
    resolver.on_message()(
        lambda e, c, cid, b: LambdaResponse(statusCode=201, body={"a": 1}, headers={"X-N": 5})  # type: ignore[arg-type, dict-item]
    )
    result = resolver.resolve(websocket_message_event(), None)
    assert result["statusCode"] == 201
    assert json.loads(result["body"]) == {"a": 1}
    assert result["headers"]["X-N"] == "5"


def test_sync_handler_returning_a_coroutine_is_awaited():
    resolver = WebSocketResolver()

    async def work(body):
        return {"done": body}

    resolver.on_message()(lambda e, c, cid, b: work(b))
    assert body_of(resolver.resolve(websocket_message_event("x"), None)) == {"done": "x"}


def test_cancelled_handler_is_an_internal_error():
    resolver = WebSocketResolver()

    @resolver.on_message()
    async def cancelled(event, context, connection_id, body):
        raise asyncio.CancelledError

    assert resolver.resolve(websocket_message_event(), None)["statusCode"] == 500


def test_many_sync_middleware_do_not_deadlock():
    resolver = WebSocketResolver()
    for _ in range(8):
        resolver.middleware(lambda event, context, next_handler: next_handler(event, context))

    @resolver.on_message()
    async def handler(event, context, connection_id, body):
        return await asyncio.to_thread(lambda: {"ok": True})  # needs a free worker thread

    assert body_of(resolver.resolve(websocket_message_event(), None)) == {"ok": True}


def test_unhandled_connect_starts_no_event_loop():
    import subprocess
    import sys

    code = (
        "import sys; from lambdakit.websocket import WebSocketResolver;"
        "from lambdakit.testing import websocket_connect_event, websocket_message_event;"
        "r = WebSocketResolver(); r.on_message()(lambda e, c, i, b: {'ok': 1});"
        "r.resolve(websocket_connect_event(), None); r.resolve(websocket_message_event(), None);"
        "print('asyncio' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_ignored_app_errors_are_not_reported():
    reports: list[str] = []
    resolver = WebSocketResolver(error_receiver=reports.append, ignore_app_errors=["B00404"])

    @resolver.on_message()
    def handler(event, context, connection_id, body):
        raise AppError(body, "nope", status_code=404)

    assert resolver.resolve(websocket_message_event("B00404"), None)["statusCode"] == 404
    assert reports == []
    resolver.resolve(websocket_message_event("B00500"), None)
    assert len(reports) == 1


def test_sync_middleware_under_concurrent_requests_and_wrapped_async_middleware():
    import functools
    import threading

    resolver = WebSocketResolver()
    resolver.middleware(lambda e, c, n: n(e, c))
    resolver.middleware(lambda e, c, n: n(e, c))

    def plain_decorator(function):
        @functools.wraps(function)
        def wrapper(*args):
            return function(*args)

        return wrapper

    @resolver.middleware
    @plain_decorator
    async def wrapped(event, context, next_handler):  # looks sync, returns a coroutine
        return await next_handler(event, context)

    resolver.on_message()(lambda e, c, cid, b: {"ok": b})
    statuses: list[int] = []

    def requests():
        for _ in range(10):
            statuses.append(resolver.resolve(websocket_message_event("x"), None)["statusCode"])

    threads = [threading.Thread(target=requests) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert statuses == [200] * 40
