"""Turn an HTTP request into the event API Gateway sends: REST API (payload 1.0) or HTTP API
(payload 2.0), shaped like AWS's own samples."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from lambdakit.local.routing import Match

ACCOUNT_ID = "123456789012"
API_ID = "local"

_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
    "+json",
    "+xml",
)


@dataclass(frozen=True)
class HttpRequest:
    """What the server received, decoded once: method, raw path, query, headers, body."""

    method: str
    path: str
    raw_query: str
    headers: list[tuple[str, str]]  # lower-case names, in order, repeats kept
    body: bytes
    source_ip: str
    host: str

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None


def _body(request: HttpRequest) -> tuple[str | None, bool]:
    if not request.body:
        return None, False
    content_type = (request.header("content-type") or "").lower()
    textual = not content_type or any(t in content_type for t in _TEXT_TYPES)
    if textual:
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode("ascii"), True


def _now() -> tuple[str, int]:
    now = time.time()
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), int(now * 1000)


def _query(raw_query: str) -> list[tuple[str, str]]:
    return parse_qsl(raw_query, keep_blank_values=True)


def rest_event(request: HttpRequest, match: Match, stage: str) -> dict[str, Any]:
    """A REST API proxy event (payload 1.0): ``null`` for empty maps, as AWS sends."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value  # the last value, as API Gateway does
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in _query(request.raw_query):
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = _body(request)
    request_time, epoch = _now()
    resource = match.route.path if match.route.path != "$default" else "/{proxy+}"
    return {
        "resource": resource,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "local",
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": request_time,
            "path": f"/{stage}{request.path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": request.host.split(":")[0],
            "requestTimeEpoch": epoch,
            "requestId": str(uuid.uuid4()),
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "accessKey": None,
                "sourceIp": request.source_ip,
                "principalOrgId": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": request.header("user-agent"),
                "user": None,
            },
            "domainName": request.host,
            "apiId": API_ID,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def http_api_event(request: HttpRequest, match: Match, stage: str) -> dict[str, Any]:
    """An HTTP API event (payload 2.0): lower-case headers joined with commas, ``cookies``
    split out of the ``Cookie`` header, empty maps left out."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        if name == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    query: dict[str, str] = {}
    for name, value in _query(request.raw_query):
        query[name] = f"{query[name]},{value}" if name in query else value
    body, is_base64 = _body(request)
    request_time, epoch = _now()
    route_key = (
        "$default" if match.route.path == "$default" else f"{match.route.method} {match.route.path}"
    )
    request_id = str(uuid.uuid4())
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": request.host,
            "domainPrefix": request.host.split(":")[0],
            "http": {
                "method": request.method,
                "path": unquote(request.path),
                "protocol": "HTTP/1.1",
                "sourceIp": request.source_ip,
                "userAgent": request.header("user-agent") or "",
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": request_time,
            "timeEpoch": epoch,
        },
        "isBase64Encoded": is_base64,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if match.path_parameters:
        event["pathParameters"] = match.path_parameters
    if body is not None:
        event["body"] = body
    return event
