"""``WebSocketResolver``: routes API Gateway WebSocket events to handlers, through middleware.

Routing is by ``requestContext.routeKey``: ``$connect``, ``$disconnect``, custom route keys and
``$default`` (which also takes routes this resolver has no handler for). Handlers are called as
the seed shows them, sync or async::

    connect / disconnect:  handler(event, context, connection_id)
    messages:              handler(event, context, connection_id, body)

``body`` is the parsed JSON of the frame, the raw text when it is not JSON, ``bytes`` for a
binary frame, ``None`` when there is none. Failures answer with the bodies API Gateway itself
sends, so clients see one shape locally and on AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from lambdakit import _async, _json
from lambdakit._error_path import ErrorPolicy
from lambdakit._logger import logger
from lambdakit._middleware import Middleware, compose, instance_of
from lambdakit.errors import MALFORMED_EVENT_CODE, AppError, InvalidBodyError
from lambdakit.events import LambdaEvent
from lambdakit.responses import LambdaResponse

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "CONNECT",
    "DEFAULT",
    "DISCONNECT",
    "Middleware",
    "WebSocketResolver",
]

CONNECT: Final = "$connect"
DISCONNECT: Final = "$disconnect"
DEFAULT: Final = "$default"

if TYPE_CHECKING:
    from typing import Final, TypeVar

    from lambdakit._error_path import ErrorReceiver
    from lambdakit._middleware import MiddlewareCallable, NextHandler
    from lambdakit.responses import ProxyResult

    F = TypeVar("F", bound=Callable[..., Any])


class WebSocketResolver:
    """Route table, middleware chain and error handling for a WebSocket API's Lambda function.

    ``error_receiver``, ``error_receiver_timeout``, ``ignore_app_errors``, ``redact_fields`` and
    ``traceback`` work as in
    ``aws_lambda_handler``: the receiver gets a redacted report of each unexpected error and of
    each ``AppError`` not ignored; tracebacks reach the client only when enabled.
    """

    def __init__(
        self,
        *,
        error_receiver: ErrorReceiver | None = None,
        traceback: bool | None = None,
        redact_fields: Iterable[str] = (),
        ignore_app_errors: Iterable[str] = (),
        error_receiver_timeout: float | None = None,
    ) -> None:
        self._policy = ErrorPolicy(
            error_receiver=error_receiver,
            ignore_app_errors=ignore_app_errors,
            traceback=traceback,
            redact_fields=redact_fields,
            error_receiver_timeout=error_receiver_timeout,
        )
        self._routes: dict[str, Callable[..., Any]] = {}
        self._middleware: list[MiddlewareCallable] = []
        self._composed: dict[str, _Route] = {}

    # -- registration ------------------------------------------------------------------------

    def on_connect(self) -> Callable[[F], F]:
        """Register the ``$connect`` handler: ``(event, context, connection_id)``."""
        return self._register(CONNECT)

    def on_disconnect(self) -> Callable[[F], F]:
        """Register the ``$disconnect`` handler: ``(event, context, connection_id)``."""
        return self._register(DISCONNECT)

    def on_message(self, route: str = DEFAULT) -> Callable[[F], F]:
        """Register a message handler for ``route`` (a route key, or ``$default``):
        ``(event, context, connection_id, body)``."""
        if not isinstance(route, str) or not route:
            raise ValueError("on_message() needs a route key, such as 'sendmessage' or '$default'")
        if route in (CONNECT, DISCONNECT):
            raise ValueError(f"use on_{route[1:]}() for {route}")
        return self._register(route)

    def _register(self, route: str) -> Callable[[F], F]:
        def decorate(func: F) -> F:
            if not callable(func):
                raise TypeError(f"the handler for {route} must be callable")
            if route in self._routes:
                raise ValueError(f"a handler for the route {route!r} is already registered")
            self._routes[route] = func
            self._composed.clear()
            return func

        return decorate

    def middleware(self, middleware: Any) -> Any:
        """Add middleware, run in registration order around every route.

        Accepts a class (instantiated with no arguments, as in the seed's example), an instance
        with ``async __call__(self, event, context, next_handler)``, or a plain function with
        that signature, sync or async. Returns its argument, so it works as a decorator.
        """
        self._middleware.append(instance_of(middleware))
        self._composed.clear()
        return middleware

    @property
    def routes(self) -> frozenset[str]:
        """The route keys that have a handler."""
        return frozenset(self._routes)

    # -- dispatch ----------------------------------------------------------------------------

    def resolve(self, event: Any, context: Any) -> ProxyResult:
        """Handle one WebSocket event; synchronous, as Lambda calls it."""
        request = LambdaEvent.from_event(event)
        ids = _ids(request)
        route_key = request.requestContext.route_key
        connection_id = request.requestContext.connection_id
        if not isinstance(event, Mapping) or not route_key or not connection_id:
            return self._bad_request(request, ids, route_key, connection_id)
        route = self._route_for(route_key)
        if route is None:
            logger.warning(
                "No handler for WebSocket route %s",
                route_key,
                extra={"request_id": ids["requestId"], "route_key": route_key},
            )
            return _result(403, {"message": "Forbidden", **ids})
        try:
            if route.chain is None:  # sync handler, no middleware: no event loop at all
                result = _async.call_sync(route.endpoint_sync, event, context)
            else:
                result = _async.call_async(route.chain, event, context)
            return _to_result(result)
        except Exception as error:  # RuntimeError included: a cancelled handler lands here
            return self._fail(error, request, ids, route_key)

    def _fail(
        self, error: Exception, request: LambdaEvent, ids: dict[str, Any], route_key: str
    ) -> ProxyResult:
        """The answer to a failed route, logged and reported on the shared error path."""
        failure = self._policy.read(error)
        self._policy.report(
            error,
            failure,
            event=request,
            request_id=ids["requestId"],
            function_name=type(self).__name__,
            fields={
                "request_id": ids["requestId"],
                "connection_id": ids["connectionId"],
                "route_key": route_key,
            },
            where=f" in WebSocket route {route_key}",
        )
        if isinstance(error, AppError):
            status = getattr(error, "status_code", 400)
            if not isinstance(status, int) or not 100 <= status <= 599 or status == 200:
                status = 400  # the seed's default 200 (or anything odd) is a client error here
            return _result(status, {"rslt_cd": failure.code, "rslt_msg": failure.message, **ids})
        body: dict[str, Any] = {"message": "Internal server error", **ids}
        if self._policy.traceback:
            body["traceback"] = failure.traceback
        return _result(500, body)

    def _route_for(self, route_key: str) -> _Route | None:
        """The composed route for a route key (built once, rebuilt when middleware is added)."""
        route = self._composed.get(route_key)
        if route is None:
            handler = self._routes.get(route_key)
            if handler is None and route_key in (CONNECT, DISCONNECT):
                handler = _accept  # API Gateway accepts a connection whose route has no handler
            if handler is None:
                handler = self._routes.get(DEFAULT)
            if handler is None:
                return None
            route = self._composed[route_key] = _Route(
                handler,
                takes_body=route_key not in (CONNECT, DISCONNECT),
                middleware=self._middleware,
            )
        return route

    def _bad_request(
        self,
        request: LambdaEvent,
        ids: dict[str, Any],
        route_key: str | None,
        connection_id: str | None,
    ) -> ProxyResult:
        missing = "requestContext.routeKey" if not route_key else "requestContext.connectionId"
        if not isinstance(request.raw_event.get("requestContext"), Mapping):
            missing = "requestContext"
        message = f"Malformed WebSocket event: no {missing}"
        logger.warning(
            message, extra={"request_id": ids["requestId"], "rslt_cd": MALFORMED_EVENT_CODE}
        )
        return _result(400, {"message": message, "rslt_cd": MALFORMED_EVENT_CODE, **ids})


def _accept(*_args: Any) -> None:
    return None


class _Route:
    """A handler with the middleware chain around it, composed once."""

    __slots__ = ("chain", "handler", "takes_body")

    def __init__(
        self,
        handler: Callable[..., Any],
        *,
        takes_body: bool,
        middleware: list[MiddlewareCallable],
    ) -> None:
        self.handler = handler
        self.takes_body = takes_body
        self.chain: NextHandler | None = None
        if middleware or _async.is_async_callable(handler):
            self.chain = compose(middleware, self.endpoint)

    def endpoint_sync(self, event: Any, context: Any) -> Any:
        # A middleware may hand on a different event: read the one we are given.
        request = LambdaEvent.from_event(event)
        connection_id = request.requestContext.connection_id
        if self.takes_body:
            return self.handler(event, context, connection_id, _message_body(request))
        return self.handler(event, context, connection_id)

    async def endpoint(self, event: Any, context: Any) -> Any:
        result = self.endpoint_sync(event, context)
        if _async.is_awaitable(result):
            result = await result
        return result


def _ids(request: LambdaEvent) -> dict[str, Any]:
    context = request.requestContext
    return {"connectionId": context.connection_id, "requestId": context.request_id}


def _message_body(request: LambdaEvent) -> Any:
    """The frame: parsed JSON, else the text, ``bytes`` when binary, ``None`` when empty."""
    if request.is_base64_encoded:
        try:
            return request.decoded_body
        except InvalidBodyError:
            return request.body
    text = request.body
    if not text:
        return None
    try:
        return _json.loads(text)
    except (ValueError, RecursionError):
        return text


def _result(status: int, body: Mapping[str, Any]) -> ProxyResult:
    return {"statusCode": status, "body": _json.dumps(body)}


def _to_result(value: Any) -> ProxyResult:
    """Normalise a handler's return value into what API Gateway takes from a WebSocket route."""
    if value is None:
        return {"statusCode": 200}
    if isinstance(value, LambdaResponse):
        response = value.normalised()
    elif isinstance(value, Mapping) and "statusCode" in value:
        response = LambdaResponse.from_proxy_dict(value)
    elif isinstance(value, str):
        return {"statusCode": 200, "body": value}
    elif isinstance(value, (bytes, bytearray)):
        import binascii  # a shared library: loaded by the first binary answer, not at import

        return {
            "statusCode": 200,
            "body": binascii.b2a_base64(value, newline=False).decode("ascii"),
            "isBase64Encoded": True,
        }
    else:
        return {"statusCode": 200, "body": _json.dumps(value)}
    result: ProxyResult = {"statusCode": response.statusCode}
    if response.headers:
        result["headers"] = response.headers
    if response.body:
        result["body"] = response.body
    if response.isBase64Encoded:
        result["isBase64Encoded"] = True
    return result
