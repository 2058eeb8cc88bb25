"""Lambda functions the local gateway tests serve. They record what they receive."""

from __future__ import annotations

import base64
import time
from typing import Any

from lambdakit.websocket import WebSocketResolver

received: list[dict[str, Any]] = []


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answers with the event it got, and a few response features picked by the path."""
    import json

    received.append(event)
    path = event.get("path") or event.get("rawPath")
    if path == "/binary":
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "image/png"},
            "body": base64.b64encode(b"\x89PNG\x00\xff").decode(),
            "isBase64Encoded": True,
        }
    if path == "/cookies":
        return {
            "statusCode": 201,
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "headers": {"X-One": "1"},
            "body": "",
        }
    if path == "/v2-cookies":
        return {"statusCode": 200, "cookies": ["a=1", "b=2"], "body": "ok"}
    if path == "/context":
        return {
            "statusCode": 200,
            "body": json.dumps(
                {
                    "request_id": context.aws_request_id,
                    "remaining": context.get_remaining_time_in_millis(),
                    "function_name": context.function_name,
                }
            ),
        }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(event),
    }


def malformed_body(event: Any, context: Any) -> Any:
    return {"statusCode": 200, "body": {"not": "a string"}}


def malformed_status(event: Any, context: Any) -> Any:
    return {"statusCode": "OK", "body": "x"}


def status_as_digits(event: Any, context: Any) -> Any:
    """AWS's own Python blueprints send the status as a string of digits."""
    return {"statusCode": "201", "body": "made"}


def no_content_type(event: Any, context: Any) -> Any:
    return {"statusCode": 200, "body": '{"ok": true}'}


def malformed_extra(event: Any, context: Any) -> Any:
    return {"statusCode": 200, "body": "x", "message": "stray"}


def not_a_dict(event: Any, context: Any) -> Any:
    return ["a", "list"]


def raises(event: Any, context: Any) -> Any:
    raise RuntimeError("handler exploded")


def hangs(event: Any, context: Any) -> Any:
    time.sleep(3)
    return {"statusCode": 200, "body": "late"}


def inferred(event: Any, context: Any) -> Any:
    return {"hello": "world"}  # payload 2.0 infers a 200 JSON response


# -- WebSocket --------------------------------------------------------------------------------

ws_events: list[dict[str, Any]] = []
resolver = WebSocketResolver()


@resolver.on_connect()
def on_connect(event: Any, context: Any, connection_id: str) -> Any:
    ws_events.append(event)
    query = event.get("queryStringParameters") or {}
    if query.get("deny"):
        return {"statusCode": int(query["deny"]), "body": "go away"}
    return {"statusCode": 200}


@resolver.on_disconnect()
def on_disconnect(event: Any, context: Any, connection_id: str) -> None:
    ws_events.append(event)


@resolver.on_message("echo")
def on_echo(event: Any, context: Any, connection_id: str, body: Any) -> Any:
    ws_events.append(event)
    return {"echo": body, "connectionId": connection_id}


@resolver.on_message("silent")
def on_silent(event: Any, context: Any, connection_id: str, body: Any) -> None:
    ws_events.append(event)


@resolver.on_message("boom")
def on_boom(event: Any, context: Any, connection_id: str, body: Any) -> Any:
    raise RuntimeError("route exploded")


@resolver.on_message("$default")
def on_default(event: Any, context: Any, connection_id: str, body: Any) -> Any:
    ws_events.append(event)
    return {"default": body}


def websocket(event: Any, context: Any) -> Any:
    return resolver.resolve(event, context)


def websocket_crashes(event: Any, context: Any) -> Any:
    """A function that raises itself (not through the resolver): a Lambda error."""
    if event["requestContext"]["routeKey"] in ("$connect", "$disconnect"):
        return {"statusCode": 200}
    raise RuntimeError("function crashed")


# -- Limits -----------------------------------------------------------------------------------


def huge(event: Any, context: Any) -> Any:
    """A 7 MB result: over Lambda's 6 MB response quota."""
    return {"statusCode": 200, "body": "x" * (7 * 1024 * 1024)}


def no_content(event: Any, context: Any) -> Any:
    """A 204 (or the status the query asks for) that carries a body anyway."""
    status = int((event.get("queryStringParameters") or {}).get("status") or 204)
    return {"statusCode": status, "headers": {"Content-Length": "5"}, "body": "stray"}


def slow(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answers after 1.5 s: past a short integration timeout."""
    import time

    time.sleep(1.5)
    return {"statusCode": 200, "body": "late"}
