"""``aws_lambda_handler``: parse -> call -> envelope -> proxy result, and the error path.

A handler's return value is normalised in one place (``_to_response``):

- a ``LambdaResponse``, or a dict that already is a proxy result (has ``statusCode``), is
  passed through, normalised so API Gateway accepts it;
- anything else is the ``data`` of the envelope
  ``{"rslt_cd": "S00000", "rslt_msg": "Call Success", "duration": s, "data": ...}``.

Errors take the same road: an ``AppError`` gives its code and status; anything else ``S99999``
with its message, logged with its traceback and sent to the ``error_receiver``. Invoked with
an event that is not HTTP (a direct invoke, a test), the handler returns the envelope itself.
"""

from __future__ import annotations

import functools
import time
import traceback as tb
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from lambdakit import _async, _json
from lambdakit.cors import DEFAULT_CORS, CorsConfig, is_preflight
from lambdakit.errors import (
    INTERNAL_ERROR_CODE,
    SUCCESS_CODE,
    SUCCESS_MESSAGE,
    AppError,
    RequestError,
)
from lambdakit.events import LambdaEvent
from lambdakit.logs import configure_logging, logger
from lambdakit.notify import ErrorReceiver, build_report, deliver
from lambdakit.redaction import Redactor
from lambdakit.responses import (
    JSON_CONTENT_TYPE,
    LambdaResponse,
    ResponseHeaders,
    content_type_header,
    encode_body,
    is_json_content_type,
)
from lambdakit.settings import ACCESS_LOG_ENV, TRACEBACK_ENV, env_flag

Handler = Callable[[Any, Any], Any]
F = TypeVar("F", bound=Callable[..., Any])

_state = {"cold_start": True}


def aws_lambda_handler(
    error_receiver: ErrorReceiver | None = None,
    content_type: str = JSON_CONTENT_TYPE,
    ignore_app_errors: Iterable[str] = (),
    *,
    traceback: bool | None = None,
    cors: CorsConfig | bool | None = True,
    charset: str | None = "UTF-8",
    access_log: bool | None = None,
    redact_fields: Iterable[str] = (),
    error_status_code: int = 200,
) -> Callable[[Handler], Handler]:
    """Wrap a Lambda handler (sync or async) behind API Gateway, an ALB or a Function URL.

    ``error_receiver`` (sync or async) gets a readable report of each unexpected error and of
    each ``AppError`` whose code is not in ``ignore_app_errors``, with secrets redacted (add
    body field names with ``redact_fields``). ``content_type`` other than JSON sends the
    handler's data as the body as it is. ``traceback=True`` (or ``LAMBDAKIT_TRACEBACK=1``)
    puts tracebacks into error responses, which is off by default. ``cors`` is ``True`` (any
    origin, no credentials), a ``CorsConfig``, or ``False`` for none. ``access_log=True`` (or
    ``LAMBDAKIT_ACCESS_LOG=1``) logs one line per invocation. ``error_status_code`` is the HTTP
    status of an unexpected error (the seed answers 200, with ``S99999`` in the body).
    """
    if error_receiver is not None and not callable(error_receiver):
        raise TypeError("error_receiver must be callable")
    if isinstance(ignore_app_errors, str):
        raise TypeError("ignore_app_errors must be a collection of codes, not a string")
    cors_config = DEFAULT_CORS if cors is True else (cors or None)
    options = _Options(
        error_receiver=error_receiver,
        content_type=content_type,
        ignore=frozenset(ignore_app_errors),
        traceback=env_flag(TRACEBACK_ENV) if traceback is None else traceback,
        cors=cors_config,
        charset=charset,
        access_log=env_flag(ACCESS_LOG_ENV) if access_log is None else access_log,
        redactor=Redactor(redact_fields),
        error_status=error_status_code,
    )

    def decorate(func: Handler) -> Handler:
        if not callable(func):
            raise TypeError("aws_lambda_handler() decorates a function: use @aws_lambda_handler()")
        configure_logging()

        @functools.wraps(func)
        def wrapper(event: Any, context: Any) -> Any:
            return _invoke(func, event, context, options)

        return wrapper

    return decorate


class _Options:
    """What the decorator was configured with, resolved once at decoration time."""

    __slots__ = (
        "access_log",
        "charset",
        "content_type",
        "cors",
        "error_receiver",
        "error_status",
        "ignore",
        "json_headers",
        "json_output",
        "redactor",
        "static_headers",
        "traceback",
    )

    def __init__(
        self,
        *,
        error_receiver: ErrorReceiver | None,
        content_type: str,
        ignore: frozenset[str],
        traceback: bool,
        cors: CorsConfig | None,
        charset: str | None,
        access_log: bool,
        redactor: Redactor,
        error_status: int,
    ) -> None:
        self.error_receiver = error_receiver
        self.content_type = content_type
        self.ignore = ignore
        self.traceback = traceback
        self.cors = cors
        self.charset = charset
        self.access_log = access_log
        self.redactor = redactor
        self.error_status = error_status
        self.json_output = is_json_content_type(content_type)
        # Headers that do not depend on the request's Origin are built once.
        origin_free = cors is None or cors.wildcard
        self.static_headers = (
            dict(ResponseHeaders.create(content_type, charset, cors=cors)) if origin_free else None
        )
        self.json_headers = (
            dict(ResponseHeaders.create(JSON_CONTENT_TYPE, "UTF-8", cors=cors))
            if origin_free
            else None
        )

    def headers(self, origin: str | None, *, json: bool) -> dict[str, str]:
        static = self.json_headers if json else self.static_headers
        if static is not None:
            return dict(static)
        content_type = JSON_CONTENT_TYPE if json else self.content_type
        return ResponseHeaders.create(
            content_type, "UTF-8" if json else self.charset, cors=self.cors, origin=origin
        )


def _invoke(func: Handler, event: Any, context: Any, options: _Options) -> Any:
    start = time.perf_counter()
    view = LambdaEvent.from_event(event)
    trigger = view.trigger
    is_http = trigger != "unknown"
    origin = view.headers.get("origin") if is_http and options.cors is not None else None
    request_id = view.requestContext.request_id or getattr(context, "aws_request_id", None)
    code = SUCCESS_CODE
    response: LambdaResponse | None = None
    envelope: dict[str, Any] | None = None
    try:
        if is_http and options.cors is not None and is_preflight(view.http_method, view.headers):
            response = LambdaResponse(
                statusCode=204,
                headers=options.cors.preflight_headers(
                    origin, view.headers.get("access-control-request-headers")
                ),
            )
        else:
            result = _async.call_sync(func, event, context)
            if isinstance(result, LambdaResponse):
                response = result
            elif isinstance(result, Mapping) and "statusCode" in result:
                response = LambdaResponse.from_proxy_dict(result)
            else:
                envelope = {
                    "rslt_cd": SUCCESS_CODE,
                    "rslt_msg": SUCCESS_MESSAGE,
                    "duration": _duration(start),
                    "data": result,
                }
                if is_http:
                    response = _success_response(result, envelope, origin, options)
                else:  # returned to the Lambda runtime, whose json knows no dataclass
                    envelope = _json.loads(_json.dumps(envelope))
        if response is not None and options.cors is not None:
            response = response.with_default_headers(options.cors.headers_for(origin))
    except AppError as error:
        code = error.code
        envelope, response = _error(
            error,
            error.code,
            error.message,
            error.status_code,
            start,
            origin,
            is_http,
            options,
            details=error.details,
        )
        _report(
            func,
            view,
            request_id,
            error,
            options,
            notify=error.notify and error.code not in options.ignore,
            expected=True,
        )
    except Exception as error:
        code = INTERNAL_ERROR_CODE
        envelope, response = _error(
            error, code, _message(error), options.error_status, start, origin, is_http, options
        )
        _report(func, view, request_id, error, options, notify=True, expected=False)

    if options.access_log:
        _log_access(view, request_id, start, response, code)
    _state["cold_start"] = False
    if response is None:
        return envelope
    if not is_http:
        return response.to_dict()
    return response.to_proxy_result(
        trigger, alb_multi_value=isinstance(view.raw_event.get("multiValueHeaders"), dict)
    )


def _message(error: BaseException) -> str:
    try:
        return str(error) or type(error).__name__
    except Exception:  # an exception whose __str__ fails still gets an answer
        return type(error).__name__


def _duration(start: float) -> float:
    return round(time.perf_counter() - start, 6)


def _success_response(
    result: Any, envelope: dict[str, Any], origin: str | None, options: _Options
) -> LambdaResponse:
    if options.json_output:
        return LambdaResponse(
            headers=options.headers(origin, json=True), body=_json.dumps(envelope)
        )
    # Any other content type sends the handler's data as the body: a str or bytes, or the
    # seed's ``{"data": "<root>...</root>"}``.
    data = result
    if isinstance(result, Mapping) and len(result) == 1 and "data" in result:
        data = result["data"]
    body, is_base64 = encode_body(data, options.content_type)
    headers = options.headers(origin, json=False)
    if is_base64:
        headers["Content-Type"] = content_type_header(options.content_type, None)
    return LambdaResponse(headers=headers, body=body, isBase64Encoded=is_base64)


def _error(
    error: BaseException,
    code: str,
    message: str,
    status: int,
    start: float,
    origin: str | None,
    is_http: bool,
    options: _Options,
    *,
    details: Any = None,
) -> tuple[dict[str, Any], LambdaResponse | None]:
    envelope: dict[str, Any] = {"rslt_cd": code, "rslt_msg": message, "duration": _duration(start)}
    if details is not None:
        envelope["details"] = details
    if options.traceback:
        envelope["traceback"] = "".join(
            tb.format_exception(type(error), error, error.__traceback__)
        )
    if not is_http:
        return envelope, None
    try:
        body = _json.dumps(envelope)
    except (TypeError, ValueError):  # details that are not JSON: drop them, keep the error
        envelope.pop("details", None)
        body = _json.dumps(envelope)
    return envelope, LambdaResponse(
        statusCode=status, headers=options.headers(origin, json=True), body=body
    )


def _report(
    func: Handler,
    view: LambdaEvent,
    request_id: str | None,
    error: BaseException,
    options: _Options,
    *,
    notify: bool,
    expected: bool,
) -> None:
    code = error.code if isinstance(error, AppError) else INTERNAL_ERROR_CODE
    fields = {"request_id": request_id, "rslt_cd": code, "path": view.path or None}
    name = type(error).__name__
    if isinstance(error, RequestError):
        # The client's mistake, not the code's: no traceback into lambdakit's parser.
        logger.info("%s: %s", name, _message(error), extra=fields)
    elif expected:
        logger.warning("%s: %s", name, _message(error), exc_info=error, extra=fields)
    else:
        logger.error("Unhandled %s: %s", name, _message(error), exc_info=error, extra=fields)
    if not notify or options.error_receiver is None:
        return
    try:
        report = build_report(
            function_name=getattr(func, "__qualname__", repr(func)),
            event=view,
            request_id=request_id,
            code=code,
            error=error,
            traceback_text="".join(tb.format_exception(type(error), error, error.__traceback__)),
            redactor=options.redactor,
        )
    except Exception:
        logger.exception("Could not build the error report", extra={"request_id": request_id})
        return
    deliver(options.error_receiver, report, request_id=request_id)


def _log_access(
    view: LambdaEvent,
    request_id: str | None,
    start: float,
    response: LambdaResponse | None,
    code: str,
) -> None:
    logger.info(
        "request",
        extra={
            "request_id": request_id,
            "cold_start": _state["cold_start"],
            "duration_ms": round((time.perf_counter() - start) * 1000, 3),
            "trigger": view.trigger,
            "method": view.http_method or None,
            "path": view.path or None,
            "status": response.statusCode if response is not None else None,
            "rslt_cd": code,
        },
    )
