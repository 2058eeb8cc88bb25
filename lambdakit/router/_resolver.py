"""``HttpResolver``: many routes in one Lambda function, behind the decorator's pipeline.

A request goes: match (``routes``) -> the route's pipeline, which is ``aws_lambda_handler``'s
(parse, CORS preflight, call, envelope or pass-through, the error path, the access log) around
the route's endpoint -> exception handlers -> middleware -> bind the parameters (``params``) ->
the route function. Each route's endpoint is composed on its first request (its binding
compiled from type hints then) and kept; adding middleware or an exception handler recomposes.

A route's result is normalised as the decorator's is: a ``LambdaResponse`` or a proxy dict is
sent as it is; anything else is the ``data`` of the envelope (or, with a route's own
``content_type``, the body).
"""

from __future__ import annotations

import functools

from lambdakit import _async
from lambdakit.errors import METHOD_NOT_ALLOWED_CODE, ROUTE_NOT_FOUND_CODE, RequestError
from lambdakit.events import LambdaEvent
from lambdakit.handler import aws_lambda_handler
from lambdakit.responses import JSON_CONTENT_TYPE
from lambdakit.router._router import Router, check_parameter_names
from lambdakit.router._routes import PathTemplate, Route, RouteTable, method_and_path, request_path

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from lambdakit.cors import CorsConfig
    from lambdakit.router._params import Binding
    from lambdakit.router._router import F

    Handler = Callable[[Any, Any], Any]
    from lambdakit._error_path import ErrorReceiver


# The router takes the decorator's whole pipeline (option checks, CORS preflight, envelope,
# pass-through) and through it the one error path (lambdakit._error_path): this one function.
def _pipeline(options: dict[str, Any]) -> Callable[[Handler], Handler]:
    """The decorator's pipeline, configured with ``options``; ``TypeError``/``ValueError``
    for bad options, at registration."""
    return aws_lambda_handler(**options)


class RouteNotFoundError(RequestError):
    """No route has this path: 404, ``S40400``."""

    status_code = 404

    def __init__(self, method: str, path: str) -> None:
        super().__init__(ROUTE_NOT_FOUND_CODE, f"No route for {method} {path}")


class MethodNotAllowedError(RequestError):
    """The path has routes, none for this method: 405, ``S40500``, with ``Allow``."""

    status_code = 405

    def __init__(self, method: str, path: str, allow: tuple[str, ...]) -> None:
        super().__init__(METHOD_NOT_ALLOWED_CODE, f"{method} is not allowed on {path}")
        self.allow = allow


class HttpResolver(Router):
    """Routes, middleware and exception handlers for one Lambda function behind API Gateway
    (REST or HTTP API), an ALB or a Function URL.

    Takes ``aws_lambda_handler``'s options for the whole app; a route may override them. With
    ``openapi_url`` (such as ``"/openapi.json"``) the app serves its OpenAPI document, and with
    ``docs_url`` (such as ``"/docs"``) a page that renders it without any outside asset.
    """

    def __init__(
        self,
        *,
        error_receiver: ErrorReceiver | None = None,
        content_type: str = JSON_CONTENT_TYPE,
        ignore_app_errors: Iterable[str] = (),
        traceback: bool | None = None,
        cors: CorsConfig | bool | None = True,
        charset: str | None = "UTF-8",
        access_log: bool | None = None,
        redact_fields: Iterable[str] = (),
        error_status_code: int = 200,
        error_message: str | None = None,
        error_receiver_timeout: float | None = None,
        title: str = "lambdakit app",
        version: str = "0.1.0",
        openapi_url: str | None = None,
        docs_url: str | None = None,
    ) -> None:
        super().__init__()
        self._options: dict[str, Any] = {
            "error_receiver": error_receiver,
            "content_type": content_type,
            "ignore_app_errors": _reusable(ignore_app_errors),
            "traceback": traceback,
            "cors": cors,
            "charset": charset,
            "access_log": access_log,
            "redact_fields": _reusable(redact_fields),
            "error_status_code": error_status_code,
            "error_message": error_message,
            "error_receiver_timeout": error_receiver_timeout,
        }
        self._decorate = _pipeline(self._options)  # bad options fail at construction
        self._table = RouteTable()
        self._pipelines: dict[int, Callable[[Handler], Handler]] = {}
        self._fallback: Handler | None = None
        self._middleware: list[Any] = []
        self._exception_handlers: dict[type, Callable[..., Any]] = {}
        self._openapi: dict[str, Any] | None = None
        self.title, self.version = title, version
        self.openapi_url, self.docs_url = openapi_url, docs_url
        if openapi_url:

            def openapi_document() -> object:
                from lambdakit.router._openapi import document_response

                return document_response(self)

            self.get(openapi_url, include_in_schema=False)(openapi_document)
        if docs_url:

            def documentation_page() -> str:
                from lambdakit.router._openapi import docs_page

                return docs_page(self)

            self.get(docs_url, include_in_schema=False, content_type="text/html")(
                documentation_page
            )

    # -- registration ------------------------------------------------------------------------

    def _add(self, method: str, path: str, func: Callable[..., Any], meta: dict[str, Any]) -> None:
        # The template compiled where the route was written, unless a prefix changed the path.
        template = meta["template"] if path == meta["path"] else PathTemplate(path)
        check_parameter_names(func, template)
        route = Route(
            method,
            template,
            func,
            options=meta["options"],
            summary=meta["summary"],
            tags=meta["tags"],
            include_in_schema=meta["include_in_schema"],
            operation_id=meta["operation_id"],
        )
        pipeline = self._decorate
        if route.options:
            pipeline = _pipeline({**self._options, **route.options})
        self._table.add(route)
        self._pipelines[id(route)] = pipeline
        self._openapi = None

    def include_router(self, router: Router, *, prefix: str = "") -> None:
        """Add ``router``'s routes (as they are now) under ``prefix``, such as ``"/users"``."""
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"a prefix starts with '/' and does not end with one: {prefix!r}")
        for method, path, func, meta in router._entries:
            full = prefix + path if path != "/" or not prefix else prefix
            self._add(method, full, func, meta)

    def middleware(self, middleware: Any) -> Any:
        """Add middleware, run in registration order around every route (and the 404/405).

        As ``WebSocketResolver``'s: a class (instantiated with no arguments), an instance with
        ``async __call__(self, event, context, next_handler)``, or a function with that
        signature, sync or async. ``next_handler(event, context)`` gives the route's result
        before it is put in the envelope. Returns its argument, so it works as a decorator.
        """
        from lambdakit._middleware import instance_of

        self._middleware.append(instance_of(middleware))
        self._recompose()
        return middleware

    def exception_handler(self, *errors: type[BaseException]) -> Callable[[F], F]:
        """Register ``handler(request, error)`` for these exception types (and subclasses:
        the nearest in the error's MRO wins). Its result is sent as a route's would be;
        raising, it takes the error path like any route."""
        if not errors or not all(isinstance(e, type) and issubclass(e, Exception) for e in errors):
            raise TypeError("exception_handler() takes exception classes")

        def decorate(func: F) -> F:
            if not callable(func):
                raise TypeError("an exception handler must be callable: (request, error)")
            for error in errors:
                if error in self._exception_handlers:
                    raise ValueError(f"an exception handler for {error.__name__} is registered")
                self._exception_handlers[error] = func
            self._recompose()
            return func

        return decorate

    def _recompose(self) -> None:
        for route in self._table:
            route.handler = None
        self._fallback = None

    @property
    def routes(self) -> list[Route]:
        """Every route, static paths first."""
        return list(self._table)

    # -- dispatch ----------------------------------------------------------------------------

    def resolve(self, event: Any, context: Any) -> Any:
        """Handle one request: the proxy result for its trigger (or, invoked with an event
        that is not HTTP, the envelope, as the decorator does)."""
        method, path = method_and_path(event)
        route, allow = self._table.match(method, path)
        if route is not None:
            handler = route.handler
            if handler is None:
                handler = route.handler = self._compose(route)
            if route.method == method:
                return handler(event, context)
            return _without_body(handler(event, context))  # HEAD, answered by the GET route
        fallback = self._fallback
        if fallback is None:
            fallback = self._fallback = self._compose(None)
        output = fallback(event, context)
        if allow and isinstance(output, dict) and output.get("statusCode") == 405:
            _add_header(output, "Allow", ", ".join(allow))
        return output

    __call__ = resolve

    def compile(self) -> None:
        """Compile every route's binding now (each is otherwise compiled on its first
        request): a test or a deployment check finds a bad signature at once."""
        for route in self._table:
            if route.handler is None:
                route.handler = self._compose(route)

    def binding(self, route: Route) -> Binding:
        from lambdakit.router._params import compile_binding

        return compile_binding(route.func, route.template.names)

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 document of the routes, built on first call and kept."""
        if self._openapi is None:
            from lambdakit.router._openapi import build_document

            self._openapi = build_document(self)
        return self._openapi

    def _compose(self, route: Route | None) -> Handler:
        """The route's handler: its pipeline around exception handlers, middleware, binding."""
        call: Handler
        if route is None:
            call, is_async, pipeline, named = self._not_routed, False, self._decorate, None
        else:
            call = _endpoint(route, self.binding(route))
            is_async = _async.is_async_callable(route.func)
            pipeline, named = self._pipelines[id(route)], route.func
        handlers = self._exception_handlers
        outer: Handler
        if self._middleware or is_async:
            chain = _async_endpoint(call)
            if self._middleware:
                from lambdakit._middleware import compose  # the WebSocket resolver's forms

                chain = compose(self._middleware, chain)
            outer = _async_guarded(chain, self._handler_for) if handlers else chain
        elif handlers:
            outer = _guarded(call, self._handler_for)
        else:
            outer = call
        if named is not None:  # error reports and logs name the route's function
            outer = functools.wraps(named)(outer)
        return pipeline(outer)

    def _not_routed(self, event: Any, context: Any) -> Any:
        view = LambdaEvent.from_event(event)
        method, path = view.http_method, request_path(view)
        _, allow = self._table.match(method, path)
        if allow:
            raise MethodNotAllowedError(method, path, allow)
        raise RouteNotFoundError(method, path)

    def _handler_for(self, error: BaseException) -> Callable[..., Any] | None:
        for cls in type(error).__mro__:
            handler = self._exception_handlers.get(cls)
            if handler is not None:
                return handler
        return None


def _without_body(output: Any) -> Any:
    """A proxy result with its status and headers, and no body (the answer to a ``HEAD``)."""
    if isinstance(output, dict) and "body" in output:
        output["body"] = ""
        output["isBase64Encoded"] = False
    return output


def _reusable(values: Iterable[str]) -> Iterable[str]:
    # Each route with options of its own builds a pipeline: an iterator must last. A string is
    # left for the decorator to reject.
    return values if isinstance(values, str) else tuple(values)


def _endpoint(route: Route, binding: Binding) -> Handler:
    func, template = route.func, route.template
    if not (binding.params or binding.body or binding.event_names or binding.context_names):

        def call_plain(event: Any, context: Any) -> Any:
            return func()

        return call_plain

    def call(event: Any, context: Any) -> Any:
        # A middleware may hand on a different event: read the one we are given.
        view = LambdaEvent.from_event(event)
        path = template.values(request_path(view)) if template.names else None
        return func(**binding.bind(view, path or {}, context))

    return call


def _async_endpoint(call: Handler) -> Callable[[Any, Any], Any]:
    async def endpoint(event: Any, context: Any) -> Any:
        result = call(event, context)
        if _async.is_awaitable(result):
            result = await result
        return result

    return endpoint


def _guarded(call: Handler, find: Callable[[BaseException], Any]) -> Handler:
    def guarded(event: Any, context: Any) -> Any:
        try:
            return call(event, context)
        except Exception as error:
            handler = find(error)
            if handler is None:
                raise
            return _async.call_sync(handler, LambdaEvent.from_event(event), error)

    return guarded


def _async_guarded(chain: Callable[..., Any], find: Callable[[BaseException], Any]) -> Handler:
    async def guarded(event: Any, context: Any) -> Any:
        try:
            return await chain(event, context)
        except Exception as error:
            handler = find(error)
            if handler is None:
                raise
            result = handler(LambdaEvent.from_event(event), error)
            if _async.is_awaitable(result):
                result = await result
            return result

    return guarded


def _add_header(output: dict[str, Any], name: str, value: str) -> None:
    multi = output.get("multiValueHeaders")
    if isinstance(multi, dict):  # an ALB in multi-value mode
        multi[name] = [value]
        return
    headers = output.get("headers")
    if not isinstance(headers, dict):
        headers = output["headers"] = {}
    headers[name] = value
