"""Error notifications: a readable report for the ``error_receiver``, delivered without risk.

The report names the request (id, method, path, source IP), the error and its traceback, and
shows headers, query and body with secrets redacted. A receiver that raises is logged; it never
changes the response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from lambdakit import _async, _json
from lambdakit.errors import RequestError
from lambdakit.events import LambdaEvent
from lambdakit.logs import logger
from lambdakit.redaction import Redactor

ErrorReceiver = Callable[[str], Any]

MAX_BODY_CHARS: Final = 2000


def build_report(
    *,
    function_name: str,
    event: LambdaEvent,
    request_id: str | None,
    code: str,
    error: BaseException,
    traceback_text: str,
    redactor: Redactor,
) -> str:
    """The text sent to an ``error_receiver``."""
    lines = [
        f"[{code}] {type(error).__name__}: {error}",
        f"function: {function_name}",
        f"request_id: {request_id or '-'}",
    ]
    if event.trigger != "unknown":
        lines += [
            f"trigger: {event.trigger}",
            f"request: {event.http_method or '-'} {event.path or '-'}",
            f"source_ip: {event.requestContext.get_source_ip() or '-'}",
            f"headers: {_json.dumps(redactor.redact(dict(event.headers)))}",
        ]
        if event.query_string_parameters:
            query = redactor.redact(dict(event.query_string_parameters))
            lines.append(f"query: {_json.dumps(query)}")
        lines.append(f"body: {_describe_body(event, redactor)}")
    lines += ["traceback:", traceback_text.rstrip()]
    return "\n".join(lines)


def _describe_body(event: LambdaEvent, redactor: Redactor) -> str:
    try:
        body = event.get_json_body()
    except RequestError as exc:
        return f"<unreadable: {exc.message}>"
    if body is None:
        return "-"
    try:
        text = _json.dumps(redactor.redact(body))
    except Exception:
        return "<not representable as JSON>"
    if len(text) > MAX_BODY_CHARS:
        text = text[:MAX_BODY_CHARS] + f"... ({len(text)} chars)"
    return text


def deliver(receiver: ErrorReceiver, report: str, *, request_id: str | None) -> None:
    """Hand ``report`` to ``receiver`` (sync or async); log, never raise, if it fails."""
    try:
        _async.call_sync(receiver, report)
    except Exception:
        logger.exception("error_receiver failed", extra={"request_id": request_id})
