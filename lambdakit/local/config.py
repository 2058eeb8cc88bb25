"""What the local API Gateway serves: its HTTP routes, WebSocket routes and limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

PayloadVersion = Literal["1.0", "2.0"]

DEFAULT_STAGE: Final = "local"
DEFAULT_ROUTE_SELECTION: Final = "$request.body.action"


@dataclass(frozen=True)
class FunctionRef:
    """A Lambda function to call: ``module:attribute``, with its timeout in seconds."""

    handler: str
    timeout: float = 30.0
    name: str = ""

    @property
    def function_name(self) -> str:
        return self.name or self.handler.replace(":", ".")


@dataclass(frozen=True)
class HttpRoute:
    """An HTTP route: method (or ``ANY``), path template (``/items/{id}``, ``/{proxy+}``, or
    ``$default`` for anything), and the function and payload version of its integration."""

    method: str
    path: str
    function: FunctionRef
    payload_version: PayloadVersion = "1.0"


@dataclass(frozen=True)
class Authorizer:
    """The Lambda REQUEST authorizer of ``$connect``, with its identity sources
    (``route.request.header.Auth``, ``route.request.querystring.token``): a request without
    one of them is refused (401) without calling the function."""

    function: FunctionRef
    identity_sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class WebSocketApi:
    """A WebSocket API: its route selection expression and the function of each route key.

    ``catch_all`` serves every route key (``--websocket`` alone: the function answers unknown
    ones itself); otherwise only ``routes`` exist, as with a template. ``authorizer`` guards
    ``$connect``.
    """

    routes: dict[str, FunctionRef]
    route_selection_expression: str = DEFAULT_ROUTE_SELECTION
    catch_all: FunctionRef | None = None
    authorizer: Authorizer | None = None

    def function_for(self, route_key: str) -> FunctionRef | None:
        return self.routes.get(route_key) or self.catch_all


@dataclass(frozen=True)
class Limits:
    """API Gateway's WebSocket quotas, smaller for tests."""

    max_message_bytes: int = 128 * 1024
    max_frame_bytes: int = 32 * 1024
    idle_timeout: float = 10 * 60
    max_duration: float = 2 * 60 * 60


@dataclass(frozen=True)
class ServerOptions:
    """Who may reach the local gateway, and how long and how many connections it holds.

    ``allowed_hosts`` and ``allowed_origins`` add to what is always allowed: loopback names and
    addresses in ``Host`` (``localhost``, ``*.localhost``, ``127.0.0.0/8``, ``[::1]``), and
    loopback pages (any port) or no ``Origin`` at all for WebSockets. A name with a leading dot
    (``.example.test``) also allows its subdomains; ``*`` allows anything.
    """

    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    header_timeout: float = 10.0  # from a request's first byte to the end of its headers
    body_timeout: float = 30.0  # from the end of the headers to the end of the body
    keep_alive_timeout: float = 5.0  # an idle kept-alive connection
    max_connections: int = 2048  # HTTP requests past it get 503, WebSocket handshakes too


@dataclass(frozen=True)
class GatewayConfig:
    """Everything the local gateway serves."""

    http_routes: tuple[HttpRoute, ...] = ()
    websocket: WebSocketApi | None = None
    stage: str = DEFAULT_STAGE
    limits: Limits = field(default_factory=Limits)
    server: ServerOptions = field(default_factory=ServerOptions)
