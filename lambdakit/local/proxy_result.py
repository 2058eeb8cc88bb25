"""Check a function's result the way API Gateway does, and turn it into an HTTP response.

A result API Gateway would reject becomes its integration failure (``internal_error``: a REST
API's 502 ``{"message":"Internal server error"}``, an HTTP API's 500 ``{"message":"Internal
Server Error"}``), with a log line that says what was wrong (AWS logs "Malformed Lambda proxy
response"). The two kinds of API read a result a little differently: a REST API refuses a field
it does not know, an HTTP API skips it; each gives a response without ``Content-Type`` its own
(``application/json``; ``text/plain; charset=utf-8``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Final

from lambdakit.local.config import ApiKind, PayloadVersion

_V1_FIELDS: Final = frozenset(
    {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
)
_V2_FIELDS: Final = frozenset({"statusCode", "headers", "body", "isBase64Encoded", "cookies"})


class MalformedResult(Exception):
    """The result is not a proxy result API Gateway accepts; the message says why."""


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


# Statuses HTTP gives no body: a function's body for them is dropped, as API Gateway drops it.
BODILESS: Final = frozenset({204, 304})

INTERNAL_SERVER_ERROR: Final = HttpResponse(
    502, [("content-type", "application/json")], b'{"message":"Internal server error"}'
)
# An HTTP API answers a failed or malformed Lambda integration with 500 and its own wording.
HTTP_API_INTERNAL_SERVER_ERROR: Final = HttpResponse(
    500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}'
)
_DEFAULT_CONTENT_TYPE: Final[dict[ApiKind, str]] = {
    "REST": "application/json",
    "HTTP": "text/plain; charset=utf-8",
}


def internal_error(kind: ApiKind) -> HttpResponse:
    """What the kind of API answers when its Lambda integration fails."""
    return INTERNAL_SERVER_ERROR if kind == "REST" else HTTP_API_INTERNAL_SERVER_ERROR


def error_response(status: int, message: str) -> HttpResponse:
    body = json.dumps({"message": message}, separators=(",", ":")).encode()  # AWS's spacing
    return HttpResponse(status, [("content-type", "application/json")], body)


def to_http_response(
    result: Any, version: PayloadVersion, kind: ApiKind = "REST", *, decode_base64: bool = True
) -> HttpResponse:
    """The HTTP response for ``result`` from an API of ``kind``; ``MalformedResult`` where API
    Gateway answers ``internal_error``. ``decode_base64``: whether an ``isBase64Encoded`` body
    is sent as the bytes it encodes (else as its base64 text, as a REST API does when the
    request's first ``Accept`` type is none of its binary media types)."""
    if version == "2.0" and not (isinstance(result, dict) and "statusCode" in result):
        # Payload 2.0 infers a response from anything that is valid JSON.
        if isinstance(result, str):
            inferred = result.encode()
        else:
            try:
                inferred = json.dumps(result).encode()
            except (TypeError, ValueError) as error:
                raise MalformedResult(f"result is not JSON: {error}") from None
        return HttpResponse(200, [("content-type", "application/json")], inferred)
    if not isinstance(result, dict):
        raise MalformedResult(f"result must be a JSON object, not {type(result).__name__}")
    allowed = _V1_FIELDS if version == "1.0" else _V2_FIELDS
    unknown = sorted(set(result) - allowed)
    if unknown and kind == "REST":  # an HTTP API skips them
        raise MalformedResult(f"unexpected fields {unknown}; allowed: {sorted(allowed)}")
    status = _status(result.get("statusCode"))
    headers = _headers(result)
    if status not in BODILESS and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("content-type", _DEFAULT_CONTENT_TYPE[kind]))
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResult(f"body must be a string, got {type(body).__name__}")
    is_base64 = result.get("isBase64Encoded", False)
    if not isinstance(is_base64, bool):
        raise MalformedResult("isBase64Encoded must be a boolean")
    data = (body or "").encode("utf-8", "surrogatepass")
    if is_base64 and body and decode_base64:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedResult("isBase64Encoded is true but body is not base64") from None
    if status in BODILESS:
        data = b""
    return HttpResponse(status, headers, data)


def _status(value: Any) -> int:
    """An HTTP status as a number or as digits (``"200"``: AWS's own Python blueprints send
    that, and API Gateway reads it)."""
    status = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value
    if type(status) is not int or not 100 <= status <= 599:
        raise MalformedResult(f"statusCode must be an integer HTTP status, got {value!r}")
    return status


def _headers(result: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    headers = result.get("headers") or {}
    if not isinstance(headers, dict):
        raise MalformedResult("headers must be an object")
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(multi, dict):
        raise MalformedResult("multiValueHeaders must be an object")
    for name, value in headers.items():
        if not isinstance(value, (str, int, float, bool)):
            raise MalformedResult(f"header {name!r} must be a string")
        if name.lower() not in {k.lower() for k in multi}:
            out.append((name, _text(value)))
    for name, values in multi.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise MalformedResult(f"multiValueHeaders[{name!r}] must be a list of strings")
        out.extend((name, v) for v in values)
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise MalformedResult("cookies must be a list of strings")
    out.extend(("set-cookie", c) for c in cookies)
    return out


def _text(value: str | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
