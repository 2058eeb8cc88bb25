"""What the local API Gateway serves: its HTTP routes, WebSocket routes and limits."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Final, Literal

PayloadVersion = Literal["1.0", "2.0"]
ApiKind = Literal["REST", "HTTP"]

DEFAULT_STAGE: Final = "local"
DEFAULT_ROUTE_SELECTION: Final = "$request.body.action"


@dataclass(frozen=True)
class FunctionRef:
    """A Lambda function to call: ``module:attribute``, with its timeout in seconds.

    From a template it also carries what its execution environment needs: ``code_uri`` (the
    task root, an absolute path), its resolved ``environment``, ``memory_size``, ``runtime``
    (``python3.12``), ``concurrency`` (most environments at once; 0: the server's default),
    the local ``layers`` (their content folders), the ``layer_arns`` of layers from elsewhere
    and its ``logical_id``. ``inherit_environment``
    is true for functions given on the command line: they see the server's environment, as
    they did in-process; a template's functions see only what Lambda would give them.
    """

    handler: str
    timeout: float = 30.0
    name: str = ""
    code_uri: str = ""
    environment: tuple[tuple[str, str], ...] = ()
    memory_size: int = 128
    runtime: str = ""
    concurrency: int = 0
    layers: tuple[str, ...] = ()
    layer_arns: tuple[str, ...] = ()
    logical_id: str = ""
    inherit_environment: bool = True

    @property
    def function_name(self) -> str:
        return self.name or self.handler.replace(":", ".")

    @property
    def lambda_handler(self) -> str:
        """The handler as Lambda spells it: ``package.module.function``."""
        return self.handler.replace(":", ".")

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> FunctionRef:
        """The inverse of ``dataclasses.asdict`` (which turns tuples into lists)."""
        fields = dict(value)
        fields["environment"] = tuple((str(k), str(v)) for k, v in fields.get("environment") or ())
        fields["layers"] = tuple(fields.get("layers") or ())
        fields["layer_arns"] = tuple(fields.get("layer_arns") or ())
        return cls(**fields)


AuthorizerKind = Literal["TOKEN", "REQUEST", "JWT", "UNSUPPORTED"]


@dataclass(frozen=True)
class HttpAuthorizer:
    """A REST or HTTP API authorizer (``http_authorizers.py`` runs it).

    ``kind``: ``TOKEN`` / ``REQUEST`` (a Lambda ``function``) or ``JWT`` (HTTP APIs; checked
    against ``issuer`` and ``audience`` with the keys of ``--jwks``). ``identity_sources`` as the
    API spells them: ``method.request.header.Authorization`` (REST),
    ``$request.header.Authorization`` (HTTP). ``ttl``: seconds a result is cached, keyed by the
    identity values (0: not cached). ``payload_version`` and ``simple_responses`` are an HTTP
    API Lambda authorizer's; ``validation_expression`` a TOKEN authorizer's. ``UNSUPPORTED``:
    one the local server cannot run (Cognito, IAM, unknown or unbuildable): its routes answer
    500 as API Gateway answers for a broken authorizer, unless ``--skip-unsupported-auth``.
    """

    name: str
    kind: AuthorizerKind
    api_kind: ApiKind
    function: FunctionRef | None = None
    identity_sources: tuple[str, ...] = ()
    ttl: int = 0
    payload_version: PayloadVersion = "1.0"
    simple_responses: bool = False
    validation_expression: str = ""
    issuer: str = ""
    audience: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cors:
    """An API's CORS configuration. ``gateway_headers``: HTTP API (the gateway answers
    preflights and sets the headers of every response); else REST as SAM configures it (an
    ``OPTIONS`` mock integration on each path; responses are the function's)."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False
    gateway_headers: bool = True


@dataclass(frozen=True)
class ApiSettings:
    """What a template says of one REST or HTTP API (by logical id): its stage, CORS, binary
    media types (``image/png``, ``*/*``) and its stage's variables (``stageVariables``)."""

    logical_id: str
    kind: ApiKind
    stage_name: str = ""
    cors: Cors | None = None
    binary_media_types: tuple[str, ...] = ()
    stage_variables: tuple[tuple[str, str], ...] = ()


def unsupported_authorizer(name: str, api_kind: ApiKind, *identity: str) -> HttpAuthorizer:
    """An authorizer a route names that cannot run here: the route fails closed, after a
    request without the ``identity`` sources it would read is refused (401) as API Gateway
    refuses it before any authorizer runs."""
    return HttpAuthorizer(name, "UNSUPPORTED", api_kind, identity_sources=identity)


@dataclass(frozen=True)
class HttpRoute:
    """An HTTP route: method (or ``ANY``), path template (``/items/{id}``, ``/{proxy+}``, or
    ``$default`` for anything), and the function and payload version of its integration.
    From a template also the ``api`` (logical id) it belongs to, its ``authorizer`` and the
    ``scopes`` a JWT must carry one of."""

    method: str
    path: str
    function: FunctionRef
    payload_version: PayloadVersion = "1.0"
    api: str = ""
    authorizer: HttpAuthorizer | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Authorizer:
    """The Lambda REQUEST authorizer of ``$connect``, with its identity sources
    (``route.request.header.Auth``, ``route.request.querystring.token``): a request without
    one of them is refused (401) without calling the function."""

    function: FunctionRef
    identity_sources: tuple[str, ...] = ()


# What API Gateway takes as a WebSocket $connect route's AuthorizationType.
CONNECT_AUTHORIZATION_TYPES: Final = ("NONE", "AWS_IAM", "CUSTOM")


@dataclass(frozen=True)
class WebSocketApi:
    """A WebSocket API: its route selection expression and the function of each route key.

    ``catch_all`` serves every route key (``--websocket`` alone: the function answers unknown
    ones itself); otherwise only ``routes`` exist, as with a template. ``authorizer`` guards
    ``$connect``; ``iam_connect`` (``AuthorizationType: AWS_IAM`` on ``$connect``) refuses a
    handshake that is not SigV4-signed (the signature's form is checked, not whose key it is).

    A route sends its integration's result back to the client only when it has a route
    response (two-way communication): the route keys in ``route_responses``; every route when
    ``all_route_responses`` is true (``--route-responses all``), only those when it is false
    (``--route-responses template``). Unset, an API without a template (``catch_all``) answers
    every route, as ``--websocket`` always has. Other results are dropped, as on AWS.
    """

    routes: dict[str, FunctionRef]
    route_selection_expression: str = DEFAULT_ROUTE_SELECTION
    catch_all: FunctionRef | None = None
    authorizer: Authorizer | None = None
    iam_connect: bool = False
    route_responses: tuple[str, ...] = ()
    all_route_responses: bool | None = None
    api_id: str = "local"  # requestContext.apiId: a template API's local id (its Ref)

    def function_for(self, route_key: str) -> FunctionRef | None:
        return self.routes.get(route_key) or self.catch_all

    def responds(self, route_key: str) -> bool:
        """Whether ``route_key``'s result goes back to the client."""
        if self.all_route_responses is None:
            return self.catch_all is not None or route_key in self.route_responses
        return self.all_route_responses or route_key in self.route_responses


@dataclass(frozen=True)
class Limits:
    """API Gateway's quotas (WebSocket sizes and times, integration timeouts), smaller for
    tests."""

    max_message_bytes: int = 128 * 1024
    max_frame_bytes: int = 32 * 1024
    idle_timeout: float = 10 * 60
    max_duration: float = 2 * 60 * 60
    rest_integration_timeout: float = 29.0  # REST APIs (and WebSocket routes)
    http_integration_timeout: float = 30.0  # HTTP APIs


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
    """Everything the local gateway serves.

    ``stage`` is the WebSocket API's stage (and ``@connections``'); ``rest_stage`` the REST
    APIs' (payload 1.0 routes answer at ``/{rest_stage}/...`` as on AWS, and at ``/...`` as
    SAM CLI serves them), ``stage`` when empty. ``binary_media_types`` (``image/png``,
    ``image/*``, ``*/*``) are the request content types a REST API passes base64-encoded.
    """

    http_routes: tuple[HttpRoute, ...] = ()
    websocket: WebSocketApi | None = None
    stage: str = DEFAULT_STAGE
    rest_stage: str = ""
    binary_media_types: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    server: ServerOptions = field(default_factory=ServerOptions)
    # Every function of the template, routed or not (the Invoke API serves them all).
    functions: tuple[FunctionRef, ...] = ()
    apis: tuple[ApiSettings, ...] = ()  # the template's REST and HTTP APIs
    jwks: str = ""  # --jwks: the keys JWT authorizers check signatures with (a file or URL)

    def api(self, logical_id: str) -> ApiSettings | None:
        return next((a for a in self.apis if a.logical_id == logical_id), None)

    def api_kind(self, route: HttpRoute) -> ApiKind:
        """``REST`` or ``HTTP``: the template's API of the route, else what its payload says
        (``--http`` routes: 1.0 is served as a REST API is, 2.0 as an HTTP API)."""
        api = self.api(route.api) if route.api else None
        if api is not None:
            return api.kind
        return "REST" if route.payload_version == "1.0" else "HTTP"

    @property
    def rest_stage_name(self) -> str:
        return self.rest_stage or self.stage

    def all_functions(self) -> tuple[FunctionRef, ...]:
        """``functions``, else the functions the routes and the WebSocket API name."""
        if self.functions:
            return self.functions
        found = [route.function for route in self.http_routes]
        found += [
            r.authorizer.function
            for r in self.http_routes
            if r.authorizer is not None and r.authorizer.function is not None
        ]
        if self.websocket is not None:
            found += self.websocket.routes.values()
            found += [f for f in (self.websocket.catch_all,) if f is not None]
            if self.websocket.authorizer is not None:
                found.append(self.websocket.authorizer.function)
        return tuple(dict.fromkeys(found))


def config_to_json(config: GatewayConfig) -> dict[str, Any]:
    """``config`` as JSON-ready data (what the CLI hands the reloader's processes)."""
    return dataclasses.asdict(config)


def config_from_json(data: dict[str, Any]) -> GatewayConfig:
    """The configuration ``config_to_json`` gave."""

    def function(value: dict[str, Any]) -> FunctionRef:
        return FunctionRef.from_dict(value)

    def http_authorizer(value: dict[str, Any] | None) -> HttpAuthorizer | None:
        if value is None:
            return None
        fields = {
            **value,
            "function": function(value["function"]) if value["function"] else None,
            "identity_sources": tuple(value["identity_sources"]),
            "audience": tuple(value["audience"]),
        }
        return HttpAuthorizer(**fields)

    def cors(value: dict[str, Any] | None) -> Cors | None:
        if value is None:
            return None
        fields: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in value.items()
        }
        return Cors(**fields)

    websocket = data.get("websocket")
    authorizer = (websocket or {}).get("authorizer")
    return GatewayConfig(
        http_routes=tuple(
            HttpRoute(
                r["method"],
                r["path"],
                function(r["function"]),
                r["payload_version"],
                api=r.get("api", ""),
                authorizer=http_authorizer(r.get("authorizer")),
                scopes=tuple(r.get("scopes") or ()),
            )
            for r in data["http_routes"]
        ),
        websocket=WebSocketApi(
            routes={k: function(v) for k, v in websocket["routes"].items()},
            route_selection_expression=websocket["route_selection_expression"],
            catch_all=function(websocket["catch_all"]) if websocket["catch_all"] else None,
            authorizer=Authorizer(
                function(authorizer["function"]), tuple(authorizer["identity_sources"])
            )
            if authorizer
            else None,
            iam_connect=bool(websocket.get("iam_connect")),
            route_responses=tuple(websocket.get("route_responses") or ()),
            all_route_responses=websocket.get("all_route_responses"),
            api_id=websocket.get("api_id") or "local",
        )
        if websocket
        else None,
        stage=data["stage"],
        rest_stage=data.get("rest_stage") or "",
        binary_media_types=tuple(data.get("binary_media_types") or ()),
        limits=Limits(**data["limits"]),
        server=dataclasses.replace(
            ServerOptions(**data["server"]),
            allowed_hosts=tuple(data["server"]["allowed_hosts"]),
            allowed_origins=tuple(data["server"]["allowed_origins"]),
        ),
        functions=tuple(function(f) for f in data.get("functions") or ()),
        apis=tuple(
            ApiSettings(
                a["logical_id"],
                a["kind"],
                a["stage_name"],
                cors(a["cors"]),
                tuple(a["binary_media_types"]),
                tuple((str(k), str(v)) for k, v in a.get("stage_variables") or ()),
            )
            for a in data.get("apis") or ()
        ),
        jwks=data.get("jwks", ""),
    )
