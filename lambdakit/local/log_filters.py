"""Filters on uvicorn's loggers: no query strings or secret-looking path segments in its access
and WebSocket lines (``?token=...`` would otherwise land in the terminal and in CI logs), and
no false error after a rejected handshake."""

from __future__ import annotations

import logging
import re
from typing import Final

REDACTED: Final = "[REDACTED]"
_JWT = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*")
_TOKEN_CHARS = re.compile(r"[\w\-.~+/=%]+")


def _secret_looking(segment: str) -> bool:
    # A JWT, or a long run of token characters mixing letters and digits (API keys, reset
    # tokens, hex digests, UUIDs); ordinary path words and short ids stay readable.
    if _JWT.fullmatch(segment):
        return True
    return (
        len(segment) >= 24
        and _TOKEN_CHARS.fullmatch(segment) is not None
        and any(c.isdigit() for c in segment)
        and any(c.isalpha() for c in segment)
    )


def loggable_path(path: str) -> str:
    """``/reset/3f9c...e1?token=abc`` -> ``/reset/[REDACTED]``: no query string, no
    secret-looking segment."""
    path = path.split("?", 1)[0]
    return "/".join(REDACTED if _secret_looking(s) else s for s in path.split("/"))


class _SafePathFilter(logging.Filter):
    # uvicorn's access line ('%s - "%s %s HTTP/%s" %d') and its WebSocket lines ('%s -
    # "WebSocket %s" ...') carry the path with its query string: rewrite that argument.
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                loggable_path(a) if isinstance(a, str) and a.startswith("/") else a
                for a in record.args
            )
        return True


class _RejectedHandshakeFilter(logging.Filter):
    # uvicorn's websockets-sansio logs an error after an app rejects a handshake with the
    # ASGI "websocket.http.response" extension, although the response went out as sent.
    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing handshake" not in record.getMessage()


def install_log_filters() -> None:
    """Idempotent: add the filters to uvicorn's loggers."""
    for name, kind in (
        ("uvicorn.access", _SafePathFilter),
        ("uvicorn.error", _SafePathFilter),
        ("uvicorn.error", _RejectedHandshakeFilter),
    ):
        log = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in log.filters):
            log.addFilter(kind())
