"""``aws_lambda_handler``: parse -> call -> envelope -> proxy result, and the error path.

A handler's return value is normalised in one place (``_outcome``):

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
from collections.abc import Callable, Iterable, Mapping

from lambdakit import _async, _json
from lambdakit.cors import DEFAULT_CORS, CorsConfig, _is_preflight_request
from lambdakit.errors import SUCCESS_CODE, SUCCESS_MESSAGE, AppError
from lambdakit.events import LambdaEvent, _trigger_of
from lambdakit.responses import (
    JSON_CONTENT_TYPE,
    LambdaResponse,
    ResponseHeaders,
    _check_status,
    _content_type_header,
    _encode_body,
    _is_json_content_type,
)
from lambdakit.settings import ACCESS_LOG_ENV, TRACEBACK_ENV, env_flag

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Any

    from lambdakit._error_path import ErrorPolicy, ErrorReceiver, Failure
    from lambdakit.events import Trigger

    Handler = Callable[[Any, Any], Any]

__all__ = ["aws_lambda_handler"]

_state = {"cold_start": True}
# '{"rslt_cd":"S00000","rslt_msg":"Call Success","duration":', as _json writes it.
_SUCCESS_HEAD = _json._stdlib_dumps({"rslt_cd": SUCCESS_CODE, "rslt_msg": SUCCESS_MESSAGE})[:-1]
_SUCCESS_HEAD += ',"duration":'


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
    error_message: str | None = None,
    error_receiver_timeout: float | None = None,
) -> Callable[[Handler], Handler]:
    """Wrap a Lambda handler (sync or async) behind API Gateway, an ALB or a Function URL.

    ``error_receiver`` (sync or async) gets a readable report of each unexpected error and of
    each ``AppError`` whose code is not in ``ignore_app_errors``, with secrets redacted (add
    body field names with ``redact_fields``). ``content_type`` other than JSON sends the
    handler's data as the body as it is. ``traceback=True`` (or ``LAMBDAKIT_TRACEBACK=1``)
    puts tracebacks into error responses, which is off by default. ``cors`` is ``True`` (any
    origin, no credentials), a ``CorsConfig``, or ``False`` for none. ``access_log=True`` (or
    ``LAMBDAKIT_ACCESS_LOG=1``) logs one line per invocation. ``error_status_code`` is the HTTP
    status of an unexpected error (the seed answers 200, with ``S99999`` in the body);
    ``error_message``, when set, replaces the exception's message in that answer.
    ``error_receiver_timeout`` bounds how long the response waits for the receiver (default:
    ``LAMBDAKIT_ERROR_RECEIVER_TIMEOUT``, else 2 s).
    """
    traceback = env_flag(TRACEBACK_ENV) if traceback is None else traceback
    policy = None
    if not (
        error_receiver is None
        and error_receiver_timeout is None
        and _no_names(ignore_app_errors)
        and _no_names(redact_fields)
    ):
        # Options of the error path are checked now; left at their defaults there is nothing
        # to check, and the error path (its module and what it loads) waits for a failure.
        from lambdakit._error_path import ErrorPolicy

        policy = ErrorPolicy(
            error_receiver=error_receiver,
            ignore_app_errors=ignore_app_errors,
            traceback=traceback,
            redact_fields=redact_fields,
            error_receiver_timeout=error_receiver_timeout,
        )
    options = _Options(
        policy=policy,
        traceback=traceback,
        content_type=content_type,
        cors=DEFAULT_CORS if cors is True else (cors or None),
        charset=charset,
        access_log=env_flag(ACCESS_LOG_ENV) if access_log is None else access_log,
        error_status=_check_status(error_status_code),
        error_message=error_message,
    )

    def decorate(func: Handler, *misuse: Any) -> Handler:
        if misuse or not callable(func):
            raise TypeError(
                "aws_lambda_handler() decorates a function: write @aws_lambda_handler(), "
                "with the parentheses"
            )
        call = _async.call_async if _async.is_async_callable(func) else _async.call_sync

        @functools.wraps(func)
        def wrapper(event: Any, context: Any) -> Any:
            return _invoke(func, call, event, context, options)

        return wrapper

    return decorate


def _no_names(names: Iterable[str]) -> bool:
    """Whether ``ignore_app_errors`` / ``redact_fields`` is left at its default, ``()``."""
    return type(names) is tuple and not names


class _Options:
    """What the decorator was configured with, resolved once at decoration time."""

    __slots__ = (
        "_policy",
        "_traceback",
        "access_log",
        "charset",
        "content_type",
        "cors",
        "error_message",
        "error_status",
        "json_output",
        "static_headers",
    )

    def __init__(
        self,
        *,
        policy: ErrorPolicy | None,
        traceback: bool,
        content_type: str,
        cors: CorsConfig | None,
        charset: str | None,
        access_log: bool,
        error_status: int,
        error_message: str | None,
    ) -> None:
        self._policy = policy
        self._traceback = traceback
        self.content_type = content_type
        self.cors = cors
        self.charset = charset
        self.access_log = access_log
        self.error_status = error_status
        self.error_message = error_message
        self.json_output = _is_json_content_type(content_type)
        # Headers that do not depend on the request's Origin are built once.
        self.static_headers = (
            self.headers(None, json=self.json_output) if cors is None or cors.wildcard else None
        )

    @property
    def policy(self) -> ErrorPolicy:
        """The error path's policy; with the default options, built on the first failure."""
        policy = self._policy
        if policy is None:
            from lambdakit._error_path import ErrorPolicy

            policy = self._policy = ErrorPolicy(traceback=self._traceback)
        return policy

    def headers(self, origin: str | None, *, json: bool) -> dict[str, str]:
        """Content type and CORS headers; JSON ones for the envelope (and errors)."""
        content_type, charset = self.content_type, self.charset
        if json and not self.json_output:
            content_type, charset = JSON_CONTENT_TYPE, "UTF-8"
        return ResponseHeaders.create(content_type, charset, cors=self.cors, origin=origin)

    def headers_for(self, view: LambdaEvent, *, json: bool) -> dict[str, str]:
        if self.static_headers is not None and json == self.json_output:
            return self.static_headers  # shared: to_proxy_result copies it
        return self.headers(_origin(view, self), json=json)


def _origin(view: LambdaEvent, options: _Options) -> str | None:
    if options.cors is None or options.cors.wildcard:
        return None  # the answer is the same for every origin
    return view.headers.get("origin")


def _invoke(
    func: Handler, call: Callable[..., Any], event: Any, context: Any, options: _Options
) -> Any:
    start = time.perf_counter()
    # A plain dict (what Lambda passes) is viewed only when something needs more than its
    # trigger: a preflight, a passthrough, an error, the access log, headers by Origin.
    view: LambdaEvent | None = None
    if type(event) is dict:
        trigger = _trigger_of(event)
    else:
        view = LambdaEvent.from_event(event)
        trigger = view.trigger
    http = trigger != "unknown"
    code = SUCCESS_CODE
    try:
        preflight = False
        if http and options.cors is not None:
            # A method other than OPTIONS, read from the plain dict, rules a preflight out.
            method = _method_of(event) if view is None else None
            if method is None or method == "OPTIONS":
                view = _viewed(view, event, trigger)
                preflight = _is_preflight(view, options)
        if preflight:
            assert view is not None  # noqa: S101 - viewed above
            output = _emit(_preflight(view, options), view, http)
        else:
            output = _output(call(func, event, context), start, event, trigger, view, options)
    except AppError as error:
        view = _viewed(view, event, trigger)
        failure = options.policy.read(error)
        code = failure.code
        status = getattr(error, "status_code", 200)
        details = getattr(error, "details", None)
        output = _failure(failure, failure.message, status, start, view, http, options, details)
        _report(func, view, context, error, failure, options)
    except Exception as error:
        view = _viewed(view, event, trigger)
        failure = options.policy.read(error)
        code = failure.code
        message = options.error_message or failure.message
        output = _failure(failure, message, options.error_status, start, view, http, options)
        _report(func, view, context, error, failure, options)
    if options.access_log:
        _log_access(_viewed(view, event, trigger), context, start, output, code)
    _state["cold_start"] = False
    return output


def _method_of(event: dict[str, Any]) -> Any:
    """The method of a plain-dict event where it is a plain read: at the top (REST, ALB) or
    in ``requestContext.http`` (HTTP API, Function URL); else None."""
    method = event.get("httpMethod")
    if method is None:
        context = event.get("requestContext")
        http = context.get("http") if type(context) is dict else None
        if type(http) is dict:
            method = http.get("method")
    return method


def _viewed(view: LambdaEvent | None, event: Any, trigger: Trigger) -> LambdaEvent:
    """``view``, or the view of the plain dict ``event`` when none was needed until now."""
    return LambdaEvent._of_dict(event, trigger) if view is None else view


def _preflight(view: LambdaEvent, options: _Options) -> LambdaResponse:
    assert options.cors is not None  # noqa: S101 - checked by the caller
    headers = options.cors.preflight_headers(
        view.headers.get("origin"), view.headers.get("access-control-request-headers")
    )
    return LambdaResponse(statusCode=204, headers=headers)


def _is_preflight(view: LambdaEvent, options: _Options) -> bool:
    method = view.raw_event.get("httpMethod")  # REST and ALB; else HTTP API's requestContext
    if method is None:
        method = view.http_method
    return method == "OPTIONS" and _is_preflight_request("OPTIONS", view.headers)


def _output(
    result: Any,
    start: float,
    event: Any,
    trigger: Trigger,
    view: LambdaEvent | None,
    options: _Options,
) -> Any:
    """The handler's return value as what the function returns: the proxy result, or (not
    over HTTP) the envelope. The one place a return value is normalised."""
    if type(result) is dict:
        passthrough = "statusCode" in result
    else:
        passthrough = isinstance(result, LambdaResponse) or (
            isinstance(result, Mapping) and "statusCode" in result
        )
    http = trigger != "unknown"
    if passthrough:
        view = _viewed(view, event, trigger)
        return _emit(_passthrough(result, view, http, options), view, http)
    if not http:  # returned to the Lambda runtime, whose json knows no dataclass
        envelope = {
            "rslt_cd": SUCCESS_CODE,
            "rslt_msg": SUCCESS_MESSAGE,
            "duration": _duration(start),
            "data": result,
        }
        return _json.loads(_json.dumps(envelope))
    if options.json_output:
        # The envelope's fixed part is written once: only the duration and the data are
        # encoded per call. The same text as _json.dumps(envelope), the duration first.
        duration = _seconds_text(time.perf_counter() - start)
        body = f'{_SUCCESS_HEAD}{duration},"data":{_json.dumps(result)}}}'
        static = options.static_headers
        if static is not None and trigger != "alb":
            # The common case, built directly: what to_proxy_result() gives for it.
            return {
                "statusCode": 200,
                "headers": static.copy(),
                "body": body,
                "isBase64Encoded": False,
            }
        view = _viewed(view, event, trigger)
        response = LambdaResponse(headers=options.headers_for(view, json=True), body=body)
        return _emit(response, view, http)
    # Any other content type sends the handler's data as the body: a str or bytes, or the
    # seed's ``{"data": "<root>...</root>"}``.
    view = _viewed(view, event, trigger)
    data = result
    if isinstance(result, Mapping) and len(result) == 1 and "data" in result:
        data = result["data"]
    body, is_base64 = _encode_body(data, options.content_type)
    headers = options.headers_for(view, json=False)
    if is_base64:
        headers = {**headers, "Content-Type": _content_type_header(options.content_type, None)}
    return _emit(LambdaResponse(headers=headers, body=body, isBase64Encoded=is_base64), view, http)


def _passthrough(result: Any, view: LambdaEvent, http: bool, options: _Options) -> LambdaResponse:
    """A returned ``LambdaResponse`` or proxy dict, normalised, with the decorator's CORS."""
    if isinstance(result, LambdaResponse):
        # create()'s default CORS yields to a configuration given to the decorator.
        response = result.normalised(
            drop_cors=result.uses_default_cors and options.cors is not DEFAULT_CORS
        )
    else:
        response = LambdaResponse.from_proxy_dict(result)
    if options.cors is not None and http:
        defaults = options.cors.headers_for(view.headers.get("origin"))
        own = (*response.headers, *response.multiValueHeaders)
        if any(k.lower() == "access-control-allow-origin" for k in own):
            # The handler answers CORS itself: adding the decorator's credentials (or any
            # other policy) next to its origin would mix two policies, e.g. "*" + credentials.
            defaults = {k: v for k, v in defaults.items() if k == "Vary"}
        response = response.with_default_headers(defaults)
    return response


def _emit(response: LambdaResponse, view: LambdaEvent, http: bool) -> Any:
    """The proxy result of ``response`` for the event's trigger."""
    if not http:
        return response.to_dict()
    return response.to_proxy_result(
        view.trigger, alb_multi_value=isinstance(view.raw_event.get("multiValueHeaders"), dict)
    )


def _duration(start: float) -> float:
    return round(time.perf_counter() - start, 6)


def _seconds_text(seconds: float) -> str:
    """``repr(round(seconds, 6))``, the duration as JSON writes it, without ``round``'s exact
    decimal arithmetic (0.3 µs of a 2 µs call).

    Below 1e9 µs, ``seconds * 1e6`` is within 1.2e-7 of the exact product, so away from a
    tie (.5) it rounds to the same whole number ``k`` of microseconds as ``round`` does; and
    ``k / 1e6`` is the very float ``round`` returns (both are the double nearest to
    k·10⁻⁶). Near a tie, at zero and beyond that range, ``round`` itself decides.
    """
    micros = seconds * 1e6
    if 0.0 < micros < 1e9:
        whole = int(micros)
        fraction = micros - whole  # exact: Sterbenz, or whole == 0
        if not 0.4999 < fraction < 0.5001:
            return repr((whole + (fraction > 0.5)) / 1e6)
    return repr(round(seconds, 6))


def _failure(
    failure: Failure,
    message: Any,
    status: int,
    start: float,
    view: LambdaEvent,
    http: bool,
    options: _Options,
    details: Any = None,
) -> Any:
    """The error envelope, as a proxy result over HTTP; never raises."""
    code = failure.code
    envelope: dict[str, Any] = {"rslt_cd": code, "rslt_msg": message, "duration": _duration(start)}
    if details is not None:
        envelope["details"] = details
    if options.policy.traceback:
        envelope["traceback"] = failure.traceback
    try:
        body = _json.dumps(envelope)
    except Exception:  # details (or an odd message) that cannot be JSON
        from lambdakit._error_path import text_of

        envelope.pop("details", None)
        envelope["rslt_cd"], envelope["rslt_msg"] = text_of(code), text_of(message)
        body = _json.dumps(envelope)
    if not http:
        return _json.loads(body)
    try:
        headers = options.headers_for(view, json=True)
        status = _check_status(status)
    except Exception:
        headers, status = {"Content-Type": "application/json; charset=UTF-8"}, 500
    return _emit(LambdaResponse(statusCode=status, headers=headers, body=body), view, http)


def _request_id(view: LambdaEvent, context: Any) -> str | None:
    return view.requestContext.request_id or getattr(context, "aws_request_id", None)


def _report(
    func: Handler,
    view: LambdaEvent,
    context: Any,
    error: BaseException,
    failure: Failure,
    options: _Options,
) -> None:
    """Log the failure and notify the receiver, as the error path decides."""
    request_id = _request_id(view, context)
    options.policy.report(
        error,
        failure,
        event=view,
        request_id=request_id,
        function_name=getattr(func, "__qualname__", None) or repr(func),
        fields={"request_id": request_id, "rslt_cd": failure.code, "path": view.path or None},
    )


def _log_access(view: LambdaEvent, context: Any, start: float, output: Any, code: str) -> None:
    from lambdakit._logger import logger  # the access log only

    status = output.get("statusCode") if isinstance(output, dict) else None
    logger.info(
        "request",
        extra={
            "request_id": _request_id(view, context),
            "cold_start": _state["cold_start"],
            "duration_ms": round((time.perf_counter() - start) * 1000, 3),
            "trigger": view.trigger,
            "method": view.http_method or None,
            "path": view.path or None,
            "status": status,
            "rslt_cd": code,
        },
    )
