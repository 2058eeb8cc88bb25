"""HTTP routes an API declares in its OpenAPI definition rather than in its functions' events.

A SAM ``AWS::Serverless::Api`` (REST, payload 1.0) or ``AWS::Serverless::HttpApi`` (payload
``payloadFormatVersion``, else 2.0) may give its routes as an OpenAPI document: inline in
``DefinitionBody``, through ``Fn::Transform: {Name: AWS::Include, Parameters: {Location: ...}}``
or as ``DefinitionUri``. Each operation whose ``x-amazon-apigateway-integration`` is an
``aws_proxy`` integration whose ``uri`` names a function of the template is a route, as on AWS:

    paths:
      /concerts:
        get:
          x-amazon-apigateway-integration:
            type: aws_proxy
            uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/.../${Fn.Arn}/invocations

A document outside the project (``s3://``) cannot be read: a warning says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from lambdakit.local.cfn_yaml import load_yaml
from lambdakit.local.config import FunctionRef, HttpRoute, PayloadVersion
from lambdakit.local.intrinsics import Resolver, refers_to

__all__ = ["definition_routes"]

_API_TYPES: Final = {"AWS::Serverless::Api": "1.0", "AWS::Serverless::HttpApi": "2.0"}
_METHODS: Final = ("get", "put", "post", "delete", "options", "head", "patch")
_ANY: Final = "x-amazon-apigateway-any-method"


def definition_routes(
    resources: dict[str, Any],
    functions: dict[str, FunctionRef],
    base: Path,
    resolver: Resolver,
) -> tuple[list[HttpRoute], list[str]]:
    """The routes of every API's OpenAPI definition, and what could not be read."""
    routes: list[HttpRoute] = []
    warnings: list[str] = []
    for logical_id, resource in resources.items():
        default = _API_TYPES.get(str(resource.get("Type")))
        if default is None:
            continue
        properties = resource.get("Properties") or {}
        document = _document(logical_id, properties, base, resolver, warnings)
        if not isinstance(document, dict):
            continue
        for path, operations in (document.get("paths") or {}).items():
            if not isinstance(operations, dict):
                continue
            for method, operation in operations.items():
                route = _route(str(path), str(method), operation, default, functions)
                if route is not None:
                    routes.append(route)
    return routes, warnings


def _document(
    logical_id: str,
    properties: dict[str, Any],
    base: Path,
    resolver: Resolver,
    warnings: list[str],
) -> Any:
    body = properties.get("DefinitionBody")
    location: Any = None
    if isinstance(body, dict) and "Fn::Transform" in body:
        transform = body["Fn::Transform"] or {}
        if transform.get("Name") != "AWS::Include":
            warnings.append(f"{logical_id}: DefinitionBody transform {transform.get('Name')!r}")
            return None
        location = resolver.resolve((transform.get("Parameters") or {}).get("Location"))
    elif body is not None:
        return body
    elif properties.get("DefinitionUri") is not None:
        location = resolver.resolve(properties["DefinitionUri"])
    if location is None:
        return None
    if not isinstance(location, str) or "://" in location:
        warnings.append(f"{logical_id}: the OpenAPI definition {location!r} is not local; its "
                        "routes are not served (give them as function Events)")  # fmt: skip
        return None
    path = (base / location).resolve()
    if not path.is_file():
        warnings.append(f"{logical_id}: the OpenAPI definition {location!r} is missing")
        return None
    return load_yaml(path)


def _route(
    path: str,
    method: str,
    operation: Any,
    default: str,
    functions: dict[str, FunctionRef],
) -> HttpRoute | None:
    if method.lower() not in (*_METHODS, _ANY) or not isinstance(operation, dict):
        return None
    integration = operation.get("x-amazon-apigateway-integration") or {}
    if str(integration.get("type", "")).lower() != "aws_proxy":
        return None
    function_id = refers_to(integration.get("uri"), list(functions))
    if function_id is None:
        return None
    version: PayloadVersion = "1.0"
    if default == "2.0" and str(integration.get("payloadFormatVersion", "2.0")) == "2.0":
        version = "2.0"
    verb = "ANY" if method.lower() == _ANY else method.upper()
    if path == "/$default":  # an HTTP API's catch-all route, as its OpenAPI export spells it
        path = "$default"
    return HttpRoute(verb, path, functions[function_id], version)
