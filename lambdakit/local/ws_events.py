"""The events API Gateway sends for a WebSocket API: ``$connect``, messages, ``$disconnect``;
route selection. ``$connect`` gets the handshake's header names as the client sent them."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from typing import Any, Final
from urllib.parse import parse_qsl

from lambdakit.local.http_events import API_ID, trace_id

# Hop-by-hop headers of the handshake, which API Gateway does not pass to $connect (a real
# capture has neither), and the ones it adds or rewrites.
_DROPPED: Final = frozenset({"connection", "upgrade"})
_ADDED: Final = frozenset(
    {"x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"}
)


def new_connection_id() -> str:
    """An id shaped like API Gateway's: 16 characters of URL-safe base64, ending in ``=``."""
    return base64.urlsafe_b64encode(os.urandom(11)).decode("ascii")


def _context(
    route_key: str,
    event_type: str,
    connection_id: str,
    connected_at: int,
    stage: str,
    domain: str,
    source_ip: str,
    user_agent: str | None,
    api_id: str,
) -> dict[str, Any]:
    now = time.time()
    request_id = base64.urlsafe_b64encode(os.urandom(11)).decode("ascii")
    identity: dict[str, Any] = {"sourceIp": source_ip}
    if user_agent:
        identity["userAgent"] = user_agent
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": connected_at,
        "requestTimeEpoch": int(now * 1000),
        "identity": identity,
        "requestId": request_id,
        "domainName": domain,
        "connectionId": connection_id,
        "apiId": api_id,
    }


class ConnectionInfo:
    """What API Gateway knows about a connection, for its events and ``GetConnection``."""

    def __init__(
        self,
        connection_id: str,
        *,
        stage: str,
        domain: str,
        source_ip: str,
        headers: list[tuple[str, str]],
        raw_query: str,
        api_id: str = API_ID,
    ) -> None:
        self.connection_id = connection_id
        self.api_id = api_id
        self.identity: dict[str, str] = {}  # what an IAM $connect adds to the identity
        self.stage = stage
        self.domain = domain
        self.source_ip = source_ip
        self.headers = headers
        self.raw_query = raw_query
        self.connected_at = int(time.time() * 1000)
        self.last_active_at = self.connected_at
        self.user_agent = next((v for k, v in headers if k.lower() == "user-agent"), None)
        # What the $connect authorizer allowed with: in every event of the connection.
        self.authorizer: dict[str, Any] | None = None

    def touch(self) -> None:
        self.last_active_at = int(time.time() * 1000)

    def connect_event(self, scheme: str, port: int) -> dict[str, Any]:
        headers: dict[str, str] = {}
        multi: dict[str, list[str]] = {}
        sent = [(k, v) for k, v in self.headers if k.lower() not in _DROPPED | _ADDED]
        trace = next((v for k, v in self.headers if k.lower() == "x-amzn-trace-id"), None)
        for name, value in [
            *sent,
            ("X-Amzn-Trace-Id", trace or trace_id()),
            ("X-Forwarded-For", self.source_ip),
            ("X-Forwarded-Port", str(port)),
            ("X-Forwarded-Proto", scheme),
        ]:
            headers[name] = value
            multi.setdefault(name, []).append(value)
        event: dict[str, Any] = {
            "headers": headers,
            "multiValueHeaders": multi,
            "requestContext": self._context("$connect", "CONNECT"),
            "isBase64Encoded": False,
        }
        query = parse_qsl(self.raw_query, keep_blank_values=True)
        if query:
            event["queryStringParameters"] = dict(query)
            multi_query: dict[str, list[str]] = {}
            for name, value in query:
                multi_query.setdefault(name, []).append(value)
            event["multiValueQueryStringParameters"] = multi_query
        return event

    def message_event(self, route_key: str, body: str) -> dict[str, Any]:
        context = self._context(route_key, "MESSAGE")
        context["messageId"] = str(uuid.uuid4())[:16]
        return {"requestContext": context, "body": body, "isBase64Encoded": False}

    def disconnect_event(self, status_code: int, reason: str) -> dict[str, Any]:
        context = self._context("$disconnect", "DISCONNECT")
        context["disconnectStatusCode"] = status_code
        context["disconnectReason"] = reason
        headers = {"Host": self.domain, "X-Forwarded-For": self.source_ip}
        return {
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "requestContext": context,
            "isBase64Encoded": False,
        }

    def _context(self, route_key: str, event_type: str) -> dict[str, Any]:
        context = _context(
            route_key,
            event_type,
            self.connection_id,
            self.connected_at,
            self.stage,
            self.domain,
            self.source_ip,
            self.user_agent,
            self.api_id,
        )
        context["identity"].update(self.identity)
        if self.authorizer is not None:
            context["authorizer"] = dict(self.authorizer)
        return context


def select_route(expression: str, body: str) -> str | None:
    """The value ``expression`` (``$request.body.action``, nested paths allowed) selects from
    a message, or ``None`` (then ``$default`` applies), as API Gateway evaluates it."""
    prefix = "$request.body."
    if not expression.startswith(prefix):
        return None
    try:
        value: Any = json.loads(body)
    except ValueError:
        return None
    for part in expression[len(prefix) :].split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value if isinstance(value, str) else None
