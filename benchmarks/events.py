"""The events every subject is called with: AWS's REST v1 sample (Powertools' fixture) adapted
to ``GET /hello`` and ``POST /items``, its HTTP API (2.0) sample as ``GET /hello``, and a
WebSocket message. Standard library only."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Final

from benchmarks.settings import ROOT

FIXTURES: Final = ROOT / "tests" / "fixtures" / "events" / "powertools"

# The validated body: four fields, one a nested object.
ORDER: Final[dict[str, Any]] = {
    "name": "Ada Lovelace",
    "quantity": 3,
    "email": "ada@example.com",
    "address": {"street": "12 St James's Square", "city": "London", "zip": "SW1Y 4JH"},
}


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def _rest(method: str, path: str, body: str | None, headers: dict[str, str]) -> dict[str, Any]:
    event = _fixture("apiGatewayProxyEvent.json")
    event.update(httpMethod=method, path=path, resource=path, body=body)
    event["headers"] = {**event["headers"], **headers}
    event["multiValueHeaders"] = {
        **event["multiValueHeaders"],
        **{name: [value] for name, value in headers.items()},
    }
    context = event["requestContext"]
    context.update(httpMethod=method, path=path, resourcePath=path)
    return event


def get_event() -> dict[str, Any]:
    """``GET /hello``, no body."""
    return _rest("GET", "/hello", None, {})


def http_api_get_event() -> dict[str, Any]:
    """``GET /hello`` as an HTTP API (payload 2.0) sends it, no body."""
    event = _fixture("apiGatewayProxyV2Event.json")
    event.update(routeKey="GET /hello", rawPath="/hello", isBase64Encoded=False)
    event.pop("body", None)
    event["requestContext"]["http"].update(method="GET", path="/hello")
    event["requestContext"]["routeKey"] = "GET /hello"
    return event


def post_event() -> dict[str, Any]:
    """``POST /items`` with ``ORDER`` as a JSON body."""
    return _rest("POST", "/items", json.dumps(ORDER), {"Content-Type": "application/json"})


def websocket_event() -> dict[str, Any]:
    """A message on the ``chat`` route: ``{"action": "chat", "message": ...}``."""
    return _fixture("apiGatewayWebSocketApiMessage.json")


def untouched(event: dict[str, Any], pristine: dict[str, Any]) -> bool:
    """Whether the subject left the (re-used) event as it was: a subject that cached parsed
    state in it would be measured unfairly fast."""
    return event == pristine


def pristine(event: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(event)


@dataclass
class Context:
    """What the Lambda runtime passes as ``context``, as far as the subjects read it."""

    function_name: str = "bench"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb: int = 128
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    log_group_name: str = "/aws/lambda/bench"
    log_stream_name: str = "2024/01/01/[$LATEST]bench"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
