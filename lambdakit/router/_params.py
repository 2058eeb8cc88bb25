"""Parameters bound from a route function's type hints, compiled once per route.

Where a parameter comes from, in order:

- typed ``LambdaEvent``: the request; named ``context``: the Lambda context;
- ``Annotated[T, Header()]`` / ``Cookie()`` / ``Query()`` / ``Body()``: where the marker says;
- named like a path parameter: that segment of the path, converted to its type;
- typed as a dataclass, a ``TypedDict`` or a pydantic model: the JSON body, validated by
  ``lambdakit.validation``;
- anything else: a query parameter (``list[T]`` for a repeated one), optional when it has a
  default.

Every bad value is reported at once, as a 422 ``S42200`` whose ``details`` name each field with
where it was: ``path.user_id``, ``query.limit``, ``header.x-api-key``, ``body.age``.
"""

from __future__ import annotations

from lambdakit.errors import ValidationError
from lambdakit.events import LambdaEvent
from lambdakit.router._convert import string_converter

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from lambdakit.router._markers import Marker


_MISSING: Any = object()
_TWICE: Any = object()  # a query parameter of one value, given more than once


class RequestValidationError(ValidationError):
    """A 422 for bad parameters: ``details`` name each field with its location."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(errors)
        if not all(e["field"].startswith("body") for e in errors):
            self.message = "Invalid request: " + self.message.removeprefix("Invalid request body: ")
            self.args = (self.code, self.message)


class Param:
    """One parameter of a route function and how to read it from a request."""

    __slots__ = ("convert", "default", "hint", "key", "location", "marker", "name", "repeated")

    def __init__(
        self,
        name: str,
        location: str,
        key: str,
        hint: Any,
        default: Any,
        *,
        marker: Marker | None = None,
    ) -> None:
        self.name, self.location, self.key, self.hint = name, location, key, hint
        self.default, self.marker = default, marker
        self.repeated = False
        self.convert: Any = None

    @property
    def required(self) -> bool:
        return self.default is _MISSING

    @property
    def field(self) -> str:
        return f"{self.location}.{self.key}"


class Binding:
    """How to call one route function: its parameters, compiled from its signature once."""

    __slots__ = ("body", "context_names", "event_names", "params")

    def __init__(self) -> None:
        self.params: list[Param] = []
        self.body: Param | None = None
        self.event_names: list[str] = []
        self.context_names: list[str] = []

    def bind(self, view: LambdaEvent, path: dict[str, str], context: Any) -> dict[str, Any]:
        """The keyword arguments of the call; ``RequestValidationError`` for bad values."""
        kwargs: dict[str, Any] = {}
        for name in self.event_names:
            kwargs[name] = view
        for name in self.context_names:
            kwargs[name] = context
        errors: list[dict[str, str]] = []
        for param in self.params:
            raw = _read(param, view, path)
            if raw is _TWICE:
                errors.append({"field": param.field, "message": "expected one value"})
                continue
            if raw is None:
                if param.required:
                    errors.append({"field": param.field, "message": "field required"})
                else:
                    kwargs[param.name] = param.default
                continue
            try:
                kwargs[param.name] = (
                    [param.convert(v) for v in raw] if param.repeated else param.convert(raw)
                )
            except (ValueError, TypeError) as error:
                errors.append({"field": param.field, "message": str(error)})
        body = self.body
        if body is not None:
            data = view.get_json_body()  # InvalidBodyError (400) when it is not JSON
            if data is None:
                if body.required:
                    errors.append({"field": "body", "message": "request body is required"})
                else:
                    kwargs[body.name] = body.default
            else:
                found: list[dict[str, str]] = []
                value = body.convert(data, "", found)
                for item in found:
                    inner = item["field"]
                    field = f"body{'' if inner[:1] in ('', '[') else '.'}{inner}"
                    errors.append({"field": field, "message": item["message"]})
                kwargs[body.name] = value
        if errors:
            raise RequestValidationError(errors)
        return kwargs


def _read(param: Param, view: LambdaEvent, path: dict[str, str]) -> Any:
    location = param.location
    if location == "path":
        return path.get(param.key)
    if location == "query":
        if param.repeated:
            return view.multi_value_query_string_parameters.get(param.key) or None
        return _one_query_value(view, param.key)
    if location == "header":
        if param.repeated:
            return view.headers.get_all(param.key) or None
        return view.headers.get(param.key)
    prefix = param.key + "="  # a cookie
    for cookie in view.cookies:
        if cookie.startswith(prefix):
            return cookie[len(prefix) :]
    return None


def _one_query_value(view: LambdaEvent, key: str) -> Any:
    """The value of ``key``; ``_TWICE`` when the query gives it more than once, which a REST
    API would answer with the last value and an HTTP API with the values joined by commas."""
    value = view.query_string_parameters.get(key)
    if value is None:
        return None
    if "," in value or isinstance(view.raw_event.get("multiValueQueryStringParameters"), dict):
        values = view.multi_value_query_string_parameters.get(key)
        if values is not None and len(values) > 1:
            return _TWICE
    return value


# -- compiling ------------------------------------------------------------------------------


def compile_binding(func: Callable[..., Any], path_names: tuple[str, ...]) -> Binding:
    """The binding of ``func``; ``TypeError`` for a parameter that cannot be bound.

    When every parameter is annotated with a plain class (``int``, ``Order``, ``LambdaEvent``),
    written or as a string, ``typing`` is neither imported nor asked: a cold start pays for it
    only for the hints that need it (``list[int]``, ``Annotated[...]``, ``T | None``)."""
    hints = _plain_hints(func)
    typing: Any = None
    if hints is None:
        import typing

        try:
            hints = typing.get_type_hints(func, include_extras=True)
        except Exception as error:
            raise TypeError(f"cannot read the type hints of {_name(func)}: {error}") from error
    hints.pop("return", None)  # the OpenAPI document's, read there (return_hint)
    binding = Binding()
    for name, kind, default in signature(func):
        if kind in ("*", "**"):
            continue
        hint = hints.get(name, str)
        marker, hint = _split_annotated(hint, typing) if typing else (None, hint)
        if marker is None and _is_event(hint):
            binding.event_names.append(name)
            continue
        if marker is None and name == "context" and name not in path_names:
            binding.context_names.append(name)
            continue
        location = marker.location if marker is not None else None
        if location is None and name in path_names:
            location = "path"
        if location is None:
            location = "body" if _is_model(hint) else "query"
        key = marker.alias if marker is not None and marker.alias else name
        if location == "header" and not (marker and marker.alias):
            key = name.replace("_", "-")
        param = Param(name, location, key, hint, default, marker=marker)
        if location == "body":
            if binding.body is not None:
                first = binding.body.name
                raise TypeError(f"{_name(func)} has two body parameters: {first}, {name}")
            from lambdakit.validation import converter_for

            param.convert = converter_for(hint)
            binding.body = param
            continue
        inner = _optional_inner(hint, typing) if typing else hint
        item = _sequence_item(inner, typing) if typing else _MISSING
        if item is not _MISSING:
            if location == "path":
                raise TypeError(f"path parameter {name!r} of {_name(func)} cannot be a list")
            param.repeated, inner = True, item
        if default is _MISSING and inner is not hint:  # Optional[T] without a default
            param.default = None
        param.convert = string_converter(inner)
        binding.params.append(param)
    bound = {p.name for p in binding.params if p.location == "path"}
    missing = [n for n in path_names if n not in bound]
    if missing:
        raise TypeError(f"{_name(func)} has no parameter for the path parameter {missing[0]!r}")
    return binding


_SEQUENCES = (list, tuple, set, frozenset)  # plain classes, but a repeated parameter each


def _plain_hints(func: Callable[..., Any]) -> dict[str, Any] | None:
    """The parameter hints of ``func`` when each is a plain class, read from
    ``__annotations__`` (a string, as ``from __future__ import annotations`` leaves it, looked
    up by name in the function's module or the builtins); ``None`` when one needs ``typing``."""
    annotations = getattr(func, "__annotations__", None)
    if not isinstance(annotations, dict) or hasattr(func, "__self__"):
        return None
    namespace = getattr(func, "__globals__", {})
    builtins = namespace.get("__builtins__", {})
    if not isinstance(builtins, dict):  # the module, outside __main__'s own namespace
        builtins = vars(builtins)
    hints: dict[str, Any] = {}
    for name, annotation in annotations.items():
        if name == "return":
            continue
        hint = annotation
        if isinstance(annotation, str):
            if not annotation.isidentifier():
                return None
            hint = namespace.get(annotation, builtins.get(annotation, _MISSING))
        if type(hint) is not type and not (isinstance(hint, type) and _is_class(hint)):
            return None
        if hint in _SEQUENCES:
            return None
        hints[name] = hint
    return hints


def _is_class(hint: type) -> bool:
    # A class with a metaclass of its own (an Enum, a TypedDict, a pydantic model), and not a
    # generic alias such as list[int], which also passes isinstance(hint, type) on some versions.
    return getattr(hint, "__origin__", None) is None and "[" not in repr(hint)


def return_hint(func: Callable[..., Any]) -> Any:
    """What ``func`` is annotated to return, for the OpenAPI document; ``_MISSING`` when it
    says nothing (or its hints cannot be read)."""
    import typing

    try:
        return typing.get_type_hints(func, include_extras=True).get("return", _MISSING)
    except Exception:
        return _MISSING


def signature(func: Callable[..., Any]) -> list[tuple[str, str, Any]]:
    """``(name, kind, default)`` for each parameter; read from the code object of a plain
    function (``inspect`` costs cold start), through ``inspect`` for anything else."""
    code = getattr(func, "__code__", None)
    if code is None or hasattr(func, "__self__"):
        import inspect

        kinds: dict[Any, str] = {
            inspect.Parameter.VAR_POSITIONAL: "*",
            inspect.Parameter.VAR_KEYWORD: "**",
        }
        return [
            (p.name, kinds.get(p.kind, ""), _MISSING if p.default is p.empty else p.default)
            for p in inspect.signature(func).parameters.values()
        ]
    count, kwonly = code.co_argcount, code.co_kwonlyargcount
    names = code.co_varnames[: count + kwonly]
    defaults = getattr(func, "__defaults__", None) or ()
    kwdefaults = getattr(func, "__kwdefaults__", None) or {}
    result = []
    for index, name in enumerate(names):
        if index < count:
            at = index - (count - len(defaults))
            default = defaults[at] if at >= 0 else _MISSING
        else:
            default = kwdefaults.get(name, _MISSING)
        result.append((name, "", default))
    rest = count + kwonly
    if code.co_flags & 0x04:  # CO_VARARGS
        result.append((code.co_varnames[rest], "*", _MISSING))
        rest += 1
    if code.co_flags & 0x08:  # CO_VARKEYWORDS
        result.append((code.co_varnames[rest], "**", _MISSING))
    return result


def _name(func: Any) -> str:
    return str(getattr(func, "__qualname__", func))


def _split_annotated(hint: Any, typing: Any) -> tuple[Marker | None, Any]:
    from lambdakit.router._markers import Marker  # asked only of hints that need typing

    if typing.get_origin(hint) is typing.Annotated:
        args = typing.get_args(hint)
        markers = [
            m
            for m in args[1:]
            if isinstance(m, Marker) or (isinstance(m, type) and issubclass(m, Marker))
        ]
        marker = markers[0] if markers else None
        if isinstance(marker, type):
            marker = marker()
        return marker, _split_annotated(args[0], typing)[1]
    if isinstance(hint, type) and issubclass(hint, Marker):
        raise TypeError("write a marker inside Annotated: Annotated[str, Header()]")
    return None, hint


def _is_event(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, LambdaEvent)


def _is_model(hint: Any) -> bool:
    if not isinstance(hint, type):
        return False
    return (
        hasattr(hint, "__dataclass_fields__")
        or hasattr(hint, "__required_keys__")  # a TypedDict
        or callable(getattr(hint, "model_validate", None))  # a pydantic model
    )


def _optional_inner(hint: Any, typing: Any) -> Any:
    """``T`` for ``T | None`` / ``Optional[T]``; the hint itself otherwise."""
    import types

    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _sequence_item(hint: Any, typing: Any) -> Any:
    origin = typing.get_origin(hint)
    if hint in (list, tuple, set) or origin in (list, tuple, set, frozenset):
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return args[0] if args else str
    return _MISSING
