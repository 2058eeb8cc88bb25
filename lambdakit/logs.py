"""Structured JSON logs through the standard ``logging`` module.

lambdakit logs to the ``lambdakit`` logger. ``configure_logging()`` (called on lambdakit's first
log record, never on import) gives that logger one JSON line per record on stdout, where Lambda
sends it to CloudWatch, unless the application configured the logger itself. The level comes
from ``LAMBDAKIT_LOG_LEVEL``, else Lambda's ``AWS_LAMBDA_LOG_LEVEL``, else ``INFO``.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import sys
from typing import Any, Final, TextIO

from lambdakit.settings import AWS_LAMBDA_LOG_LEVEL_ENV, LOG_LEVEL_ENV

__all__ = ["JsonFormatter", "configure_logging", "get_logger", "level_from_env"]

_LOGGER_NAME: Final = "lambdakit"


def get_logger() -> logging.Logger:
    return logging.getLogger(_LOGGER_NAME)


# Attributes every LogRecord has; anything else on a record came in through ``extra=``.
_RECORD_ATTRS: Final = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the ``extra`` fields, and
    ``exception`` (type, message, traceback) when the record carries one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[1] is not None and "exception" not in entry:
            entry["exception"] = _exception_fields(record.exc_info[1], self.formatException)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _exception_fields(error: BaseException, format_exception: Any) -> dict[str, str]:
    """``type``, ``message`` and ``traceback`` of a record's exception, redacted; never raises,
    whatever the exception's ``__str__`` does."""
    from lambdakit.redaction import Redactor

    redactor = Redactor()
    try:
        message = str(error)
    except Exception:
        message = f"<{type(error).__name__}.__str__ failed>"
    try:
        text = format_exception((type(error), error, error.__traceback__))
    except Exception:
        text = "<the traceback could not be formatted>"
    return {
        "type": type(error).__name__,
        "message": redactor.redact_text(message),
        "traceback": redactor.redact_text(text),
    }


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stdout`` is at the time of the record (test capture included)."""

    @property
    def stream(self) -> TextIO:
        return sys.stdout

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def level_from_env() -> int:
    name = os.environ.get(LOG_LEVEL_ENV) or os.environ.get(AWS_LAMBDA_LOG_LEVEL_ENV) or "INFO"
    level = logging.getLevelName(name.strip().upper())
    return level if isinstance(level, int) else logging.INFO


_configured = False


def configure_logging() -> None:
    """Give the ``lambdakit`` logger a JSON handler, once, unless it already has handlers."""
    global _configured
    if _configured:
        return
    _configured = True
    log = get_logger()
    if log.handlers:
        return
    handler = _StdoutHandler()
    handler.setFormatter(JsonFormatter())
    log.addHandler(handler)
    if log.level == logging.NOTSET:  # a level the application set stays
        log.setLevel(level_from_env())
    # Lambda's runtime puts its own text handler on the root logger: do not log twice.
    log.propagate = False
