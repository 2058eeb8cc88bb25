"""Routes, authorizers and CORS of an OpenAPI definition with API Gateway's extensions, as a
``DefinitionBody`` / ``DefinitionUri`` / ``Body`` carries them (inline, or included from a local
file with ``Fn::Transform: AWS::Include``).

Read: ``paths`` -> methods (``x-amazon-apigateway-any-method`` is ``ANY``) whose
``x-amazon-apigateway-integration`` is ``aws_proxy`` with a ``uri`` naming a function of the
template (``Fn::Sub`` of ``${Function.Arn}``, or its ARN), with ``payloadFormatVersion``;
``security`` (per operation, else the document's) naming ``securitySchemes`` /
``securityDefinitions`` with ``x-amazon-apigateway-authorizer`` (``token``, ``request``, ``jwt``);
``x-amazon-apigateway-cors``; ``x-amazon-apigateway-binary-media-types``. Anything else of
API Gateway's (other integration types, request validators, gateway responses...) is named in
the warnings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from lambdakit.local.config import (
    Cors,
    FunctionRef,
    HttpAuthorizer,
    HttpRoute,
    PayloadVersion,
    unsupported_authorizer,
)

_METHODS = (
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "x-amazon-apigateway-any-method",
)
_UNDERSTOOD = {
    "x-amazon-apigateway-integration",
    "x-amazon-apigateway-authorizer",
    "x-amazon-apigateway-authtype",
    "x-amazon-apigateway-cors",
    "x-amazon-apigateway-binary-media-types",
}

#: How a route whose authorizer cannot run is served open on purpose.
SKIP_HINT: Final = "--skip-unsupported-auth serves it without"


@dataclass
class OpenApiReading:
    routes: list[HttpRoute] = field(default_factory=list)
    cors: Cors | None = None
    binary_media_types: tuple[str, ...] = ()


def read_openapi(
    definition: dict[str, Any],
    *,
    api_id: str,
    kind: Literal["REST", "HTTP"],
    function_for: Callable[[Any], FunctionRef | None],
    resolve: Callable[[Any], Any],
    warnings: list[str],
) -> OpenApiReading:
    reading = OpenApiReading()
    schemes = {
        **(definition.get("securityDefinitions") or {}),
        **((definition.get("components") or {}).get("securitySchemes") or {}),
    }
    authorizers = {
        name: authorizer
        for name, scheme in schemes.items()
        if (authorizer := _authorizer(api_id, kind, name, scheme, function_for, resolve, warnings))
        is not None
    }
    default_security = definition.get("security")
    for path, operations in (definition.get("paths") or {}).items():
        if not isinstance(operations, dict):
            continue
        for method, operation in operations.items():
            if method not in _METHODS or not isinstance(operation, dict):
                continue
            where = f"{api_id} {method.upper()} {path}"
            integration = operation.get("x-amazon-apigateway-integration") or {}
            kind_of = str(resolve(integration.get("type", ""))).lower()
            if kind_of != "aws_proxy":
                warnings.append(
                    f"{where}: integration type {kind_of or 'none'!r} is not served locally: "
                    "the route answers as missing"
                )
                continue
            function = function_for(integration.get("uri"))
            if function is None:
                warnings.append(f"{where}: its integration uri names no function of the template")
                continue
            version: PayloadVersion = "1.0"
            if (
                kind == "HTTP"
                and str(resolve(integration.get("payloadFormatVersion", "1.0"))) == "2.0"
            ):
                version = "2.0"
            security = operation.get("security", default_security) or []
            authorizer, scopes = None, ()
            for requirement in security:
                for name, wanted in (requirement or {}).items():
                    if name in authorizers:
                        authorizer, scopes = authorizers[name], tuple(wanted or ())
                    elif name not in schemes:  # unknown: fails closed, as a broken authorizer
                        warnings.append(
                            f"{where}: security {name!r} is not defined: the route answers 500 "
                            f"({SKIP_HINT})"
                        )
                        authorizer = unsupported_authorizer(str(name), kind)
                    else:  # API keys, IAM: not checked, as ApiKeyRequired
                        warnings.append(f"{where}: security {name!r} is not honoured locally")
            for key in operation:
                if key.startswith("x-amazon-apigateway-") and key not in _UNDERSTOOD:
                    warnings.append(f"{where}: {key} is not honoured locally: ignored")
            http_method = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
            # An HTTP API's default route is written "/$default" in OpenAPI: the route "$default".
            route_path = "$default" if path == "/$default" else str(path)
            reading.routes.append(
                HttpRoute(http_method, route_path, function, version, api_id, authorizer, scopes)
            )
    cors = resolve(definition.get("x-amazon-apigateway-cors"))
    if isinstance(cors, dict):
        reading.cors = http_cors({k[:1].upper() + k[1:]: v for k, v in cors.items()})
    binary = resolve(definition.get("x-amazon-apigateway-binary-media-types")) or []
    reading.binary_media_types = tuple(str(t).replace("~1", "/") for t in binary)
    for key in definition:
        if key.startswith("x-amazon-apigateway-") and key not in _UNDERSTOOD:
            warnings.append(f"{api_id}: {key} is not honoured locally: ignored")
    return reading


def _authorizer(
    api_id: str,
    kind: Literal["REST", "HTTP"],
    name: str,
    scheme: Any,
    function_for: Callable[[Any], FunctionRef | None],
    resolve: Callable[[Any], Any],
    warnings: list[str],
) -> HttpAuthorizer | None:
    if not isinstance(scheme, dict) or "x-amazon-apigateway-authorizer" not in scheme:
        return None
    spec = scheme["x-amazon-apigateway-authorizer"]
    kind_of = str(resolve(spec.get("type", ""))).upper()
    sources = resolve(spec.get("identitySource", ""))
    if isinstance(sources, str):
        sources = [s.strip() for s in sources.split(",") if s.strip()]
    if kind_of == "JWT":
        jwt = resolve(spec.get("jwtConfiguration") or {})
        audience = jwt.get("audience") or []
        return HttpAuthorizer(
            name,
            "JWT",
            kind,
            identity_sources=tuple(map(str, sources)),
            issuer=str(jwt.get("issuer", "")),
            audience=tuple(map(str, audience if isinstance(audience, list) else [audience])),
        )
    if kind_of not in ("TOKEN", "REQUEST"):
        warnings.append(
            f"{api_id}: authorizer {name} of type {kind_of} is not run locally: its routes "
            f"answer 500 ({SKIP_HINT})"
        )
        return unsupported_authorizer(name, kind)
    function = function_for(spec.get("authorizerUri"))
    if function is None:
        warnings.append(
            f"{api_id}: authorizer {name}: its authorizerUri names no function: its routes "
            f"answer 500 ({SKIP_HINT})"
        )
        return unsupported_authorizer(name, kind)
    if kind_of == "TOKEN" and not sources:
        sources = [f"method.request.header.{scheme.get('name', 'Authorization')}"]
    ttl = resolve(spec.get("authorizerResultTtlInSeconds", 300 if kind == "REST" else 0))
    version = str(resolve(spec.get("authorizerPayloadFormatVersion", "1.0")))
    return HttpAuthorizer(
        name,
        "TOKEN" if kind_of == "TOKEN" else "REQUEST",
        kind,
        function,
        tuple(map(str, sources)),
        int(ttl),
        "2.0" if version == "2.0" else "1.0",
        bool(resolve(spec.get("enableSimpleResponses", False))),
        str(resolve(spec.get("identityValidationExpression", ""))),
    )


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(s.strip() for s in value.split(",") if s.strip())
    return tuple(str(v) for v in value)


def http_cors(value: Any) -> Cors | None:
    """An HTTP API's ``CorsConfiguration`` (``true``: every origin)."""
    if value is True or (isinstance(value, str) and value.lower() == "true"):
        return Cors(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    if not isinstance(value, dict):
        return None
    max_age = value.get("MaxAge")
    return Cors(
        allow_origins=_strings(value.get("AllowOrigins")),
        allow_methods=_strings(value.get("AllowMethods")),
        allow_headers=_strings(value.get("AllowHeaders")),
        expose_headers=_strings(value.get("ExposeHeaders")),
        max_age=int(max_age) if max_age is not None else None,
        allow_credentials=bool(value.get("AllowCredentials", False)),
        gateway_headers=True,
    )


def rest_cors(value: Any) -> Cors | None:
    """SAM's ``Cors`` of a REST API: ``"'*'"`` or a map whose values are quoted strings."""

    def unquote(text: Any) -> str:
        return re.sub(r"^'(.*)'$", r"\1", str(text).strip())

    if isinstance(value, str):
        value = {"AllowOrigin": value}
    if not isinstance(value, dict) or "AllowOrigin" not in value:
        return None
    max_age = value.get("MaxAge")
    return Cors(
        allow_origins=(unquote(value["AllowOrigin"]),),
        # Header values as the template writes them: SAM's mock integration sends the text.
        allow_methods=(unquote(value["AllowMethods"]),) if "AllowMethods" in value else (),
        allow_headers=(unquote(value["AllowHeaders"]),) if "AllowHeaders" in value else (),
        max_age=int(unquote(max_age)) if max_age is not None else None,
        allow_credentials=bool(value.get("AllowCredentials", False)),
        gateway_headers=False,
    )
