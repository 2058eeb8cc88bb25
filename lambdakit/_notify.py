"""Error notifications: a readable report for the ``error_receiver``, delivered without risk.

The report names the request (id, method, path, source IP), the error and its traceback, and
shows headers, query and body with secrets redacted. A receiver that raises is logged; it never
changes the response. A receiver that hangs never holds the response for more than a bound: it
runs in a daemon thread, and ``deliver`` waits for it at most
``LAMBDAKIT_ERROR_RECEIVER_TIMEOUT`` seconds (2 by default), then logs the timeout and lets the
response go. At most ``MAX_PENDING_DELIVERIES`` receivers run at once; past that, reports are
dropped (and logged) rather than piling up threads behind a receiver that never returns.
"""

from __future__ import annotations

import math
import os
import threading
from typing import Any, Final

from lambdakit import _async, _json
from lambdakit._logger import logger
from lambdakit.errors import RequestError
from lambdakit.events import LambdaEvent
from lambdakit.redaction import Redactor
from lambdakit.settings import RECEIVER_TIMEOUT_ENV

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: kept the same way in every module
if TYPE_CHECKING:
    from lambdakit._error_path import ErrorReceiver

__all__ = [
    "DEFAULT_RECEIVER_TIMEOUT",
    "MAX_BODY_CHARS",
    "MAX_PENDING_DELIVERIES",
    "build_report",
    "deliver",
    "receiver_timeout",
]

MAX_BODY_CHARS: Final = 2000
DEFAULT_RECEIVER_TIMEOUT: Final = 2.0
MAX_PENDING_DELIVERIES: Final = 8

_pending = threading.BoundedSemaphore(MAX_PENDING_DELIVERIES)


def build_report(
    *,
    function_name: str,
    event: LambdaEvent,
    request_id: str | None,
    code: str,
    error_name: str,
    message: str,
    traceback_text: str,
    redactor: Redactor,
) -> str:
    """The text sent to an ``error_receiver``; ``message`` and ``traceback_text`` come
    redacted."""
    lines = [
        f"[{code}] {error_name}: {message}",
        f"function: {function_name}",
        f"request_id: {request_id or '-'}",
    ]
    if event.trigger != "unknown":
        lines += [
            f"trigger: {event.trigger}",
            f"request: {event.http_method or '-'} {redactor.redact_text(event.path) or '-'}",
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


def receiver_timeout() -> float:
    """Seconds ``deliver`` waits for a receiver: ``LAMBDAKIT_ERROR_RECEIVER_TIMEOUT`` when it is
    a positive number, else ``DEFAULT_RECEIVER_TIMEOUT``."""
    raw = os.environ.get(RECEIVER_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_RECEIVER_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        logger.warning(
            "%s=%r is not a positive number of seconds; using %s",
            RECEIVER_TIMEOUT_ENV,
            raw,
            DEFAULT_RECEIVER_TIMEOUT,
        )
        return DEFAULT_RECEIVER_TIMEOUT
    return value


def deliver(
    receiver: ErrorReceiver,
    report: str,
    *,
    request_id: str | None,
    timeout: float | None = None,
) -> bool:
    """Hand ``report`` to ``receiver`` (sync or async) and wait for it at most ``timeout``
    seconds (default: ``receiver_timeout()``). Never raises: a receiver that fails is logged,
    one that runs past the bound is logged. Returns whether it finished (well or not) in time.

    An async receiver runs on the handler's own event loop (so it may use what the handler
    made there: sessions, clients, locks), cancelled at the bound. A sync one runs in a daemon
    thread, left to finish past the bound.
    """
    limit = min(receiver_timeout() if timeout is None else timeout, threading.TIMEOUT_MAX)
    extra = {"request_id": request_id}
    if _async.is_async_callable(receiver):
        return _deliver_async(receiver, report, limit, extra)
    if not _pending.acquire(blocking=False):
        logger.error(
            "error_receiver: %d deliveries still running; report dropped",
            MAX_PENDING_DELIVERIES,
            extra=extra,
        )
        return False

    def run() -> None:
        try:
            _call(receiver, report)
        except Exception:
            logger.exception("error_receiver failed", extra=extra)
        finally:
            _pending.release()

    if _async.call_with_deadline(run, limit, name="lambdakit-error-receiver"):
        return True
    logger.error(
        "error_receiver did not finish within %s s; the response was not held for it",
        limit,
        extra=extra,
    )
    return False


def _deliver_async(
    receiver: ErrorReceiver, report: str, limit: float, extra: dict[str, Any]
) -> bool:
    import asyncio

    try:
        _async.run_sync(asyncio.wait_for(receiver(report), limit))
    except (asyncio.TimeoutError, TimeoutError):
        logger.error(
            "error_receiver did not finish within %s s and was cancelled", limit, extra=extra
        )
        return False
    except Exception:
        logger.exception("error_receiver failed", extra=extra)
    return True


def _call(receiver: ErrorReceiver, report: str) -> None:
    """Run a sync receiver in its one-shot thread (one that still returns an awaitable gets a
    loop of its own there)."""
    result = receiver(report)
    if _async.is_awaitable(result):
        _async.run_fresh(result)
