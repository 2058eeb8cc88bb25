"""Read the routes of a SAM / CloudFormation template, so the template that deploys an app is
the one that serves it locally.

Understood: ``AWS::Serverless::Function`` (``Handler``, ``CodeUri``, ``Timeout``, ``Globals``)
with ``Api`` events (REST API, payload 1.0) and ``HttpApi`` events (payload 2.0 unless
``PayloadFormatVersion`` says 1.0); ``AWS::ApiGatewayV2::Api`` with ``ProtocolType: WEBSOCKET``,
its ``AWS::ApiGatewayV2::Route`` s and their ``AWS::ApiGatewayV2::Integration`` s, and the
``AWS::ApiGatewayV2::Authorizer`` (``AuthorizerType: REQUEST``) its ``$connect`` route names
in ``AuthorizerId``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from lambdakit.local.config import (
    DEFAULT_ROUTE_SELECTION,
    Authorizer,
    FunctionRef,
    GatewayConfig,
    HttpRoute,
    Limits,
    PayloadVersion,
    WebSocketApi,
)

_TAGS = ("Ref", "Condition")
_FN_TAGS = (
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Base64",
    "Cidr",
    "Transform",
    "ToJsonString",
    "Length",
)


def _loader() -> Any:
    try:
        import yaml
    except ImportError:
        raise ImportError(
            "Reading templates needs PyYAML: pip install 'lambdakit[local]'"
        ) from None

    class Loader(yaml.SafeLoader):
        pass

    def construct(name: str) -> Any:
        def build(loader: Any, node: Any) -> Any:
            if isinstance(node, yaml.ScalarNode):
                value: Any = loader.construct_scalar(node)
                if name == "Fn::GetAtt" and isinstance(value, str):
                    value = value.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {name: value}

        return build

    for tag in _TAGS:
        Loader.add_constructor(f"!{tag}", construct(tag))
    for tag in _FN_TAGS:
        Loader.add_constructor(f"!{tag}", construct(f"Fn::{tag}"))
    return Loader


def load_template(path: str | Path) -> dict[str, Any]:
    import yaml

    text = Path(path).read_text(encoding="utf-8")
    document = yaml.load(text, Loader=_loader())  # noqa: S506 - SafeLoader subclass
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise ValueError(f"{path} is not a CloudFormation template (no Resources)")
    return document


def _strings(value: Any) -> list[str]:
    """Every string inside a template value (for finding the logical ids it refers to)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (_strings(k) + _strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _refers_to(value: Any, logical_ids: list[str]) -> str | None:
    """The first of ``logical_ids`` that ``value`` mentions (Ref, GetAtt, ``Id.Arn`` or
    ``${Id}`` / ``${Id.Arn}``): whole ids only, so ``Auth`` is not found in ``${AuthFn.Arn}``."""
    texts = _strings(value)
    for logical_id in logical_ids:
        substitution = re.compile(r"\$\{" + re.escape(logical_id) + r"[.}]")
        for text in texts:
            if text == logical_id or text.startswith(f"{logical_id}.") or substitution.search(text):
                return logical_id
    return None


def config_from_template(path: str | Path, *, stage: str, limits: Limits) -> GatewayConfig:
    """The gateway a template describes. Each function's ``CodeUri`` folder is put on
    ``sys.path`` so its ``Handler`` (``module.function``) imports as Lambda imports it."""
    template_path = Path(path).resolve()
    document = load_template(template_path)
    resources: dict[str, Any] = document["Resources"]
    globals_ = (document.get("Globals") or {}).get("Function") or {}
    functions: dict[str, FunctionRef] = {}
    http_routes: list[HttpRoute] = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = {**globals_, **(resource.get("Properties") or {})}
        function = _function(logical_id, properties, template_path.parent)
        functions[logical_id] = function
        for event in (properties.get("Events") or {}).values():
            route = _http_route(event, function)
            if route is not None:
                http_routes.append(route)
    return GatewayConfig(
        http_routes=tuple(http_routes),
        websocket=_websocket(resources, functions),
        stage=stage,
        limits=limits,
    )


def _function(logical_id: str, properties: dict[str, Any], base: Path) -> FunctionRef:
    handler = properties.get("Handler")
    if not isinstance(handler, str) or "." not in handler:
        raise ValueError(f"{logical_id}: Handler must be 'module.function', got {handler!r}")
    code_uri = properties.get("CodeUri")
    folder = (base / code_uri).resolve() if isinstance(code_uri, str) else base
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    module, _, attribute = handler.rpartition(".")
    timeout = properties.get("Timeout", 3)
    return FunctionRef(
        f"{module}:{attribute}",
        float(timeout) if isinstance(timeout, (int, float)) else 3.0,
        name=logical_id,
    )


def _http_route(event: Any, function: FunctionRef) -> HttpRoute | None:
    if not isinstance(event, dict):
        return None
    kind = event.get("Type")
    properties = event.get("Properties") or {}
    if kind not in ("Api", "HttpApi"):
        return None
    version: PayloadVersion = "1.0" if kind == "Api" else "2.0"
    if kind == "HttpApi" and str(properties.get("PayloadFormatVersion", "2.0")) == "1.0":
        version = "1.0"
    path = properties.get("Path", "$default" if kind == "HttpApi" else "/")
    method = str(properties.get("Method", "ANY")).upper()
    if method in ("*", "X-AMAZON-APIGATEWAY-ANY-METHOD"):
        method = "ANY"
    return HttpRoute(method, str(path), function, version)


def _websocket(resources: dict[str, Any], functions: dict[str, FunctionRef]) -> WebSocketApi | None:
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
    for resource in resources.values():
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
    expression = api.get("RouteSelectionExpression", DEFAULT_ROUTE_SELECTION)
    return WebSocketApi(
        routes=routes,
        route_selection_expression=str(expression),
        authorizer=_connect_authorizer(resources, functions, api_id),
    )


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
