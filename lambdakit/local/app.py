"""The local API Gateway as an ASGI application: HTTP routes, the WebSocket API and
``@connections`` on one port. The server (uvicorn) does the HTTP and WebSocket protocol work;
this module only turns requests into events and results into responses."""

from __future__ import annotations

import asyncio
import functools
import json
import os
from typing import Any, Final

from lambdakit._logger import logger
from lambdakit.local import access, connections_api, invoke_api
from lambdakit.local.config import GatewayConfig, HttpRoute
from lambdakit.local.gateway_cors import GatewayCors
from lambdakit.local.http_authorizers import Authorizers
from lambdakit.local.http_events import (
    HEADER_NAMES,
    HttpRequest,
    http_api_event,
    http_api_v1_event,
    is_binary,
    rest_event,
)
from lambdakit.local.invoker import (
    FunctionError,
    FunctionTimeout,
    IntegrationTimeout,
    Invoker,
    invoke_within,
)
from lambdakit.local.log_filters import install_log_filters, loggable_path
from lambdakit.local.proxy_result import (
    BODILESS,
    HttpResponse,
    MalformedResult,
    error_response,
    internal_error,
    to_http_response,
)
from lambdakit.local.routing import Match, Router
from lambdakit.local.ws_session import Receive, Registry, Send, refuse_handshake, run_session
from lambdakit.settings import LOCAL_CONFIG_ENV

MAX_BODY: Final = 10 * 1024 * 1024  # API Gateway's payload quota
# API Gateway's quota on "the total combined size of request line and header values".
MAX_HEADER_BYTES: Final = 10 * 1024


class LocalGateway:
    """ASGI app: ``LocalGateway(config)``; serve it with any ASGI server (``server.py`` has the
    uvicorn options the CLI uses: header deadline, connection cap).

    Functions run in execution environments of their own (``workers.WorkerInvoker``) unless
    another invoker is given. ``websocket_domain`` is the ``domainName`` of WebSocket events
    (the TLS listener's ``127.0.0.1:PORT``, so ``https://{domainName}/{stage}`` reaches
    ``@connections``); by default the ``Host`` the client connected to."""

    def __init__(
        self, config: GatewayConfig, invoker: Invoker | None = None, *, websocket_domain: str = ""
    ) -> None:
        install_log_filters()
        self.config = config
        if invoker is None:
            from lambdakit.local.workers import WorkerInvoker

            invoker = WorkerInvoker()
        self.invoker = invoker
        self.websocket_domain = websocket_domain
        self.registry = Registry()
        self._router = Router(config.http_routes)
        self._functions = config.all_functions()
        self._authorizers = Authorizers(invoker, config.jwks)
        self._cors = GatewayCors(config)
        # Each REST API at its own stage (its StageName); the server's REST stage otherwise.
        self._rest_stages = {
            api.logical_id: api.stage_name
            for api in config.apis
            if api.kind == "REST" and api.stage_name
        }
        self._stage_variables = {
            api.logical_id: dict(api.stage_variables) for api in config.apis if api.stage_variables
        }
        # An HTTP API on a named stage (not $default) answers at /{stage}/... as well.
        self._http_stages = {
            api.logical_id: api.stage_name
            for api in config.apis
            if api.kind == "HTTP" and api.stage_name and api.stage_name != "$default"
        }

    @functools.cached_property
    def _stage_names(self) -> frozenset[str]:
        return frozenset(
            stage for stage in map(self._stage, self.config.http_routes) if stage is not None
        )

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            response = await self._http(scope, receive)
            await _send_response(send, response)
        elif scope["type"] == "websocket":
            refusal = self._websocket_refusal(scope)
            if refusal is not None:
                await refuse_handshake(scope, receive, send, *refusal)
                return
            await run_session(
                scope,
                receive,
                send,
                self.config,
                self.invoker,
                self.registry,
                domain=self.websocket_domain,
            )
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    def _websocket_refusal(self, scope: dict[str, Any]) -> tuple[int, bytes] | None:
        options = self.config.server
        host = _header(scope, b"host")
        if not access.host_allowed(host, options.allowed_hosts):
            _log_refusal("Host", host)
            return 403, FORBIDDEN_HOST
        origin = _header(scope, b"origin")
        if not access.origin_allowed(origin, host, options.allowed_origins):
            _log_refusal("Origin", origin)
            return 403, FORBIDDEN_ORIGIN
        if len(self.registry.sessions) >= options.max_connections:
            return 503, b'{"message":"Service Unavailable"}'
        return None

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.invoker.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: dict[str, Any], receive: Receive) -> HttpResponse:
        host = _header(scope, b"host")
        if not access.host_allowed(host, self.config.server.allowed_hosts):
            _log_refusal("Host", host)
            return HttpResponse(403, [JSON], FORBIDDEN_HOST)
        if _declared_length(scope) > MAX_BODY:  # refused before a byte of it is read
            return error_response(413, "Request Entity Too Large")
        if _header_bytes(scope) > MAX_HEADER_BYTES:
            return error_response(431, "Request Header Fields Too Large")
        path = _path(scope)
        function_name = invoke_api.function_name_from(path)
        connection_id = connections_api.connection_id_from(path, self.config.stage)
        management = connection_id is not None and self.config.websocket is not None
        if management or function_name is not None:  # AWS's own APIs: signed, as on AWS
            if self._from_a_foreign_page(scope, host):
                # Signatures are checked for form only: a page could forge one in a simple
                # (no-preflight) cross-site POST. SDKs send no Origin and no Sec-Fetch-Site.
                _log_refusal("Origin", _header(scope, b"origin") or "cross-site")
                return HttpResponse(403, [JSON], FORBIDDEN_PAGE)
            service = "lambda" if function_name is not None else "execute-api"
            unsigned = connections_api.refuse_unsigned(scope, service)
            if unsigned is not None:
                return unsigned
        try:
            body = await _read_body(receive, self.config.server.body_timeout)
        except TimeoutError:
            return _closing(error_response(408, "Request Timeout"))
        if body is None:
            return error_response(413, "Request Entity Too Large")
        request = _request(scope, body)
        if function_name is not None and request.method == "POST":
            headers = {name.lower(): value for name, value in request.headers}
            return await invoke_api.handle(
                function_name, headers, body, self._functions, self.invoker
            )
        if management and connection_id is not None:
            return await connections_api.handle(request.method, connection_id, body, self.registry)
        preflight = self._cors.preflight(request, self._rest_stage)  # the gateway's, as on AWS
        if preflight is not None:
            return preflight
        found = self._match(request.method, request.path)
        if found is None:
            return self._no_route(request.path)
        match, staged = found
        route = match.route
        variables = self._stage_variables.get(route.api)
        if route.payload_version == "2.0":
            event = http_api_event(request, match, self._http_stage(route), variables)
        elif self.config.api_kind(route) == "HTTP":  # an HTTP API integration on payload 1.0
            event = http_api_v1_event(request, match, self._http_stage(route), variables)
        else:
            event = rest_event(
                request,
                match,
                self._rest_stage(route),
                staged=staged,
                binary_media_types=self.config.binary_media_types,
                stage_variables=variables,
            )
        decision = await self._authorizers.check(route, request, match, event)
        if decision.response is not None:
            return self._cors.decorate(route, request, decision.response)
        event = decision.event
        limits = self.config.limits
        kind = self.config.api_kind(route)
        http_api = kind == "HTTP"
        deadline = limits.http_integration_timeout if http_api else limits.rest_integration_timeout
        try:
            invocation = await invoke_within(self.invoker, route.function, event, deadline)
        except IntegrationTimeout:
            # What each kind of API answers when it stops waiting for the integration.
            if http_api:
                return error_response(503, "Service Unavailable")
            return error_response(504, "Endpoint request timed out")
        except (FunctionTimeout, FunctionError):
            return internal_error(kind)
        except Exception:  # the environment could not run the function: logged
            logger.exception("Could not invoke %s", route.function.function_name)
            return internal_error(kind)
        try:
            response = to_http_response(
                invocation.result,
                route.payload_version,
                kind,
                decode_base64=http_api or self._wants_binary(request),
            )
        except MalformedResult as problem:
            logger.error(
                "%s Malformed Lambda proxy response: %s",
                invocation.request_id,
                problem,
                extra={"request_id": invocation.request_id},
            )
            return internal_error(kind)
        response = self._cors.decorate(route, request, response)
        logger.info(
            "%s %s %d",
            request.method,
            loggable_path(request.path),
            response.status,
            extra={"request_id": invocation.request_id},
        )
        return response

    def _from_a_foreign_page(self, scope: dict[str, Any], host: str | None) -> bool:
        """Whether a browser sent this on behalf of a page of another site (the WebSocket rule:
        loopback pages and ``--allow-origin`` ones may)."""
        origin = _header(scope, b"origin")
        if origin is not None:
            return not access.origin_allowed(origin, host, self.config.server.allowed_origins)
        return _header(scope, b"sec-fetch-site") == "cross-site"

    def _wants_binary(self, request: HttpRequest) -> bool:
        """Whether a REST API sends a base64-encoded result as bytes: when the request's
        first ``Accept`` type is one of the binary media types (``*/*`` in the list takes
        any), as API Gateway decides."""
        accept = request.header("accept") or ""
        return is_binary(accept.split(",", 1)[0], self.config.binary_media_types)

    def _rest_stage(self, route: HttpRoute) -> str:
        return self._rest_stages.get(route.api) or self.config.rest_stage_name

    def _http_stage(self, route: HttpRoute) -> str:
        return self._http_stages.get(route.api) or "$default"

    def _stage(self, route: HttpRoute) -> str | None:
        """The stage a route's URL may begin with: its REST API's, or its HTTP API's named
        stage (none for ``$default``)."""
        if self.config.api_kind(route) == "REST":
            return self._rest_stage(route)
        return self._http_stages.get(route.api)

    def _no_route(self, path: str) -> HttpResponse:
        """What the API a request was meant for answers for a route it does not have: a REST
        API (the URL begins with a REST stage, or the server has no HTTP API) 403 ``Missing
        Authentication Token``; an HTTP API 404."""
        first = path[1:].partition("/")[0]
        routes = self.config.http_routes
        rest_stage = first in {
            self._rest_stage(r) for r in routes if self.config.api_kind(r) == "REST"
        }
        http_apis = any(self.config.api_kind(r) == "HTTP" for r in routes)
        if http_apis and not rest_stage:
            return error_response(404, "Not Found")
        return MISSING_AUTHENTICATION_TOKEN

    def _match(self, method: str, path: str) -> tuple[Match, bool] | None:
        """The route for a request, and whether its URL began with its API's stage: a REST
        API answers at ``/{stage}/...`` as on AWS and at ``/...`` as SAM CLI serves it; an
        HTTP API at ``/...`` (``$default``), and on a named stage at ``/{stage}/...`` too."""
        first, _, rest = path[1:].partition("/")
        if first:
            staged = self._router.match(method, f"/{rest}")
            if staged is not None and self._stage(staged.route) == first:
                return staged, True
            if not rest and first in self._stage_names:
                return None  # a stage's root is "/" of its API, never a {proxy+} of "/"
        match = self._router.match(method, path)
        return None if match is None else (match, False)


# A REST API's answer for a path or method it has not, as AWS sends it.
MISSING_AUTHENTICATION_TOKEN: Final = HttpResponse(
    403,
    [
        ("content-type", "application/json"),
        ("x-amzn-errortype", "MissingAuthenticationTokenException"),
    ],
    b'{"message":"Missing Authentication Token"}',
)
FORBIDDEN_HOST: Final = (
    b'{"message":"Forbidden: this Host is not allowed. To allow it, start lambdakit serve '
    b'with --allowed-host NAME."}'
)
FORBIDDEN_ORIGIN: Final = (
    b'{"message":"Forbidden: WebSockets from this Origin are not allowed. To allow it, start '
    b'lambdakit serve with --allow-origin ORIGIN."}'
)
FORBIDDEN_PAGE: Final = (
    b'{"message":"Forbidden: @connections and the Invoke API do not answer web pages of other '
    b'sites. To allow one, start lambdakit serve with --allow-origin ORIGIN."}'
)
JSON: Final = ("content-type", "application/json")


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def _log_refusal(what: str, value: str | None) -> None:
    shown = (value or "")[:200].encode("ascii", "backslashreplace").decode("ascii")
    logger.warning("Refused a request from a %s not allowed: %r", what, shown)


def _declared_length(scope: dict[str, Any]) -> int:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0  # the server has already refused a malformed length


def _header_bytes(scope: dict[str, Any]) -> int:
    """The request line and header values, counted as API Gateway counts them."""
    target = scope.get("raw_path") or b""
    query = scope.get("query_string") or b""
    line = len(scope.get("method", "")) + len(target) + len(query) + 11  # " ", "?", " HTTP/1.1"
    return line + sum(len(value) for _, value in scope.get("headers", []))


def _closing(response: HttpResponse) -> HttpResponse:
    # A client too slow to send its body: close the connection after the answer.
    return HttpResponse(
        response.status, [*response.headers, ("connection", "close")], response.body
    )


def _path(scope: dict[str, Any]) -> str:
    raw_path = scope.get("raw_path")
    return str(raw_path.decode("latin-1").split("?", 1)[0]) if raw_path else str(scope["path"])


async def _read_body(receive: Receive, timeout: float) -> bytes | None:
    """The body, ``None`` past 10 MB; ``TimeoutError`` when it takes over ``timeout`` s."""
    chunks: list[bytes] = []
    size = 0
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise TimeoutError
        try:
            message = await asyncio.wait_for(receive(), left)
        except asyncio.TimeoutError:
            raise TimeoutError from None
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _request(scope: dict[str, Any], body: bytes) -> HttpRequest:
    raw = scope.get("headers", [])
    names = (scope.get("extensions") or {}).get(HEADER_NAMES)
    if not isinstance(names, list) or len(names) != len(raw):
        names = [k for k, _ in raw]  # another ASGI server: lower-case names only
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, (_, value) in zip(names, raw, strict=True)
    ]
    client = scope.get("client") or ("127.0.0.1", 0)
    server = scope.get("server") or ("127.0.0.1", 0)
    host = next((v for k, v in headers if k.lower() == "host"), f"{server[0]}:{server[1]}")
    return HttpRequest(
        method=scope["method"].upper(),
        path=_path(scope),
        raw_query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
        source_ip=client[0],
        host=host,
        scheme=str(scope.get("scheme") or "http"),
        port=int(server[1]),
    )


async def _send_response(send: Send, response: HttpResponse) -> None:
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1", "replace")) for k, v in response.headers
    ]
    if response.status in BODILESS:  # h11 refuses a body or a length on these
        headers = [(k, v) for k, v in headers if k != b"content-length"]
    elif not any(k == b"content-length" for k, _ in headers):
        headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def app_from_environment() -> LocalGateway:
    """The app for ``uvicorn --factory``: its configuration comes from ``LAMBDAKIT_LOCAL_CONFIG``
    (set by the CLI), so the reloader's fresh processes serve the same thing."""
    from lambdakit.local.config import config_from_json
    from lambdakit.local.invoker import InProcessInvoker

    # The uvicorn reloader serves ``--in-process`` only: workers reload on their own.
    return LocalGateway(
        config_from_json(json.loads(os.environ[LOCAL_CONFIG_ENV])), InProcessInvoker()
    )
