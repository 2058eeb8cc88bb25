"""Build the events each HTTP trigger sends, and a ``LambdaContext``, for your own tests.

Example::

    from lambdakit.testing import LambdaContext, rest_event

    response = handler(rest_event("POST", "/users", body={"name": "Ada"}), LambdaContext())
    assert response["statusCode"] == 200

Each builder returns a plain dict shaped like the real event (the shapes follow the sample
events AWS publishes). ``body`` may be a str, bytes (sent base64 encoded, as API Gateway does
for binary media types) or any JSON value (serialised, with ``Content-Type: application/json``).
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from lambdakit.context import LambdaContext

__all__ = [
    "LambdaContext",
    "alb_event",
    "function_url_event",
    "http_api_event",
    "rest_event",
    "websocket_connect_event",
    "websocket_disconnect_event",
    "websocket_message_event",
]

_Query = Mapping[str, str | Sequence[str]]


def _body(body: Any, headers: dict[str, str]) -> tuple[str | None, bool]:
    if body is None:
        return None, False
    if isinstance(body, (bytes, bytearray)):
        return base64.b64encode(body).decode("ascii"), True
    if isinstance(body, str):
        return body, False
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    return json.dumps(body), False


def _multi(query: _Query | None) -> dict[str, list[str]]:
    if not query:
        return {}
    return {k: [v] if isinstance(v, str) else list(v) for k, v in query.items()}


def _request_id() -> str:
    return str(uuid.uuid4())


def rest_event(
    method: str = "GET",
    path: str = "/",
    *,
    headers: Mapping[str, str] | None = None,
    query: _Query | None = None,
    body: Any = None,
    path_parameters: Mapping[str, str] | None = None,
    source_ip: str = "203.0.113.10",
    stage: str = "prod",
    resource: str | None = None,
) -> dict[str, Any]:
    """A REST API (payload 1.0) proxy event. ``null`` where API Gateway sends ``null``."""
    all_headers = dict(headers or {})
    text, is_base64 = _body(body, all_headers)
    multi_query = _multi(query)
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method.upper(),
        "headers": all_headers or None,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()} or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource or path,
            "httpMethod": method.upper(),
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": _request_id(),
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "protocol": "HTTP/1.1",
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": source_ip, "userAgent": all_headers.get("User-Agent")},
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def http_api_event(
    method: str = "GET",
    path: str = "/",
    *,
    headers: Mapping[str, str] | None = None,
    query: _Query | None = None,
    body: Any = None,
    cookies: Sequence[str] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    source_ip: str = "203.0.113.10",
    stage: str = "$default",
    domain_name: str = "abcdef1234.execute-api.us-east-1.amazonaws.com",
) -> dict[str, Any]:
    """An HTTP API (payload 2.0) event: lower-case headers, ``cookies``, no ``null`` maps."""
    all_headers = {k.lower(): v for k, v in (headers or {}).items()}
    text, is_base64 = _body(body, all_headers)
    all_headers = {k.lower(): v for k, v in all_headers.items()}  # _body may add Content-Type
    multi_query = _multi(query)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": f"{method.upper()} {path}",
        "rawPath": path,
        "rawQueryString": urlencode([(k, v) for k, vs in multi_query.items() for v in vs]),
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": domain_name.split(".", 1)[0],
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": all_headers.get("user-agent", "lambdakit-test"),
            },
            "requestId": _request_id(),
            "routeKey": f"{method.upper()} {path}",
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = list(cookies)
    if multi_query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in multi_query.items()}
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if text is not None:
        event["body"] = text
    return event


def function_url_event(
    method: str = "GET",
    path: str = "/",
    *,
    headers: Mapping[str, str] | None = None,
    query: _Query | None = None,
    body: Any = None,
    cookies: Sequence[str] | None = None,
    source_ip: str = "203.0.113.10",
) -> dict[str, Any]:
    """A Lambda Function URL event (payload 2.0 on a ``*.lambda-url.*.on.aws`` domain)."""
    event = http_api_event(
        method,
        path,
        headers=headers,
        query=query,
        body=body,
        cookies=cookies,
        source_ip=source_ip,
        stage="$default",
        domain_name="abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws",
    )
    event["routeKey"] = "$default"
    event["requestContext"]["routeKey"] = "$default"
    return event


def alb_event(
    method: str = "GET",
    path: str = "/",
    *,
    headers: Mapping[str, str] | None = None,
    query: _Query | None = None,
    body: Any = None,
    source_ip: str = "203.0.113.10",
    multi_value: bool = False,
) -> dict[str, Any]:
    """An Application Load Balancer event. ``multi_value=True`` builds the shape an ALB sends
    when the target group has multi-value headers on (then only ``multiValue*`` maps)."""
    all_headers = {k.lower(): v for k, v in (headers or {}).items()}
    text, is_base64 = _body(body, all_headers)
    all_headers = {k.lower(): v for k, v in all_headers.items()}  # _body may add Content-Type
    all_headers.setdefault("x-forwarded-for", source_ip)
    multi_query = _multi(query)
    event: dict[str, Any] = {
        "requestContext": {
            "elb": {
                "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:"
                "targetgroup/test/0123456789abcdef"
            },
        },
        "httpMethod": method.upper(),
        "path": path,
        "body": text or "",
        "isBase64Encoded": is_base64,
    }
    # ALB passes query parameters percent-encoded, as the client sent them.
    from urllib.parse import quote_plus

    if multi_value:
        event["multiValueHeaders"] = {k: [v] for k, v in all_headers.items()}
        event["multiValueQueryStringParameters"] = {
            quote_plus(k): [quote_plus(v) for v in vs] for k, vs in multi_query.items()
        }
    else:
        event["headers"] = all_headers
        event["queryStringParameters"] = {
            quote_plus(k): quote_plus(vs[-1]) for k, vs in multi_query.items()
        }
    return event


def _websocket_context(
    route_key: str,
    event_type: str,
    connection_id: str,
    source_ip: str,
    stage: str,
    domain_name: str,
) -> dict[str, Any]:
    now = time.time()
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": _request_id(),
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": int(now * 1000),
        "requestTimeEpoch": int(now * 1000),
        "identity": {"sourceIp": source_ip},
        "requestId": _request_id(),
        "domainName": domain_name,
        "connectionId": connection_id,
        "apiId": domain_name.split(".", 1)[0],
    }


def websocket_connect_event(
    connection_id: str = "L0SM9cOFvHcCIhw=",
    *,
    headers: Mapping[str, str] | None = None,
    query: _Query | None = None,
    source_ip: str = "203.0.113.10",
    stage: str = "prod",
    domain_name: str = "abcdef1234.execute-api.us-east-1.amazonaws.com",
) -> dict[str, Any]:
    """A WebSocket ``$connect`` event: the handshake's headers and query, no body."""
    all_headers = {
        "Host": domain_name,
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(uuid.uuid4().bytes).decode(),
        "X-Forwarded-For": source_ip,
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    multi_query = _multi(query)
    event: dict[str, Any] = {
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "requestContext": _websocket_context(
            "$connect", "CONNECT", connection_id, source_ip, stage, domain_name
        ),
        "isBase64Encoded": False,
    }
    if multi_query:
        event["queryStringParameters"] = {k: v[-1] for k, v in multi_query.items()}
        event["multiValueQueryStringParameters"] = multi_query
    return event


def websocket_message_event(
    body: Any = None,
    *,
    route_key: str = "$default",
    connection_id: str = "L0SM9cOFvHcCIhw=",
    source_ip: str = "203.0.113.10",
    stage: str = "prod",
    domain_name: str = "abcdef1234.execute-api.us-east-1.amazonaws.com",
) -> dict[str, Any]:
    """A WebSocket ``MESSAGE`` event (no headers, no query, as AWS sends it). ``body``: text,
    bytes (a binary frame, base64 encoded) or a JSON value."""
    text: str | None
    if isinstance(body, (bytes, bytearray)):
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    elif body is None or isinstance(body, str):
        text, is_base64 = body, False
    else:
        text, is_base64 = json.dumps(body), False
    context = _websocket_context(route_key, "MESSAGE", connection_id, source_ip, stage, domain_name)
    context["messageId"] = _request_id()[:16]
    event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": is_base64}
    if text is not None:
        event["body"] = text
    return event


def websocket_disconnect_event(
    connection_id: str = "L0SM9cOFvHcCIhw=",
    *,
    status_code: int = 1000,
    reason: str = "",
    source_ip: str = "203.0.113.10",
    stage: str = "prod",
    domain_name: str = "abcdef1234.execute-api.us-east-1.amazonaws.com",
) -> dict[str, Any]:
    """A WebSocket ``$disconnect`` event with the close code and reason."""
    context = _websocket_context(
        "$disconnect", "DISCONNECT", connection_id, source_ip, stage, domain_name
    )
    context["disconnectStatusCode"] = status_code
    context["disconnectReason"] = reason
    return {"headers": {"Host": domain_name}, "requestContext": context, "isBase64Encoded": False}
