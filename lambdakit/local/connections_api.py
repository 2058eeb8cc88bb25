"""``@connections``: API Gateway's Management API on the local gateway.

``POST /{stage}/@connections/{id}`` sends, ``GET`` describes, ``DELETE`` closes (204). An
unknown or closed id is 410 with ``x-amzn-ErrorType: GoneException``; a message over 128 KB is
413 ``PayloadTooLargeException``: so boto3's ``apigatewaymanagementapi`` client pointed at
``http://127.0.0.1:PORT/{stage}`` raises the same typed exceptions as against AWS. As on AWS,
a request must be signed with SigV4 (``sigv4.py``: any local credentials), else 403; there are
no CORS headers, so a web page cannot call it.
"""

from __future__ import annotations

import datetime
import json
from typing import Any, Final
from urllib.parse import unquote

from lambdakit.local import sigv4
from lambdakit.local.proxy_result import HttpResponse
from lambdakit.local.ws_session import CLOSE_NORMAL, Registry

MAX_PAYLOAD: Final = 128 * 1024
PATH_SEGMENT: Final = "@connections"


def _error(status: int, error_type: str, message: str | None) -> HttpResponse:
    return HttpResponse(
        status,
        [("content-type", "application/json"), ("x-amzn-errortype", error_type)],
        json.dumps({"message": message}).encode(),
    )


def _iso(epoch_ms: int) -> str:
    moment = datetime.datetime.fromtimestamp(epoch_ms / 1000, datetime.timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def connection_id_from(path: str, stage: str) -> str | None:
    """The id in ``/{stage}/@connections/{id}``, or ``None`` if ``path`` is not one."""
    prefix = f"/{stage}/{PATH_SEGMENT}/"
    if not path.startswith(prefix) or len(path) == len(prefix):
        return None
    return unquote(path[len(prefix) :])


def refuse_unsigned(scope: dict[str, Any], service: str = sigv4.SERVICE) -> HttpResponse | None:
    """AWS's 403 for a request without a well-formed SigV4 signature for ``service`` (API
    Gateway's ``execute-api`` for ``@connections``, ``lambda`` for the Invoke API), else
    ``None``."""
    headers = {
        k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
    }
    query = scope.get("query_string", b"").decode("latin-1")
    refusal = sigv4.check(headers, query, service)
    if refusal is None:
        return None
    return _error(403, refusal.error_type, refusal.message)


async def handle(method: str, connection_id: str, body: bytes, registry: Registry) -> HttpResponse:
    session = registry.get(connection_id)
    if method not in ("POST", "GET", "DELETE"):
        return _error(403, "ForbiddenException", "Forbidden")
    if method == "POST" and len(body) > MAX_PAYLOAD:
        return _error(413, "PayloadTooLargeException", "Message too long")
    if session is None:
        return _error(410, "GoneException", None)
    if method == "POST":
        try:
            await session.send_message(body)
        except ConnectionError:
            return _error(410, "GoneException", None)
        return HttpResponse(200, [("content-type", "application/json")], b"")
    if method == "GET":
        info = session.info
        description = {
            "connectedAt": _iso(info.connected_at),
            "identity": {"sourceIp": info.source_ip, "userAgent": info.user_agent},
            "lastActiveAt": _iso(info.last_active_at),
        }
        return HttpResponse(
            200, [("content-type", "application/json")], json.dumps(description).encode()
        )
    await session.close(CLOSE_NORMAL, "")
    return HttpResponse(204, [], b"")
