"""The REST, HTTP and WebSocket APIs of a SAM template: ``AWS::Serverless::Api`` /
``HttpApi`` (and the implicit ``ServerlessRestApi`` / ``ServerlessHttpApi`` with ``Globals``),
their ``StageName``, ``Cors`` / ``CorsConfiguration``, ``BinaryMediaTypes``, ``Auth``
(``Authorizers``, ``DefaultAuthorizer``), ``DefinitionBody`` / ``DefinitionUri`` (OpenAPI:
``openapi_routes``); functions' ``Api`` / ``HttpApi`` events with their ``Auth``;
``AWS::ApiGatewayV2::Api`` HTTP APIs with their routes, integrations and authorizers; and
``AWS::Serverless::WebSocketApi``. What is not honoured goes to ``warnings``, with what
happens instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, Literal

from lambdakit.local.config import (
    CONNECT_AUTHORIZATION_TYPES,
    DEFAULT_ROUTE_SELECTION,
    ApiSettings,
    Authorizer,
    FunctionRef,
    HttpAuthorizer,
    HttpRoute,
    PayloadVersion,
    WebSocketApi,
    unsupported_authorizer,
)
from lambdakit.local.intrinsics import Resolver, local_api_id
from lambdakit.local.openapi_routes import SKIP_HINT, http_cors, read_openapi, rest_cors
from lambdakit.local.template_yaml import load_yaml
from lambdakit.local.template_yaml import refers_to as _refers_to

IMPLICIT_REST: Final = "ServerlessRestApi"
IMPLICIT_HTTP: Final = "ServerlessHttpApi"
_API_UNHONOURED: Final = (
    "AccessLogSetting", "AccessLogSettings", "CacheClusterEnabled", "CacheClusterSize",
    "CanarySetting", "Domain", "GatewayResponses", "MethodSettings", "Models", "RouteSettings",
    "DefaultRouteSettings", "FailOnWarnings",
    "MinimumCompressionSize", "Mode", "ApiKeySourceType", "DisableExecuteApiEndpoint",
    "AlwaysDeploy",
)  # fmt: skip
_EVENT_UNHONOURED: Final = ("RequestModel", "RequestParameters", "TimeoutInMillis", "RouteSettings")


@dataclass
class _Api:
    settings: ApiSettings
    authorizers: dict[str, HttpAuthorizer] = field(default_factory=dict)
    default_authorizer: str = ""
    scopes: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class TemplateApis:
    """What ``read_apis`` found."""

    routes: list[HttpRoute]
    apis: tuple[ApiSettings, ...]
    websocket: WebSocketApi | None
    rest_stage: str | None


def read_apis(
    document: dict[str, Any],
    resources: dict[str, Any],
    functions: dict[str, FunctionRef],
    resolver: Resolver,
    base: Path,
    warnings: list[str],
) -> TemplateApis:
    def function_for(value: Any) -> FunctionRef | None:
        logical_id = _refers_to(value, list(functions))
        if logical_id is not None:
            return functions[logical_id]
        text = str(resolver.resolve(value))
        return next((f for f in functions.values() if f":function:{f.name}" in text), None)

    globals_ = document.get("Globals") or {}
    apis: dict[str, _Api] = {}
    routes: list[HttpRoute] = []
    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        if kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi"):
            api_kind: Literal["REST", "HTTP"] = "REST" if kind.endswith("::Api") else "HTTP"
            properties = {**(globals_.get("Api" if api_kind == "REST" else "HttpApi") or {})}
            properties.update(resource.get("Properties") or {})
            api = _sam_api(logical_id, api_kind, properties, function_for, resolver, warnings)
            apis[logical_id] = api
            definition = _definition(logical_id, properties, resolver, base, warnings)
            if definition is not None:
                reading = read_openapi(
                    definition,
                    api_id=logical_id,
                    kind=api_kind,
                    function_for=function_for,
                    resolve=resolver.resolve,
                    warnings=warnings,
                )
                routes += reading.routes
                if reading.cors is not None and api.settings.cors is None:
                    api.settings = replace(api.settings, cors=reading.cors)
                if reading.binary_media_types:
                    binary = api.settings.binary_media_types + reading.binary_media_types
                    api.settings = replace(api.settings, binary_media_types=binary)
        elif kind == "AWS::ApiGateway::RestApi":
            api, found = _rest_api(logical_id, resources, function_for, resolver, warnings)
            apis[logical_id] = api
            routes += found
        elif (
            kind == "AWS::ApiGatewayV2::Api"
            and (resource.get("Properties") or {}).get("ProtocolType") == "HTTP"
        ):
            api, found = _v2_http_api(logical_id, resources, function_for, resolver, warnings)
            apis[logical_id] = api
            routes += found
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            route = _event_route(
                event, functions[logical_id], apis, globals_, function_for, resolver, warnings
            )
            if route is not None:
                routes.append(route)
    rest_stages = [a.settings.stage_name for a in apis.values() if a.settings.kind == "REST"]
    return TemplateApis(
        routes,
        tuple(a.settings for a in apis.values()),
        _sam_websocket(resources, function_for, resolver, warnings),
        rest_stages[0] if rest_stages else None,
    )


def _definition(
    logical_id: str, properties: dict[str, Any], resolver: Resolver, base: Path, warnings: list[str]
) -> dict[str, Any] | None:
    """The OpenAPI document: ``DefinitionBody`` (inline or ``AWS::Include`` of a local file),
    or ``DefinitionUri`` naming a local file."""
    body = properties.get("DefinitionBody")
    location: Any = None
    if isinstance(body, dict) and "Fn::Transform" in body:
        transform = body["Fn::Transform"] or {}
        if transform.get("Name") != "AWS::Include":
            warnings.append(
                f"{logical_id}: DefinitionBody transform {transform.get('Name')} not run"
            )
            return None
        location = resolver.resolve((transform.get("Parameters") or {}).get("Location"))
    elif isinstance(body, dict):
        return body
    elif properties.get("DefinitionUri") is not None:
        location = resolver.resolve(properties["DefinitionUri"])
    if location is None:
        return None
    if not isinstance(location, str) or location.startswith("s3://"):
        warnings.append(
            f"{logical_id}: OpenAPI definition {location!r} is not a local file: its routes "
            "are not served"
        )
        return None
    try:
        document = load_yaml(base / location)
    except (OSError, ValueError) as error:
        raise ValueError(f"{logical_id}: cannot read the OpenAPI definition: {error}") from None
    return document if isinstance(document, dict) else None


def _sam_api(
    logical_id: str,
    kind: Literal["REST", "HTTP"],
    properties: dict[str, Any],
    function_for: Callable[[Any], FunctionRef | None],
    resolver: Resolver,
    warnings: list[str],
) -> _Api:
    resolved = {k: resolver.resolve(v) for k, v in properties.items() if k != "DefinitionBody"}
    stage = resolved.get("StageName") or ("Prod" if kind == "REST" else "$default")
    if kind == "REST":
        cors = rest_cors(resolved.get("Cors"))
    else:
        cors = http_cors(resolved.get("CorsConfiguration"))
    binary = tuple(str(t).replace("~1", "/") for t in resolved.get("BinaryMediaTypes") or [])
    variables = _variables(resolved.get("Variables" if kind == "REST" else "StageVariables"))
    settings = ApiSettings(logical_id, kind, str(stage), cors, binary, variables)
    for name in _API_UNHONOURED:
        if name in resolved:
            warnings.append(f"{logical_id}: {name} is not honoured locally: ignored")
    api = _Api(settings)
    auth = resolved.get("Auth") or {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        built = _sam_authorizer(logical_id, kind, name, spec, function_for, warnings)
        if built is not None:
            api.authorizers[name] = built
            api.scopes[name] = tuple(spec.get("AuthorizationScopes") or ())
    api.default_authorizer = str(auth.get("DefaultAuthorizer") or "")
    for name in ("ApiKeyRequired", "ResourcePolicy", "UsagePlan", "EnableIamAuthorizer"):
        if auth.get(name):
            warnings.append(f"{logical_id}: Auth.{name} is not enforced locally: every call passes")
    if (
        kind == "REST"
        and cors is not None
        and api.default_authorizer
        and auth.get("AddDefaultAuthorizerToCorsPreflight", True)
    ):
        warnings.append(
            f"{logical_id}: CORS preflights are answered without running the DefaultAuthorizer "
            "(AddDefaultAuthorizerToCorsPreflight is not honoured locally)"
        )
    return api


def _variables(value: Any) -> tuple[tuple[str, str], ...]:
    """A stage's variables (``Variables`` / ``StageVariables``) as name and text."""
    if not isinstance(value, dict):
        return ()
    return tuple((str(k), str(v)) for k, v in value.items())


def _sources(prefix: str, identity: dict[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for key, kind in (("Headers", "header"), ("QueryStrings", "querystring")):
        found += [f"{prefix}{kind}.{name}" for name in identity.get(key) or []]
    context = "$" if prefix.startswith("$") else ""
    found += [f"{context}context.{name}" for name in identity.get("Context") or []]
    found += [f"{context}stageVariables.{name}" for name in identity.get("StageVariables") or []]
    return tuple(found)


def _sam_authorizer(
    api_id: str,
    kind: Literal["REST", "HTTP"],
    name: str,
    spec: Any,
    function_for: Callable[[Any], FunctionRef | None],
    warnings: list[str],
) -> HttpAuthorizer | None:
    if not isinstance(spec, dict):
        return None
    if "JwtConfiguration" in spec:
        jwt = spec["JwtConfiguration"] or {}
        audience = jwt.get("audience") or jwt.get("Audience") or []
        source = spec.get("IdentitySource") or "$request.header.Authorization"
        return HttpAuthorizer(
            name,
            "JWT",
            kind,
            identity_sources=(str(source),),
            issuer=str(jwt.get("issuer") or jwt.get("Issuer") or ""),
            audience=tuple(map(str, audience if isinstance(audience, list) else [audience])),
        )
    if "FunctionArn" not in spec:
        warnings.append(
            f"{api_id}: authorizer {name} (Cognito or IAM) is not run locally: its routes answer "
            f"500 ({SKIP_HINT})"
        )
        if kind == "REST" and "UserPoolArn" in spec:  # a request without the token: 401 first
            header = (spec.get("Identity") or {}).get("Header", "Authorization")
            return unsupported_authorizer(name, kind, f"method.request.header.{header}")
        return None
    function = function_for(spec["FunctionArn"])
    if function is None:
        raise ValueError(f"{api_id}: authorizer {name}: FunctionArn names no function")
    identity = spec.get("Identity") or {}
    if kind == "REST":
        token = str(spec.get("FunctionPayloadType", "TOKEN")).upper() == "TOKEN"
        if token:
            sources: tuple[str, ...] = (
                f"method.request.header.{identity.get('Header', 'Authorization')}",
            )
        else:
            sources = _sources("method.request.", identity)
        return HttpAuthorizer(
            name,
            "TOKEN" if token else "REQUEST",
            "REST",
            function,
            sources,
            int(identity.get("ReauthorizeEvery", 300)),
            validation_expression=str(identity.get("ValidationExpression", "")),
        )
    version = str(spec.get("AuthorizerPayloadFormatVersion", "2.0"))
    return HttpAuthorizer(
        name,
        "REQUEST",
        "HTTP",
        function,
        _sources("$request.", identity) or ("$request.header.Authorization",),
        int(identity.get("ReauthorizeEvery", 0)),  # no default for HTTP APIs: not cached
        "1.0" if version == "1.0" else "2.0",
        bool(spec.get("EnableSimpleResponses", False)),
    )


def _event_route(
    event: Any,
    function: FunctionRef,
    apis: dict[str, _Api],
    globals_: dict[str, Any],
    function_for: Callable[[Any], FunctionRef | None],
    resolver: Resolver,
    warnings: list[str],
) -> HttpRoute | None:
    if not isinstance(event, dict) or event.get("Type") not in ("Api", "HttpApi"):
        return None
    kind = event["Type"]
    properties = event.get("Properties") or {}
    version: PayloadVersion = "1.0" if kind == "Api" else "2.0"
    if kind == "HttpApi" and str(properties.get("PayloadFormatVersion", "2.0")) == "1.0":
        version = "1.0"
    path = properties.get("Path", "$default" if kind == "HttpApi" else "/")
    method = str(properties.get("Method", "ANY")).upper()
    if method in ("*", "X-AMAZON-APIGATEWAY-ANY-METHOD"):
        method = "ANY"
    reference = properties.get("RestApiId" if kind == "Api" else "ApiId")
    implicit = IMPLICIT_REST if kind == "Api" else IMPLICIT_HTTP
    api_id = _refers_to(reference, list(apis)) if reference is not None else None
    if api_id is None:
        api_id = implicit
        if implicit not in apis:  # the implicit API, with the Globals SAM gives it
            api_kind: Literal["REST", "HTTP"] = "REST" if kind == "Api" else "HTTP"
            settings = globals_.get("Api" if kind == "Api" else "HttpApi") or {}
            apis[implicit] = _sam_api(
                implicit, api_kind, settings, function_for, resolver, warnings
            )
    api = apis[api_id]
    auth = properties.get("Auth") or {}
    name = str(auth.get("Authorizer") or api.default_authorizer)
    for key in _EVENT_UNHONOURED:
        if key in properties:
            warnings.append(f"{function.logical_id} {method} {path}: {key} is not honoured locally")
    if auth.get("ApiKeyRequired"):
        warnings.append(f"{function.logical_id} {method} {path}: ApiKeyRequired is not enforced")
    authorizer = None
    if name and name != "NONE":
        authorizer = api.authorizers.get(name)
        if authorizer is None:
            warnings.append(
                f"{function.logical_id} {method} {path}: authorizer {name} is not run locally: "
                f"the route answers 500 ({SKIP_HINT})"
            )
            authorizer = unsupported_authorizer(name, api.settings.kind)
    scopes = tuple(auth.get("AuthorizationScopes") or api.scopes.get(name) or ())
    return HttpRoute(method, str(path), function, version, api_id, authorizer, scopes)


def _rest_api(
    api_id: str,
    resources: dict[str, Any],
    function_for: Callable[[Any], FunctionRef | None],
    resolver: Resolver,
    warnings: list[str],
) -> tuple[_Api, list[HttpRoute]]:
    """An ``AWS::ApiGateway::RestApi`` built from resources: its ``Resource`` tree (``PathPart``
    under ``ParentId``, the root being ``RootResourceId``), its ``Method`` s with an
    ``AWS_PROXY`` integration, the ``AWS::ApiGateway::Authorizer`` s they name (``CUSTOM``),
    its ``BinaryMediaTypes`` and stage."""
    properties = resources[api_id].get("Properties") or {}

    def of(kind: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: r.get("Properties") or {}
            for logical_id, r in resources.items()
            if r.get("Type") == kind
            and _refers_to((r.get("Properties") or {}).get("RestApiId"), [api_id]) is not None
        }

    stages = [
        str(resolver.resolve(p.get("StageName")))
        for kind in ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment")
        for p in of(kind).values()
        if p.get("StageName")
    ]
    types = resolver.resolve(properties.get("BinaryMediaTypes")) or []
    binary = tuple(str(t).replace("~1", "/") for t in types)
    variables = next(
        (
            _variables(resolver.resolve(p["Variables"]))
            for p in of("AWS::ApiGateway::Stage").values()
            if p.get("Variables")
        ),
        (),
    )
    api = _Api(ApiSettings(api_id, "REST", stages[0] if stages else "", None, binary, variables))
    if properties.get("Body") or properties.get("BodyS3Location"):
        warnings.append(f"{api_id}: Body / BodyS3Location is not read: add its routes as resources")
    for logical_id, spec in of("AWS::ApiGateway::Authorizer").items():
        kind = str(resolver.resolve(spec.get("Type", ""))).upper()
        if kind not in ("TOKEN", "REQUEST"):
            warnings.append(f"{logical_id}: {kind} authorizers are not run locally")
            source = str(resolver.resolve(spec.get("IdentitySource") or ""))
            if kind == "COGNITO_USER_POOLS" and source:  # a request without it: 401 first
                api.authorizers[logical_id] = unsupported_authorizer(logical_id, "REST", source)
            continue
        function = function_for(spec.get("AuthorizerUri"))
        if function is None:
            raise ValueError(f"{logical_id}: AuthorizerUri names no function of the template")
        sources = str(resolver.resolve(spec.get("IdentitySource") or ""))
        expression = resolver.resolve(spec.get("IdentityValidationExpression", ""))
        api.authorizers[logical_id] = HttpAuthorizer(
            logical_id,
            "TOKEN" if kind == "TOKEN" else "REQUEST",
            "REST",
            function,
            tuple(s.strip() for s in sources.split(",") if s.strip()),
            int(resolver.resolve(spec.get("AuthorizerResultTtlInSeconds", 300))),
            validation_expression=str(expression),
        )
    parts = {
        logical_id: (spec.get("ParentId"), str(resolver.resolve(spec.get("PathPart"))))
        for logical_id, spec in of("AWS::ApiGateway::Resource").items()
    }

    def path_of(reference: Any, depth: int = 0) -> str:
        parent = _refers_to(reference, list(parts))
        if parent is None or depth > 50:  # the root (RootResourceId)
            return ""
        parent_reference, part = parts[parent]
        return f"{path_of(parent_reference, depth + 1)}/{part}"

    routes: list[HttpRoute] = []
    for logical_id, spec in of("AWS::ApiGateway::Method").items():
        method = str(resolver.resolve(spec.get("HttpMethod", "ANY"))).upper()
        path = path_of(spec.get("ResourceId")) or "/"
        integration = spec.get("Integration") or {}
        if str(resolver.resolve(integration.get("Type", ""))).upper() != "AWS_PROXY":
            warnings.append(f"{logical_id} {method} {path}: only AWS_PROXY integrations are served")
            continue
        function = function_for(integration.get("Uri"))
        if function is None:
            warnings.append(f"{logical_id}: its integration Uri names no function of the template")
            continue
        authorizer = None
        authorization = str(resolver.resolve(spec.get("AuthorizationType", "NONE"))).upper()
        if authorization in ("CUSTOM", "COGNITO_USER_POOLS"):
            name = _refers_to(spec.get("AuthorizerId"), list(api.authorizers))
            authorizer = api.authorizers.get(name or "")
            if authorizer is None:
                warnings.append(
                    f"{logical_id}: its authorizer is not run locally: the route answers 500 "
                    f"({SKIP_HINT})"
                )
                authorizer = unsupported_authorizer(name or authorization, "REST")
        elif authorization != "NONE":
            warnings.append(
                f"{logical_id}: AuthorizationType {authorization} is not enforced locally: the "
                f"route answers 500 ({SKIP_HINT})"
            )
            authorizer = unsupported_authorizer(authorization, "REST")
        routes.append(HttpRoute(method, path, function, "1.0", api_id, authorizer))
    return api, routes


def _v2_http_api(
    api_id: str,
    resources: dict[str, Any],
    function_for: Callable[[Any], FunctionRef | None],
    resolver: Resolver,
    warnings: list[str],
) -> tuple[_Api, list[HttpRoute]]:
    """An ``AWS::ApiGatewayV2::Api`` with ``ProtocolType: HTTP``: its routes, integrations,
    authorizers, ``CorsConfiguration`` and stage."""
    properties = resources[api_id].get("Properties") or {}
    stage = "$default"

    def of(kind: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: r.get("Properties") or {}
            for logical_id, r in resources.items()
            if r.get("Type") == kind
            and _refers_to((r.get("Properties") or {}).get("ApiId"), [api_id]) is not None
        }

    variables: tuple[tuple[str, str], ...] = ()
    for stage_properties in of("AWS::ApiGatewayV2::Stage").values():
        stage = str(resolver.resolve(stage_properties.get("StageName")) or stage)
        variables = _variables(resolver.resolve(stage_properties.get("StageVariables")))
    cors = http_cors(resolver.resolve(properties.get("CorsConfiguration")))
    api = _Api(ApiSettings(api_id, "HTTP", stage, cors, (), variables))
    if properties.get("Body") or properties.get("BodyS3Location"):
        warnings.append(f"{api_id}: Body / BodyS3Location is not read: add its routes as resources")
    integrations = of("AWS::ApiGatewayV2::Integration")
    authorizers: dict[str, HttpAuthorizer] = {}
    for logical_id, spec in of("AWS::ApiGatewayV2::Authorizer").items():
        spec = resolver.resolve({k: v for k, v in spec.items() if k != "AuthorizerUri"}) | {
            "AuthorizerUri": spec.get("AuthorizerUri")
        }
        sources = spec.get("IdentitySource") or []
        sources = tuple(map(str, [sources] if isinstance(sources, str) else sources))
        if spec.get("AuthorizerType") == "JWT":
            jwt = spec.get("JwtConfiguration") or {}
            authorizers[logical_id] = HttpAuthorizer(
                logical_id, "JWT", "HTTP", identity_sources=sources,
                issuer=str(jwt.get("Issuer", "")),
                audience=tuple(map(str, jwt.get("Audience") or [])),
            )  # fmt: skip
            continue
        function = function_for(spec.get("AuthorizerUri"))
        if function is None:
            raise ValueError(f"{logical_id}: AuthorizerUri names no function of the template")
        version = str(spec.get("AuthorizerPayloadFormatVersion", "2.0"))
        authorizers[logical_id] = HttpAuthorizer(
            logical_id, "REQUEST", "HTTP", function, sources,
            int(spec.get("AuthorizerResultTtlInSeconds", 0)), "1.0" if version == "1.0" else "2.0",
            bool(spec.get("EnableSimpleResponses", False)),
        )  # fmt: skip
    routes: list[HttpRoute] = []
    for spec in of("AWS::ApiGatewayV2::Route").values():
        key = str(resolver.resolve(spec.get("RouteKey")))
        integration_id = _refers_to(spec.get("Target"), list(integrations))
        integration = integrations.get(integration_id or "", {})
        function = function_for(integration.get("IntegrationUri"))
        if function is None:
            warnings.append(f"{api_id} {key}: its integration is not a function of the template")
            continue
        version = str(resolver.resolve(integration.get("PayloadFormatVersion", "2.0")))
        method, _, path = key.partition(" ") if key != "$default" else ("ANY", "", "$default")
        authorizer = None
        if spec.get("AuthorizerId") is not None:
            authorizer = authorizers.get(_refers_to(spec["AuthorizerId"], list(authorizers)) or "")
            if authorizer is None:
                warnings.append(
                    f"{api_id} {key}: its authorizer is not run locally: the route answers 500 "
                    f"({SKIP_HINT})"
                )
                authorizer = unsupported_authorizer("unknown", "HTTP")
        routes.append(
            HttpRoute(
                method.upper(), path, function, "1.0" if version == "1.0" else "2.0", api_id,
                authorizer, tuple(map(str, spec.get("AuthorizationScopes") or [])),
            )
        )  # fmt: skip
    return api, routes


def _sam_websocket(
    resources: dict[str, Any],
    function_for: Callable[[Any], FunctionRef | None],
    resolver: Resolver,
    warnings: list[str],
) -> WebSocketApi | None:
    """The first ``AWS::Serverless::WebSocketApi``: its ``Routes`` (each a ``FunctionArn``),
    ``RouteSelectionExpression`` and ``Auth`` (a ``CUSTOM`` Lambda authorizer on ``$connect``)."""
    found = [
        (logical_id, r.get("Properties") or {})
        for logical_id, r in resources.items()
        if r.get("Type") == "AWS::Serverless::WebSocketApi"
    ]
    if not found:
        return None
    logical_id, properties = found[0]
    for other, _ in found[1:]:
        warnings.append(f"{other}: only one WebSocket API is served ({logical_id}): not served")
    routes: dict[str, FunctionRef] = {}
    for key, route in (properties.get("Routes") or {}).items():
        function = function_for((route or {}).get("FunctionArn"))
        if function is None:
            warnings.append(f"{logical_id} {key}: FunctionArn names no function: not served")
            continue
        routes[str(key)] = function
        if (route or {}).get("RouteResponseSelectionExpression"):
            warnings.append(f"{logical_id} {key}: route responses are served as two-way")
    auth = properties.get("Auth") or {}
    authorizer = None
    auth_type = resolver.resolve(auth.get("AuthType", "NONE"))
    auth_type = auth_type.upper() if isinstance(auth_type, str) else auth_type
    if auth_type not in CONNECT_AUTHORIZATION_TYPES:
        raise ValueError(
            f"{logical_id}: Auth.AuthType {auth_type!r} is not one of "
            f"{', '.join(CONNECT_AUTHORIZATION_TYPES)}"
        )
    if auth_type == "CUSTOM":
        function = function_for(auth.get("AuthArn"))
        if function is None:
            raise ValueError(f"{logical_id}: Auth.AuthArn names no function of the template")
        sources = resolver.resolve(auth.get("IdentitySource") or [])
        authorizer = Authorizer(function, tuple(map(str, sources)))
    expression = resolver.resolve(
        properties.get("RouteSelectionExpression") or DEFAULT_ROUTE_SELECTION
    )
    return WebSocketApi(
        routes,
        str(expression),
        authorizer=authorizer,
        iam_connect=auth_type == "AWS_IAM",
        api_id=local_api_id(logical_id),
    )


def websocket_stage(resources: dict[str, Any], resolver: Resolver) -> str | None:
    for resource in resources.values():
        if resource.get("Type") == "AWS::Serverless::WebSocketApi":
            name = resolver.resolve((resource.get("Properties") or {}).get("StageName"))
            if isinstance(name, str) and name:
                return name
    return None
