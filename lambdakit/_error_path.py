"""The one error path of lambdakit's entry points: the decorator, the WebSocket resolver and the
router all hand a failure to an ``ErrorPolicy``, which owns what follows from it.

- **Options**: ``error_receiver``, ``ignore_app_errors``, ``traceback``, ``redact_fields`` and
  ``error_receiver_timeout`` are checked once, when the entry point is built.
- **Reading the error, safely**: its code (an ``AppError`` whose code is not a string is answered
  with the code as text, and logged as the programming error it is), its message and its
  traceback, each redacted (``lambdakit.redaction``) and never raising, whatever the exception's
  ``__str__`` does.
- **The log line**: ``info`` without traceback for the client's mistakes and ignored codes,
  ``warning`` with it for other ``AppError`` s, ``error`` for everything else. The traceback goes
  in already redacted; the record carries no exception object.
- **Notification**: a redacted report handed to the ``error_receiver``, bounded in time.

A decorator with the default error options imports this on its first failure, so its happy
path never pays for it; one given error options, and the WebSocket resolver, import it when
they are built, to check those options where they are written.
"""

from __future__ import annotations

from lambdakit.errors import INTERNAL_ERROR_CODE, AppError, RequestError
from lambdakit.settings import TRACEBACK_ENV, env_flag

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from lambdakit.events import LambdaEvent
    from lambdakit.redaction import Redactor

    ErrorReceiver = Callable[[str], Any]

__all__ = ["ErrorPolicy", "Failure", "redact_field_names", "text_of"]


def redact_field_names(fields: Iterable[str]) -> tuple[str, ...]:
    """``redact_fields`` as given to an entry point: names, not a string or other values."""
    if isinstance(fields, str):
        raise TypeError("redact_fields must be a sequence of names, not a string")
    names = tuple(fields)
    if not all(isinstance(name, str) for name in names):
        raise TypeError("redact_fields must hold strings")
    return names


class Failure:
    """What the error path made of one exception: what the client may be told, and whether
    it was expected. ``message`` and ``traceback`` are redacted."""

    __slots__ = ("code", "expected", "message", "name", "traceback")

    def __init__(
        self, *, code: str, name: str, message: str, traceback: str, expected: bool
    ) -> None:
        self.code = code
        self.name = name
        self.message = message
        self.traceback = traceback
        self.expected = expected


class ErrorPolicy:
    """How an entry point answers, logs and reports failures; built once, used per failure."""

    __slots__ = (
        "_redactor",
        "error_receiver",
        "ignore",
        "receiver_timeout",
        "redact_fields",
        "traceback",
    )

    def __init__(
        self,
        *,
        error_receiver: ErrorReceiver | None = None,
        ignore_app_errors: Iterable[str] = (),
        traceback: bool | None = None,
        redact_fields: Iterable[str] = (),
        error_receiver_timeout: float | None = None,
    ) -> None:
        if error_receiver is not None and not callable(error_receiver):
            raise TypeError("error_receiver must be callable")
        if isinstance(ignore_app_errors, str):
            raise TypeError("ignore_app_errors must be a collection of codes, not a string")
        if error_receiver_timeout is not None and not 0 < error_receiver_timeout < float("inf"):
            raise ValueError("error_receiver_timeout must be a positive, finite number of seconds")
        self.error_receiver = error_receiver
        self.ignore = frozenset(ignore_app_errors)
        self.traceback = env_flag(TRACEBACK_ENV) if traceback is None else traceback
        self.redact_fields = redact_field_names(redact_fields)
        self.receiver_timeout = error_receiver_timeout
        self._redactor: Redactor | None = None

    @property
    def redactor(self) -> Redactor:
        redactor = self._redactor
        if redactor is None:
            from lambdakit.redaction import Redactor  # the error path only

            redactor = self._redactor = Redactor(self.redact_fields)
        return redactor

    def read(self, error: BaseException) -> Failure:
        """The code, redacted message and traceback of ``error``; never raises."""
        redactor = self.redactor
        code = INTERNAL_ERROR_CODE
        message: Any
        if isinstance(error, AppError):
            code = _code_of(error)
            message = getattr(error, "message", "")
            if isinstance(message, str):
                message = redactor.redact_text(message)
            elif message is not None:
                message = redactor.redact_text(text_of(message))
        else:
            message = redactor.redact_text(_message(error))
        return Failure(
            code=code,
            name=type(error).__name__,
            message=message,
            traceback=redactor.redact_text(_traceback(error)),
            expected=isinstance(error, AppError),
        )

    def is_ignored(self, failure: Failure) -> bool:
        return failure.expected and failure.code in self.ignore

    def report(
        self,
        error: BaseException,
        failure: Failure,
        *,
        event: LambdaEvent,
        request_id: str | None,
        function_name: str,
        fields: dict[str, Any],
        where: str = "",
    ) -> None:
        """Log ``failure`` at the level it deserves and notify the receiver when it should be.
        Never raises."""
        ignored = self.is_ignored(failure)
        if isinstance(error, RequestError) or ignored:  # expected: no traceback
            _log("INFO", "%s: %s", (failure.name, failure.message), fields, None)
        elif failure.expected:
            _log("WARNING", "%s: %s", (failure.name, failure.message), fields, failure)
        else:
            message = f"Unhandled %s{where}: %s"
            _log("ERROR", message, (failure.name, failure.message), fields, failure)
        notify = not ignored and bool(getattr(error, "notify", True))
        if notify and self.error_receiver is not None:
            self._notify(failure, event, request_id, function_name)

    def _notify(
        self, failure: Failure, event: LambdaEvent, request_id: str | None, function_name: str
    ) -> None:
        from lambdakit._notify import build_report, deliver  # the error path only

        assert self.error_receiver is not None  # noqa: S101 - checked by the caller
        try:
            report = build_report(
                function_name=function_name,
                event=event,
                request_id=request_id,
                code=failure.code,
                error_name=failure.name,
                message=text_of(failure.message),
                traceback_text=failure.traceback,
                redactor=self.redactor,
            )
        except Exception:
            from lambdakit._logger import real_logger

            real_logger().exception(
                "Could not build the error report", extra={"request_id": request_id}
            )
            return
        deliver(self.error_receiver, report, request_id=request_id, timeout=self.receiver_timeout)


def _code_of(error: AppError) -> str:
    code = getattr(error, "code", None)
    if isinstance(code, str):
        return code
    text = text_of(code)
    _log(
        "ERROR",
        "AppError code must be a string, got %s: answered as %r (a programming error)",
        (type(code).__name__, text),
        {"rslt_cd": text},
        None,
    )
    return text


def _log(
    level_name: str,
    message: str,
    args: tuple[Any, ...],
    fields: dict[str, Any],
    failure: Failure | None,
) -> None:
    """One record on the ``lambdakit`` logger, with the failure's redacted traceback as its
    exception text: the JSON formatter shows it as ``exception``, a text formatter appends it."""
    import logging

    from lambdakit._logger import real_logger  # logging loads with the first record

    log = real_logger()
    level = logging.getLevelName(level_name)
    if not log.isEnabledFor(level):
        return
    extra = dict(fields)
    if failure is not None:
        extra["exception"] = {
            "type": failure.name,
            "message": text_of(failure.message),
            "traceback": failure.traceback,
        }
    record = log.makeRecord(log.name, level, __file__, 0, message, args, None, extra=extra)
    if failure is not None:
        record.exc_text = failure.traceback.rstrip("\n")
    log.handle(record)


def _message(error: BaseException) -> str:
    try:
        return str(error) or type(error).__name__
    except Exception:  # an exception whose __str__ fails still gets an answer
        return type(error).__name__


def text_of(value: Any) -> str:
    """``str(value)``, or the type's name when that raises."""
    try:
        return value if isinstance(value, str) else str(value)
    except Exception:
        return type(value).__name__


def _traceback(error: BaseException) -> str:
    import traceback  # the error path only

    try:
        return "".join(traceback.format_exception(type(error), error, error.__traceback__))
    except Exception:
        return f"{type(error).__name__} (no traceback: it could not be formatted)\n"
