"""Read the routes of a SAM / CloudFormation template, so the template that deploys an app is
the one that serves it locally.

Understood: ``AWS::Serverless::Function`` (``Handler``, ``CodeUri`` or ``InlineCode``,
``Timeout``, ``MemorySize``, ``Runtime``, ``Environment``, ``Layers``,
``ReservedConcurrentExecutions``, ``Globals``) and ``AWS::Lambda::Function`` (``Code`` a local
path or ``ZipFile``; inline code is served as ``index.py``, as Lambda writes it) with
``Api`` events (REST API, payload 1.0) and ``HttpApi`` events (payload 2.0 unless
``PayloadFormatVersion`` says 1.0), and the routes of an API's OpenAPI definition;
``AWS::ApiGatewayV2::Api`` with ``ProtocolType: WEBSOCKET``,
its ``AWS::ApiGatewayV2::Route`` s and their ``AWS::ApiGatewayV2::Integration`` s, and the
``AWS::ApiGatewayV2::Authorizer`` (``AuthorizerType: REQUEST``) its ``$connect`` route names
in ``AuthorizerId``; a route's route response (``RouteResponseSelectionExpression``, or an
``AWS::ApiGatewayV2::RouteResponse``) makes it two-way. Stage names: the WebSocket API's
``AWS::ApiGatewayV2::Stage``; the REST API's ``StageName`` (``AWS::Serverless::Api``,
``AWS::ApiGateway::Stage``), ``Prod`` for SAM's implicit API. Values go through
``intrinsics.Resolver`` (parameters, conditions, ``Ref``/``Fn::Sub``/...); the DynamoDB
tables are read for ``tables.py``. The REST, HTTP and SAM WebSocket APIs (stages, CORS, binary
media types, authorizers, OpenAPI definitions) are read by ``template_apis``; API Gateway
resources the server does not serve are named in the warnings printed at start-up.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from lambdakit.local.config import (
    CONNECT_AUTHORIZATION_TYPES,
    DEFAULT_ROUTE_SELECTION,
    DEFAULT_STAGE,
    Authorizer,
    FunctionRef,
    GatewayConfig,
    HttpRoute,
    Limits,
    WebSocketApi,
)
from lambdakit.local.intrinsics import Resolver, local_api_id
from lambdakit.local.template_apis import read_apis, websocket_stage
from lambdakit.local.template_yaml import load_yaml
from lambdakit.local.template_yaml import refers_to as _refers_to

WEBSOCKET_REPLACED_NOTE = (
    "--websocket replaces the template's WebSocket API: its routes and its $connect "
    "authorization (authorizer or AWS_IAM) are not applied"
)
IAM_CONNECT_NOTE = (
    "$connect: AuthorizationType AWS_IAM: a handshake must be SigV4-signed (Authorization "
    "header or presigned query); the local gateway checks the signature's form, not the key"
)


def load_template(path: str | Path) -> dict[str, Any]:
    document = load_yaml(path)
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise ValueError(f"{path} is not a CloudFormation template (no Resources)")
    return document


@dataclass(frozen=True)
class LocalTemplate:
    """A template read for local serving: the gateway's configuration, the resolved properties
    of its DynamoDB tables (by physical name), and what could not be honoured."""

    config: GatewayConfig
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def config_from_template(
    path: str | Path,
    *,
    stage: str | None,
    limits: Limits,
    overrides: dict[str, str] | None = None,
) -> GatewayConfig:
    """The gateway a template describes (see ``read_template``)."""
    return read_template(path, stage=stage, limits=limits, overrides=overrides).config


def start_up_notes(local: LocalTemplate, *, websocket_flag: bool) -> tuple[str, ...]:
    """What ``local`` cannot honour, as the start-up lists it; with ``--websocket``, which
    replaces the template's WebSocket API, its ``$connect`` notes give way to saying so."""
    if not websocket_flag or local.config.websocket is None:
        return local.warnings
    kept = [w for w in local.warnings if w != IAM_CONNECT_NOTE]
    return (*kept, WEBSOCKET_REPLACED_NOTE)


def read_template(
    path: str | Path,
    *,
    stage: str | None = None,
    limits: Limits | None = None,
    overrides: dict[str, str] | None = None,
    region: str = "us-east-1",
) -> LocalTemplate:
    """Read a template once into plain configuration: each function with its ``CodeUri`` (its
    task root), its resolved ``Environment`` (``Globals`` merged), memory, runtime and layers;
    the routes; the tables. ``stage`` defaults to the WebSocket API's stage in the template; a
    template without a WebSocket API, its REST API's."""
    template_path = Path(path).resolve()
    document = load_template(template_path)
    resolver = Resolver(document, overrides=overrides, region=region)
    resources: dict[str, Any] = {
        logical_id: resource
        for logical_id, resource in document["Resources"].items()
        if isinstance(resource, dict) and resolver.included(resource)
    }
    globals_ = (document.get("Globals") or {}).get("Function") or {}
    functions: dict[str, FunctionRef] = {}
    warnings: list[str] = []
    for logical_id, resource in resources.items():
        if resource.get("Type") == "AWS::Serverless::Function":
            properties = _with_globals(globals_, resource.get("Properties") or {})
        elif resource.get("Type") == "AWS::Lambda::Function":
            properties = _as_serverless(logical_id, resource.get("Properties") or {}, warnings)
        else:
            continue
        function = _function(logical_id, properties, template_path.parent, resolver, warnings)
        functions[logical_id] = function
        _warn_unserved_triggers(function, properties, warnings)
    apis = read_apis(document, resources, functions, resolver, template_path.parent, warnings)
    for api in apis.apis:
        if api.cors is not None and api.cors.allow_credentials and "*" in api.cors.allow_origins:
            warnings.append(
                f"{api.logical_id}: CORS allows credentials with AllowOrigins '*': browsers "
                "refuse a credentialed response whose Access-Control-Allow-Origin is '*' "
                "(name the origins)"
            )
    websocket = _websocket(resources, functions, resolver)
    if websocket is not None and apis.websocket is not None:
        warnings.append("only one WebSocket API is served: the AWS::ApiGatewayV2::Api one")
    websocket = websocket or apis.websocket
    if websocket is not None and websocket.iam_connect:
        warnings.append(IAM_CONNECT_NOTE)
    _warn_unread(resources, warnings)
    rest_stage = stage or _rest_stage(resources, resolver, list(apis.routes))
    settings = apis.apis
    if stage:  # --stage: every API answers at the stage asked for
        settings = tuple(dataclasses.replace(api, stage_name=stage) for api in settings)
    binary = tuple(dict.fromkeys(t for api in apis.apis for t in api.binary_media_types))
    config = GatewayConfig(
        http_routes=tuple(apis.routes),
        websocket=websocket,
        stage=stage
        or _websocket_stage(resources, resolver)
        or websocket_stage(resources, resolver)
        or DEFAULT_STAGE,
        rest_stage=rest_stage,
        binary_media_types=binary,
        apis=settings,
        limits=limits or Limits(),
        functions=tuple(functions.values()),
    )
    tables = {
        str(resolver.physical_name(logical_id)): resolver.resolve(resource.get("Properties") or {})
        | {"Type": resource["Type"]}
        for logical_id, resource in resources.items()
        if resource.get("Type") in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable")
    }
    return LocalTemplate(config, tables, tuple(warnings + resolver.warnings))


def _with_globals(globals_: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    """SAM's merge: the function's properties win, lists add up (``Layers``: the global ones
    first), ``Environment.Variables`` merge by key."""
    merged = {**globals_, **properties}
    for key, value in globals_.items():
        if isinstance(value, list) and isinstance(properties.get(key), list):
            merged[key] = [*value, *properties[key]]
    variables = {
        **((globals_.get("Environment") or {}).get("Variables") or {}),
        **((properties.get("Environment") or {}).get("Variables") or {}),
    }
    if variables:
        merged["Environment"] = {"Variables": variables}
    return merged


def _function(
    logical_id: str,
    properties: dict[str, Any],
    base: Path,
    resolver: Resolver,
    warnings: list[str],
) -> FunctionRef:
    handler = resolver.resolve(properties.get("Handler"))
    if not isinstance(handler, str) or "." not in handler:
        raise ValueError(f"{logical_id}: Handler must be 'module.function', got {handler!r}")
    code_uri = resolver.resolve(properties.get("CodeUri"))
    if code_uri is not None and not isinstance(code_uri, str):
        warnings.append(f"{logical_id}: CodeUri {code_uri!r} is not a local folder")
        code_uri = None
    folder = (base / code_uri).resolve() if isinstance(code_uri, str) else base
    inline = resolver.resolve(properties.get("InlineCode"))
    if isinstance(inline, str):
        folder = inline_code_folder(inline)
    module, _, attribute = handler.rpartition(".")
    timeout = resolver.resolve(properties.get("Timeout", 3))
    memory = resolver.resolve(properties.get("MemorySize", 128))
    runtime = resolver.resolve(properties.get("Runtime") or "")
    if runtime and not str(runtime).startswith("python"):
        warnings.append(f"{logical_id}: Runtime {runtime} is not Python: only Python functions "
                        "run locally (its handler is looked for as a Python module)")  # fmt: skip
    variables = resolver.resolve((properties.get("Environment") or {}).get("Variables") or {})
    for key, value in variables.items():
        if "UNRESOLVED(" in str(value):
            warnings.append(f"{logical_id}: its environment variable {key} is {value}: "
                            "the value AWS would give is not known here")  # fmt: skip
    concurrency = resolver.resolve(properties.get("ReservedConcurrentExecutions") or 0)
    layers, layer_arns = _layers(logical_id, properties, base, resolver, warnings)
    return FunctionRef(
        f"{module}:{attribute}",
        float(timeout) if isinstance(timeout, (int, float, str)) else 3.0,
        name=str(resolver.physical_name(logical_id)),
        code_uri=str(folder),
        environment=tuple((str(k), _env_value(v)) for k, v in variables.items()),
        memory_size=int(memory),
        runtime=str(runtime),
        concurrency=int(concurrency),
        layers=layers,
        layer_arns=layer_arns,
        logical_id=logical_id,
        inherit_environment=False,
    )


def _as_serverless(
    logical_id: str, properties: dict[str, Any], warnings: list[str]
) -> dict[str, Any]:
    """An ``AWS::Lambda::Function``'s properties as ``_function`` reads them: ``Code`` a local
    path (as ``aws cloudformation package`` and SAM take it) or ``ZipFile`` source; code in
    S3 or an image is named, as it cannot be read here."""
    keys = ("Handler", "Runtime", "Timeout", "MemorySize", "Environment", "Layers")
    read = {key: properties[key] for key in keys if key in properties}
    read["ReservedConcurrentExecutions"] = properties.get("ReservedConcurrentExecutions")
    code = properties.get("Code")
    if isinstance(code, str):
        read["CodeUri"] = code
    elif isinstance(code, dict) and "ZipFile" in code:
        read["InlineCode"] = code["ZipFile"]
    else:
        where = ", ".join(sorted(code)) if isinstance(code, dict) else repr(code)
        warnings.append(f"{logical_id}: its Code ({where}) is not local: its handler is looked "
                        "for in the template's folder")  # fmt: skip
    if "Handler" not in read:
        read["Handler"] = "index.handler"  # an image's handler is the image's own
    return read


def inline_code_folder(source: str) -> Path:
    """A folder holding ``source`` as ``index.py``, where Lambda puts inline code
    (CloudFormation's ``ZipFile``, SAM's ``InlineCode``): ``index.handler`` finds it."""
    from lambdakit.local.tls import cache_dir

    folder = cache_dir() / "inline" / hashlib.sha256(source.encode()).hexdigest()[:16]
    if not (folder / "index.py").is_file():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        written = folder / f".index.py.{os.getpid()}"
        written.write_text(source, encoding="utf-8")
        written.replace(folder / "index.py")  # whole, for a second server reading it
    return folder


def _env_value(value: Any) -> str:
    # CloudFormation turns numbers and booleans into their text ("true", "3").
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _layers(
    logical_id: str,
    properties: dict[str, Any],
    base: Path,
    resolver: Resolver,
    warnings: list[str],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The content folders of the function's layers defined in the template with a local
    ``ContentUri``, and the ARNs of the others (``dependencies.py`` knows some of them)."""
    folders: list[str] = []
    arns: list[str] = []
    for layer in properties.get("Layers") or []:
        reference = layer.get("Ref") if isinstance(layer, dict) else None
        resource = resolver.resources.get(str(reference)) if reference else None
        content = (resource or {}).get("Properties", {}).get("ContentUri")
        if isinstance(content, str):
            folders.append(str((base / content).resolve()))
            continue
        arn = resolver.resolve(layer)
        if isinstance(arn, str) and arn.startswith("arn:"):
            arns.append(arn)
        else:
            warnings.append(f"{logical_id}: layer {arn!r} is not local")
    return tuple(folders), tuple(arns)


def _websocket_stage(resources: dict[str, Any], resolver: Resolver) -> str | None:
    for resource in resources.values():
        if resource.get("Type") == "AWS::ApiGatewayV2::Stage":
            name = resolver.resolve((resource.get("Properties") or {}).get("StageName"))
            if isinstance(name, str) and name:
                return name
    return None


def _rest_stage(resources: dict[str, Any], resolver: Resolver, routes: list[HttpRoute]) -> str:
    """The REST API's stage: its ``StageName``, else SAM's ``Prod`` for the implicit API."""
    for kind in ("AWS::Serverless::Api", "AWS::ApiGateway::Stage"):
        for resource in resources.values():
            if resource.get("Type") == kind:
                name = resolver.resolve((resource.get("Properties") or {}).get("StageName"))
                if isinstance(name, str) and name:
                    return name
    return "Prod" if any(route.payload_version == "1.0" for route in routes) else ""


def _websocket(
    resources: dict[str, Any], functions: dict[str, FunctionRef], resolver: Resolver
) -> WebSocketApi | None:
    apis = {
        logical_id: resource.get("Properties") or {}
        for logical_id, resource in resources.items()
        if isinstance(resource, dict)
        and resource.get("Type") == "AWS::ApiGatewayV2::Api"
        and (resource.get("Properties") or {}).get("ProtocolType") == "WEBSOCKET"
    }
    if not apis:
        return None
    api_id, api = next(iter(apis.items()))
    integrations = {
        logical_id: _refers_to(
            (resource.get("Properties") or {}).get("IntegrationUri"), list(functions)
        )
        for logical_id, resource in resources.items()
        if isinstance(resource, dict) and resource.get("Type") == "AWS::ApiGatewayV2::Integration"
    }
    routes: dict[str, FunctionRef] = {}
    keys: dict[str, str] = {}  # route logical id -> route key
    two_way: list[str] = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::ApiGatewayV2::Route":
            continue
        properties = resource.get("Properties") or {}
        if _refers_to(properties.get("ApiId"), [api_id]) is None:
            continue
        integration = _refers_to(properties.get("Target"), list(integrations))
        function_id = integrations.get(integration) if integration else None
        route_key = properties.get("RouteKey")
        if isinstance(route_key, str) and function_id is not None:
            routes[route_key] = functions[function_id]
            keys[logical_id] = route_key
            if properties.get("RouteResponseSelectionExpression"):
                two_way.append(route_key)
    for resource in resources.values():
        if (
            isinstance(resource, dict)
            and resource.get("Type") == "AWS::ApiGatewayV2::RouteResponse"
        ):
            route_id = _refers_to((resource.get("Properties") or {}).get("RouteId"), list(keys))
            if route_id is not None:
                two_way.append(keys[route_id])
    expression = api.get("RouteSelectionExpression", DEFAULT_ROUTE_SELECTION)
    return WebSocketApi(
        routes=routes,
        route_selection_expression=str(expression),
        authorizer=_connect_authorizer(resources, functions, api_id),
        iam_connect=_connect_authorization(resources, api_id, resolver) == "AWS_IAM",
        route_responses=tuple(dict.fromkeys(two_way)),
        api_id=local_api_id(api_id),
    )


def _connect_authorization(resources: dict[str, Any], api_id: str, resolver: Resolver) -> str:
    """The ``AuthorizationType`` of the API's ``$connect`` route, resolved (``NONE`` when
    unset); ``ValueError`` for one the gateway cannot honour: serving ``$connect`` unguarded
    would let anyone in."""
    for resource in resources.values():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::ApiGatewayV2::Route":
            continue
        properties = resource.get("Properties") or {}
        if (
            resolver.resolve(properties.get("RouteKey")) != "$connect"
            or _refers_to(properties.get("ApiId"), [api_id]) is None
        ):
            continue
        kind = resolver.resolve(properties.get("AuthorizationType") or "NONE")
        kind = kind.upper() if isinstance(kind, str) else kind
        if kind == "CUSTOM" and properties.get("AuthorizerId") is None:
            raise ValueError("the $connect route's AuthorizationType CUSTOM names no AuthorizerId")
        if kind not in CONNECT_AUTHORIZATION_TYPES:
            raise ValueError(
                f"the $connect route's AuthorizationType {kind!r} is not one of "
                f"{', '.join(CONNECT_AUTHORIZATION_TYPES)}"
            )
        return str(kind)
    return "NONE"


def _connect_authorizer(
    resources: dict[str, Any], functions: dict[str, FunctionRef], api_id: str
) -> Authorizer | None:
    """The REQUEST authorizer the API's ``$connect`` route names. One the gateway cannot run
    is an error: serving ``$connect`` unguarded would let anyone in."""
    authorizers = {
        logical_id: resource.get("Properties") or {}
        for logical_id, resource in resources.items()
        if isinstance(resource, dict) and resource.get("Type") == "AWS::ApiGatewayV2::Authorizer"
    }
    for resource in resources.values():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::ApiGatewayV2::Route":
            continue
        properties = resource.get("Properties") or {}
        if (
            properties.get("RouteKey") != "$connect"
            or _refers_to(properties.get("ApiId"), [api_id]) is None
            or properties.get("AuthorizerId") is None
        ):
            continue
        logical_id = _refers_to(properties["AuthorizerId"], list(authorizers))
        if logical_id is None:
            raise ValueError(
                "the $connect route's AuthorizerId names no AWS::ApiGatewayV2::Authorizer"
            )
        authorizer = authorizers[logical_id]
        if authorizer.get("AuthorizerType") != "REQUEST":
            raise ValueError(f"{logical_id}: only REQUEST authorizers run locally")
        function_id = _refers_to(authorizer.get("AuthorizerUri"), list(functions))
        if function_id is None:
            raise ValueError(f"{logical_id}: AuthorizerUri names no function of the template")
        sources = authorizer.get("IdentitySource") or []
        if isinstance(sources, str):
            sources = [s.strip() for s in sources.split(",")]
        return Authorizer(functions[function_id], tuple(str(s) for s in sources))
    return None


_READ = frozenset(
    {
        "AWS::Serverless::Function",
        "AWS::Serverless::Api",
        "AWS::Serverless::HttpApi",
        "AWS::Serverless::WebSocketApi",
        "AWS::Serverless::LayerVersion",
        "AWS::Serverless::SimpleTable",
        "AWS::DynamoDB::Table",
        "AWS::ApiGatewayV2::Api",
        "AWS::ApiGatewayV2::Route",
        "AWS::ApiGatewayV2::RouteResponse",  # makes its route two-way
        "AWS::ApiGatewayV2::Integration",
        "AWS::ApiGatewayV2::Authorizer",
        "AWS::ApiGatewayV2::Stage",
        "AWS::ApiGatewayV2::Deployment",
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGateway::Resource",
        "AWS::ApiGateway::Method",
        "AWS::ApiGateway::Authorizer",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Deployment",
        "AWS::Lambda::Permission",
        "AWS::Lambda::LayerVersion",
        "AWS::IAM::Role",
        "AWS::IAM::Policy",
    }
)


def _warn_unread(resources: dict[str, Any], warnings: list[str]) -> None:
    """Name the API Gateway and serverless resources the local gateway does not serve, and
    the other ways in to a function (function URLs, load balancer targets)."""
    for logical_id, resource in resources.items():
        kind = str(resource.get("Type"))
        properties = resource.get("Properties") or {}
        other_way_in = kind == "AWS::Lambda::Url" or (
            kind == "AWS::ElasticLoadBalancingV2::TargetGroup"
            and str(properties.get("TargetType", "")).lower() == "lambda"
        )
        if not other_way_in and (
            kind in _READ or not kind.startswith(("AWS::ApiGateway", "AWS::Serverless::"))
        ):
            continue
        warnings.append(f"{logical_id} ({kind}) is not served locally: ignored")


# A function's events the local gateway serves; others are named at start-up.
_SERVED_EVENTS: Final = frozenset({"Api", "HttpApi"})


def _warn_unserved_triggers(
    function: FunctionRef, properties: dict[str, Any], warnings: list[str]
) -> None:
    """Name a function's events that nothing triggers here (SQS, Schedule, S3...) and its
    function URL: they can still be driven through the Invoke API."""
    events = properties.get("Events") or {}
    kinds = sorted(
        {
            str(event.get("Type"))
            for event in (events.values() if isinstance(events, dict) else ())
            if isinstance(event, dict) and event.get("Type") not in _SERVED_EVENTS
        }
    )
    invoke = f"POST /2015-03-31/functions/{function.function_name}/invocations"
    if kinds:
        warnings.append(
            f"{function.logical_id}: its {', '.join(kinds)} events are not triggered locally "
            f"(send such an event through the Invoke API: {invoke})"
        )
    if properties.get("FunctionUrlConfig"):
        warnings.append(
            f"{function.logical_id}: its function URL (FunctionUrlConfig) is not served locally "
            f"(the Invoke API runs it: {invoke})"
        )
