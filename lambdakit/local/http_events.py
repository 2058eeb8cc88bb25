"""Turn an HTTP request into the event API Gateway sends: REST API (payload 1.0), HTTP API
(payload 2.0, or 1.0 where its integration asks for it), shaped like AWS's own samples.

As on AWS: a REST API passes header names as the client sent them, adds ``X-Forwarded-For``
(the client's address appended), ``X-Forwarded-Port``, ``X-Forwarded-Proto`` and
``X-Amzn-Trace-Id``, and base64-encodes a body only when its ``Content-Type`` matches one of
the API's binary media types (any other body is passed as UTF-8 text); an HTTP API lower-cases
header names, joins repeated headers and query values with commas, and base64-encodes a body
that is not text. ``docs/fidelity.md`` lists what still differs.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import parse_qsl, unquote

from lambdakit.local.intrinsics import local_api_id
from lambdakit.local.routing import Match

# The scope["extensions"] key under which the server (``server.py``) keeps header names as
# the client sent them (ASGI lower-cases ``scope["headers"]``), in the same order.
HEADER_NAMES: Final = "lambdakit.header_names"
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
    headers: list[tuple[str, str]]  # names as the client sent them, in order, repeats kept
    body: bytes
    source_ip: str
    host: str
    scheme: str = "http"
    port: int = 0

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case)."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


def _body(request: HttpRequest) -> tuple[str | None, bool]:
    """Payload 2.0: text stays text, anything else is base64."""
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


def is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    """Whether ``content_type`` matches one of a REST API's binary media types: exact
    (``image/png``), a wildcard (``image/*``, ``*/*``); ``~1`` stands for ``/`` as in SAM."""
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    major = kind.split("/", 1)[0]
    for pattern in binary_media_types:
        pattern = pattern.replace("~1", "/").strip().lower()
        if pattern in (kind, "*/*", f"{major}/*"):
            return True
    return False


def _rest_body(
    request: HttpRequest, binary_media_types: tuple[str, ...]
) -> tuple[str | None, bool]:
    """Payload 1.0: base64 only for a binary media type; otherwise text, as API Gateway
    passes it (bytes that are not UTF-8 become U+FFFD)."""
    if not request.body:
        return None, False
    if is_binary(request.header("content-type"), binary_media_types):
        return base64.b64encode(request.body).decode("ascii"), True
    return request.body.decode("utf-8", "replace"), False


def trace_id() -> str:
    """An ``X-Amzn-Trace-Id`` as API Gateway adds it: ``Root=1-{time}-{24 hex}``."""
    return f"Root=1-{int(time.time()):08x}-{os.urandom(12).hex()}"


def _forwarded(request: HttpRequest) -> list[tuple[str, str]]:
    """The request's headers with the ones API Gateway adds or rewrites."""
    added = {"x-forwarded-for", "x-forwarded-port", "x-forwarded-proto", "x-amzn-trace-id"}
    forwarded_for = request.header("x-forwarded-for")
    return [
        *((k, v) for k, v in request.headers if k.lower() not in added),
        (
            "X-Amzn-Trace-Id",
            request.header("x-amzn-trace-id") or trace_id(),
        ),
        (
            "X-Forwarded-For",
            f"{forwarded_for}, {request.source_ip}" if forwarded_for else request.source_ip,
        ),
        ("X-Forwarded-Port", str(request.port)),
        ("X-Forwarded-Proto", request.scheme),
    ]


def _api_id(match: Match) -> str:
    """``requestContext.apiId``: the route's template API as its ``Ref`` gives it (so an
    ``execute-api`` ARN or URL built from either agrees), else ``local``."""
    return local_api_id(match.route.api) if match.route.api else API_ID


def _now() -> tuple[str, int]:
    now = time.time()
    return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)), int(now * 1000)


def _query(raw_query: str) -> list[tuple[str, str]]:
    return parse_qsl(raw_query, keep_blank_values=True)


def rest_event(
    request: HttpRequest,
    match: Match,
    stage: str,
    *,
    staged: bool = False,
    binary_media_types: tuple[str, ...] = (),
    stage_variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API proxy event (payload 1.0): ``null`` for empty maps, as AWS sends.

    ``staged``: the URL began with ``/{stage}`` (as on AWS's ``execute-api`` domain), so
    ``path`` is the rest of it and ``requestContext.path`` the whole; else both are the URL's
    path, as behind a custom domain (and as SAM CLI serves REST APIs)."""
    resource = match.route.path if match.route.path != "$default" else "/{proxy+}"
    path = (request.path[len(stage) + 1 :] or "/") if staged else request.path
    event = _v1_event(
        request,
        match,
        _forwarded(request),
        _rest_body(request, binary_media_types),
        resource=resource,
        path=path,
        stage=stage,
    )
    event["stageVariables"] = stage_variables or None
    event["requestContext"].update(resourceId="local", apiId=_api_id(match))
    event["requestContext"]["identity"]["clientCert"] = None
    return event


def http_api_v1_event(
    request: HttpRequest,
    match: Match,
    stage: str,
    stage_variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API event in payload format 1.0: the REST-shaped document, but as an HTTP API
    sees the request: lower-case header names, a body base64-encoded when it is not text, its
    stage (``$default`` or the named one), ``resource`` the route's path (``$default`` for the
    default route) and ``resourceId`` ``null``, as AWS's own sample."""
    headers = [(name.lower(), value) for name, value in _forwarded(request)]
    event = _v1_event(
        request,
        match,
        headers,
        _body(request),
        resource=match.route.path,
        path=request.path,
        stage=stage,
    )
    event["stageVariables"] = stage_variables or None
    event["requestContext"].update(resourceId=None, apiId=_api_id(match))
    return event


def _v1_event(
    request: HttpRequest,
    match: Match,
    forwarded: list[tuple[str, str]],
    body: tuple[str | None, bool],
    *,
    resource: str,
    path: str,
    stage: str,
) -> dict[str, Any]:
    """What payload 1.0 is for REST and HTTP APIs alike."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in forwarded:
        headers[name] = value  # the last value, as API Gateway does
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in _query(request.raw_query):
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    request_time, epoch = _now()
    return {
        "version": "1.0",
        "resource": resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": None,
            "resourcePath": resource,
            "httpMethod": request.method,
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": request_time,
            "path": request.path,
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
            "apiId": _api_id(match),
        },
        "body": body[0],
        "isBase64Encoded": body[1],
    }


def http_api_event(
    request: HttpRequest,
    match: Match,
    stage: str,
    stage_variables: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An HTTP API event (payload 2.0): lower-case headers joined with commas, ``cookies``
    split out of the ``Cookie`` header, empty maps left out."""
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in _forwarded(request):
        name = name.lower()
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
            "apiId": _api_id(match),
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
            "stage": stage,
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
    if stage_variables:
        event["stageVariables"] = stage_variables
    if body is not None:
        event["body"] = body
    return event
