"""CORS where a template asks the gateway to handle it, as each kind of API does.

- HTTP API (``Cors`` / ``CorsConfiguration`` / ``x-amazon-apigateway-cors``): API Gateway answers
  every preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) itself,
  with 204, route or no route; to other requests with an allowed ``Origin`` it adds the
  configured headers, and drops the CORS headers the integration returned.
- REST API (SAM's ``Cors``): SAM adds an ``OPTIONS`` method with a mock integration to each
  path of the API, answering 200 with the configured headers (``Access-Control-Allow-Methods``
  by default the path's methods and ``OPTIONS``). Other responses are the function's own: a
  proxy integration must return its CORS headers itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Final

from lambdakit.local.config import Cors, GatewayConfig, HttpRoute
from lambdakit.local.http_events import HttpRequest
from lambdakit.local.proxy_result import HttpResponse
from lambdakit.local.routing import Router

_ALL_METHODS: Final = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


class GatewayCors:
    """Built once from the configuration; ``preflight`` answers, ``decorate`` adds headers."""

    def __init__(self, config: GatewayConfig) -> None:
        self._cors = {api.logical_id: api.cors for api in config.apis if api.cors is not None}
        routes = tuple(r for r in config.http_routes if r.api in self._cors)
        # Every route of an API with CORS, whatever its method: which API a path belongs to.
        self._paths = Router(tuple(dataclasses.replace(r, method="ANY") for r in routes))
        self._routes = routes

    def preflight(
        self, request: HttpRequest, rest_stage: Callable[[HttpRoute], str]
    ) -> HttpResponse | None:
        """The gateway's answer to a preflight, or ``None`` when the request goes on.
        ``rest_stage`` gives a REST route's stage: its API answers at ``/{stage}/...`` too."""
        if request.method != "OPTIONS" or not self._cors:
            return None
        match = self._paths.match("OPTIONS", request.path)
        if match is None:
            first, _, rest = request.path[1:].partition("/")
            staged = self._paths.match("OPTIONS", f"/{rest}")
            if (
                staged is not None
                and not self._cors[staged.route.api].gateway_headers  # a REST API's
                and rest_stage(staged.route) == first
            ):
                match = staged
        if match is None:
            return None
        cors = self._cors[match.route.api]
        if cors.gateway_headers:
            if not (request.header("origin") and request.header("access-control-request-method")):
                return None
            return HttpResponse(204, _preflight_headers(cors, request, ()), b"")
        if any(r.method == "OPTIONS" and r.path == match.route.path for r in self._routes):
            return None  # the app's own OPTIONS method: SAM leaves it alone
        methods = sorted({r.method for r in self._routes if r.path == match.route.path})
        return HttpResponse(
            200,
            [("content-type", "application/json"), *_preflight_headers(cors, request, methods)],
            b"",
        )

    def decorate(
        self, route: HttpRoute, request: HttpRequest, response: HttpResponse
    ) -> HttpResponse:
        """An HTTP API's response with its CORS headers (the integration's own dropped)."""
        cors = self._cors.get(route.api)
        if cors is None or not cors.gateway_headers:
            return response
        kept = [(k, v) for k, v in response.headers if not k.lower().startswith("access-control-")]
        origin = _allowed_origin(cors, request.header("origin"))
        if origin is None:
            return dataclasses.replace(response, headers=kept)
        added = [("access-control-allow-origin", origin)]
        if cors.allow_credentials:
            added.append(("access-control-allow-credentials", "true"))
        if cors.expose_headers:
            added.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
        return dataclasses.replace(response, headers=kept + added)


def _allowed_origin(cors: Cors, origin: str | None) -> str | None:
    if not origin:
        return None
    if "*" in cors.allow_origins:
        return "*"
    return origin if origin in cors.allow_origins else None


def _preflight_headers(
    cors: Cors, request: HttpRequest, path_methods: list[str] | tuple[str, ...]
) -> list[tuple[str, str]]:
    if cors.gateway_headers:
        origin = _allowed_origin(cors, request.header("origin"))
        if origin is None:
            return []
    else:  # SAM's mock integration answers with what the template says, whoever asks
        origin = ",".join(cors.allow_origins)
    methods = cors.allow_methods
    if not methods and not cors.gateway_headers:
        listed = _ALL_METHODS if "ANY" in path_methods else (*path_methods, "OPTIONS")
        methods = tuple(sorted(set(listed)))
    headers = [("access-control-allow-origin", origin)]
    if methods:
        headers.append(("access-control-allow-methods", ",".join(methods)))
    if cors.allow_headers:
        headers.append(("access-control-allow-headers", ",".join(cors.allow_headers)))
    if cors.max_age is not None:
        headers.append(("access-control-max-age", str(cors.max_age)))
    if cors.allow_credentials:
        headers.append(("access-control-allow-credentials", "true"))
    return headers
