"""The WebSocket function served for the broadcast and round-trip measurements.

A message ``whoami`` is answered with the connection's id (so clients learn the id the
``@connections`` endpoint knows them by); any other message is echoed back. Plain Python: the
function's own cost should not be what is measured."""

from __future__ import annotations

from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["requestContext"]
    if request.get("eventType") != "MESSAGE":
        return {"statusCode": 200}
    body = event.get("body")
    if body == "whoami":
        return {"statusCode": 200, "body": request["connectionId"]}
    return {"statusCode": 200, "body": body}
