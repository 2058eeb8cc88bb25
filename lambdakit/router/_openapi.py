"""The OpenAPI 3.1 document of an ``HttpResolver``, built from its compiled routes.

Imported on the first call of ``app.openapi()`` (or the first request for the document), never
at import or app construction. Responses are described as they are sent: the envelope
``{"rslt_cd", "rslt_msg", "duration", "data"}`` with ``data`` of the route's return type, and
error envelopes (a 200 may carry one: ``AppError`` answers 200 unless given a status, as the
seed does).
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import types
import typing
import uuid
from pathlib import Path
from typing import Any

from lambdakit import _json
from lambdakit.responses import LambdaResponse, _is_json_content_type
from lambdakit.router._params import Binding, Param, return_hint

if typing.TYPE_CHECKING:
    from lambdakit.router._resolver import HttpResolver
    from lambdakit.router._routes import Route

REF = "#/components/schemas/"
_SCALARS: dict[Any, dict[str, Any]] = {
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    bytes: {"type": "string"},
    type(None): {"type": "null"},
    uuid.UUID: {"type": "string", "format": "uuid"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
    datetime.time: {"type": "string", "format": "time"},
    decimal.Decimal: {"type": "number"},
}
# An error's code is never the success code: a 200 that may carry either (``anyOf``) is then
# described exactly, and a success whose ``data`` is not of the declared type fails to match.
_ERROR = {
    "type": "object",
    "properties": {
        "rslt_cd": {"type": "string", "not": {"const": "S00000"}, "examples": ["S99999"]},
        "rslt_msg": {"type": "string"},
        "duration": {"type": "number"},
        "details": {},
        "traceback": {"type": "string"},
    },
    "required": ["rslt_cd", "rslt_msg", "duration"],
}
_VALIDATION_ERROR = {
    "type": "object",
    "properties": {
        "rslt_cd": {"const": "S42200"},
        "rslt_msg": {"type": "string"},
        "duration": {"type": "number"},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "examples": ["query.limit"]},
                    "message": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
        "traceback": {"type": "string"},
    },
    "required": ["rslt_cd", "rslt_msg", "duration", "details"],
}


class Schemas:
    """JSON Schemas of type hints; named types (dataclasses, TypedDicts, enums, pydantic
    models) become components, referenced by ``$ref``."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {"ErrorEnvelope": _ERROR}
        self._names: dict[Any, str] = {}

    def of(self, tp: Any) -> dict[str, Any]:
        if tp is Any or tp is object:
            return {}
        if tp is None:
            tp = type(None)
        scalar = _SCALARS.get(tp) if _hashable(tp) else None
        if scalar is not None:
            return dict(scalar)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Annotated:
            return self.of(args[0])
        if origin in (typing.Union, types.UnionType):
            return {"anyOf": [self.of(a) for a in args]}
        if origin is typing.Literal:
            return {"enum": list(args)}
        if origin in (list, set, frozenset) or tp in (list, set, frozenset):
            schema: dict[str, Any] = {"type": "array", "items": self.of(args[0] if args else Any)}
            if (origin or tp) is not list:
                schema["uniqueItems"] = True
            return schema
        if origin is tuple or tp is tuple:
            if not args or args[-1] is Ellipsis:
                return {"type": "array", "items": self.of(args[0] if args else Any)}
            items = [self.of(a) for a in args]
            return {
                "type": "array",
                "prefixItems": items,
                "minItems": len(items),
                "maxItems": len(items),
            }
        if origin is not None and getattr(origin, "__name__", "") in ("Sequence", "Iterable"):
            return {"type": "array", "items": self.of(args[0] if args else Any)}
        if origin is dict or tp is dict or getattr(origin, "__name__", "") == "Mapping":
            value = self.of(args[1]) if len(args) == 2 else {}
            return {"type": "object", "additionalProperties": value}
        if isinstance(tp, type):
            return self._named(tp)
        return {}

    def _named(self, tp: type) -> dict[str, Any]:
        if issubclass(tp, LambdaResponse):
            return {}
        name = self._names.get(tp)
        if name is not None:
            return {"$ref": REF + name}
        if issubclass(tp, enum.Enum):
            schema: dict[str, Any] = {"enum": [m.value for m in tp]}
        elif dataclasses.is_dataclass(tp) or typing.is_typeddict(tp):
            schema = {}  # filled below: a self-referencing type finds its name first
        elif callable(getattr(tp, "model_json_schema", None)):
            schema = self._pydantic(tp)
        else:
            return {}
        name = self._name_for(tp)
        self.components[name] = schema
        if dataclasses.is_dataclass(tp) or typing.is_typeddict(tp):
            schema.update(self._object(tp))
        return {"$ref": REF + name}

    def _name_for(self, tp: type) -> str:
        name, count = tp.__name__, 2
        while name in self.components:
            name, count = f"{tp.__name__}{count}", count + 1
        self._names[tp] = name
        return name

    def _object(self, tp: type) -> dict[str, Any]:
        hints = typing.get_type_hints(tp, include_extras=True)
        if dataclasses.is_dataclass(tp):
            fields = [f for f in dataclasses.fields(tp) if f.init]
            names = [f.name for f in fields]
            required = [
                f.name
                for f in fields
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            ]
        else:
            names = list(hints)
            optional = set(getattr(tp, "__optional_keys__", ()))
            for key, hint in hints.items():
                qualifier = getattr(typing.get_origin(hint), "_name", None)
                if qualifier == "NotRequired":
                    optional.add(key)
                elif qualifier == "Required":
                    optional.discard(key)
            required = [n for n in names if n not in optional]
        properties = {n: self.of(_unqualified(hints.get(n, Any))) for n in names}
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if required:
            schema["required"] = required
        return schema

    def _pydantic(self, model: Any) -> dict[str, Any]:
        schema: dict[str, Any] = model.model_json_schema(ref_template=REF + "{model}")
        for name, definition in schema.pop("$defs", {}).items():
            self.components.setdefault(name, definition)
        return schema


def _hashable(tp: Any) -> bool:
    try:
        hash(tp)
    except TypeError:
        return False
    return True


def _unqualified(hint: Any) -> Any:
    # Required[T] / NotRequired[T] / ReadOnly[T] say whether a key must be there, not its type.
    if getattr(typing.get_origin(hint), "_name", None) in ("Required", "NotRequired", "ReadOnly"):
        return typing.get_args(hint)[0]
    return hint


def build_document(app: HttpResolver) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s routes (those with ``include_in_schema``)."""
    schemas = Schemas()
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    for route in app.routes:
        if not route.include_in_schema:
            continue
        binding = app.binding(route)
        operation = _operation(app, route, binding, schemas)
        operation_id = route.operation_id or f"{route.method.lower()}_{_func_name(route)}"
        base, count = operation_id, 2
        while operation_id in operation_ids:
            operation_id, count = f"{base}_{count}", count + 1
        operation_ids.add(operation_id)
        operation["operationId"] = operation_id
        paths.setdefault(route.template.openapi_path, {})[route.method.lower()] = operation
    if any(
        "422" in op.get("responses", {}) for methods in paths.values() for op in methods.values()
    ):
        schemas.components["ValidationErrorEnvelope"] = _VALIDATION_ERROR
    return {
        "openapi": "3.1.0",
        "info": {"title": app.title, "version": app.version},
        "paths": paths,
        "components": {"schemas": schemas.components},
    }


def _func_name(route: Route) -> str:
    return str(getattr(route.func, "__name__", "route")).strip("<>") or "route"


def _operation(
    app: HttpResolver, route: Route, binding: Binding, schemas: Schemas
) -> dict[str, Any]:
    operation: dict[str, Any] = {}
    doc = (getattr(route.func, "__doc__", None) or "").strip()
    summary = route.summary or (doc.splitlines()[0] if doc else None)
    if summary:
        operation["summary"] = summary
    if doc and "\n" in doc:
        operation["description"] = doc
    if route.tags:
        operation["tags"] = list(route.tags)
    parameters = [_parameter(p, schemas) for p in binding.params]
    if parameters:
        operation["parameters"] = parameters
    if binding.body is not None:
        operation["requestBody"] = {
            "required": binding.body.required,
            "content": {"application/json": {"schema": schemas.of(binding.body.hint)}},
        }
    error = {"$ref": REF + "ErrorEnvelope"}
    content_type = route.options.get("content_type", app._options["content_type"])
    returns = return_hint(route.func)
    if isinstance(returns, type) and issubclass(returns, LambdaResponse):
        ok: dict[str, Any] = {"description": "The route's own response"}
    elif _is_json_content_type(content_type):
        envelope = {
            "type": "object",
            "properties": {
                "rslt_cd": {"const": "S00000"},
                "rslt_msg": {"type": "string"},
                "duration": {"type": "number"},
                "data": schemas.of(returns),
            },
            "required": ["rslt_cd", "rslt_msg", "duration", "data"],
        }
        ok = {
            "description": "The envelope, with the route's result as data (or an error)",
            "content": {"application/json": {"schema": {"anyOf": [envelope, error]}}},
        }
    else:
        ok = {
            "description": "The route's result",
            "content": {content_type: {"schema": {"type": "string"}}},
        }
    responses: dict[str, Any] = {"200": ok}
    if binding.body is not None:
        responses["400"] = _error_response("The body is not valid JSON", error)
    if binding.params or binding.body is not None:
        responses["422"] = _error_response(
            "A parameter or the body is invalid", {"$ref": REF + "ValidationErrorEnvelope"}
        )
    responses["default"] = _error_response("An error", error)
    operation["responses"] = responses
    return operation


def _error_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _parameter(param: Param, schemas: Schemas) -> dict[str, Any]:
    # A path, query, header or cookie value is text, or absent: never null. ``T | None`` says
    # the parameter is optional ("required": false), and its schema is ``T``'s.
    schema = schemas.of(_without_none(param.hint))
    if param.repeated and schema.get("type") != "array":
        schema = {"type": "array", "items": schema}
    result: dict[str, Any] = {
        "name": param.key,
        "in": param.location,
        "required": param.location == "path" or param.required,
        "schema": schema,
    }
    if param.marker is not None and param.marker.description:
        result["description"] = param.marker.description
    return result


def _without_none(hint: Any) -> Any:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = tuple(a for a in typing.get_args(hint) if a is not type(None))
        if len(args) == 1:
            return args[0]
        if len(args) < len(typing.get_args(hint)):
            return typing.Union[args]  # noqa: UP007 - built from a tuple
    return hint


# -- serving the document --------------------------------------------------------------------


def document_response(app: HttpResolver) -> LambdaResponse:
    """``GET openapi_url``: the document, as JSON."""
    return LambdaResponse(
        headers={"Content-Type": "application/json; charset=UTF-8"},
        body=_json.dumps(app.openapi()),
    )


def docs_page(app: HttpResolver) -> str:
    """``GET docs_url``: a page that renders the document, which it carries inline: it loads
    nothing from anywhere, so it works offline."""
    import html

    page = Path(__file__).with_name("docs.html").read_text(encoding="utf-8")
    document = _json.dumps(app.openapi()).replace("</", "<\\/")
    title = html.escape(app.title, quote=True)
    return page.replace("{{title}}", title).replace("{{document}}", document)
