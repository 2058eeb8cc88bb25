"""Turn a JSON body into a typed object, or a 422 that names each bad field.

``validate(data, Model)`` accepts a dataclass (nested, with typed fields), a ``TypedDict`` or a
pydantic model. Dataclasses and TypedDicts are checked against JSON's types strictly (``"42"``
is not an ``int``); pydantic models are validated by pydantic with its own rules. A converter is
built once per type and cached, so nothing is reflected upon per call.

Errors raise ``lambdakit.errors.ValidationError``: status 422, code ``S42200``, a message such
as ``Invalid request body: age: expected integer, got string; name: field required`` and
``details`` listing ``{"field", "message"}``. No input values or library internals are echoed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import enum
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

from lambdakit.errors import ValidationError

_T = TypeVar("_T")

__all__ = ["converter_for", "validate"]

# A converter returns the converted value or appends to ``errors`` and returns _INVALID.
_Errors = list[dict[str, str]]
_Converter = Callable[[Any, str, _Errors], Any]

_INVALID: Final[Any] = object()
_converters: dict[Any, _Converter] = {}

# TypedDict key qualifiers: they say whether a key must be there, not what it holds.
_QUALIFIERS: Final = frozenset({"Required", "NotRequired", "ReadOnly"})
_JSON_NAMES: Final = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}


def validate(data: Any, model: type[_T]) -> _T:
    """``data`` (parsed JSON) as an instance of ``model``, or ``ValidationError``."""
    errors: _Errors = []
    value = converter_for(model)(data, "", errors)
    if errors:
        raise ValidationError(errors)
    return value  # type: ignore[no-any-return]


def converter_for(tp: Any) -> _Converter:
    """The cached converter for a type annotation."""
    try:
        return _converters[tp]
    except (KeyError, TypeError):  # TypeError: unhashable annotation
        pass
    converter = _build(tp)
    with contextlib.suppress(TypeError):  # unhashable annotations are simply not cached
        _converters[tp] = converter
    return converter


def _json_name(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _fail(errors: _Errors, path: str, message: str) -> Any:
    errors.append({"field": path, "message": message})
    return _INVALID


def _build(tp: Any) -> _Converter:
    if tp is Any or tp is object:
        return lambda value, path, errors: value
    if tp is None or tp is type(None):
        return _scalar(type(None), "null")
    if tp is bool:
        return _scalar(bool, "boolean")
    if tp is int:
        return _integer
    if tp is float:
        return _number
    if tp is str:
        return _scalar(str, "string")
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated or getattr(origin, "_name", None) in _QUALIFIERS:
        return converter_for(args[0])
    if origin is typing.Union or origin is types.UnionType:
        return _union([converter_for(a) for a in args], args)
    if origin is typing.Literal:
        return _literal(args)
    if (
        origin in (list, tuple, set, frozenset)
        or tp in (list, tuple, set, frozenset)
        or (
            origin is not None
            and origin.__module__ == "collections.abc"
            and origin.__name__ in ("Sequence", "MutableSequence", "Set", "Collection", "Iterable")
        )
    ):
        return _sequence(origin or tp, args)
    if (
        origin in (dict, Mapping)
        or tp is dict
        or (origin is not None and getattr(origin, "__name__", "") == "MutableMapping")
    ):
        return _mapping_of(converter_for(args[1]) if len(args) == 2 else converter_for(Any))
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return _dataclass(tp)
        if typing.is_typeddict(tp):
            return _typeddict(tp)
        if callable(getattr(tp, "model_validate", None)):
            return _pydantic(tp)
        if issubclass(tp, enum.Enum):
            return _enum(tp)
        if tp in (datetime.datetime, datetime.date, datetime.time):
            return _iso(tp)
        if tp is uuid.UUID:
            return _uuid
    raise TypeError(f"lambdakit cannot validate against {tp!r}")


def _scalar(kind: type, name: str) -> _Converter:
    def convert(value: Any, path: str, errors: _Errors) -> Any:
        if type(value) is kind:
            return value
        return _fail(errors, path, f"expected {name}, got {_json_name(value)}")

    return convert


def _integer(value: Any, path: str, errors: _Errors) -> Any:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return _fail(errors, path, f"expected integer, got {_json_name(value)}")


def _number(value: Any, path: str, errors: _Errors) -> Any:
    if type(value) in (int, float):
        return float(value)
    return _fail(errors, path, f"expected number, got {_json_name(value)}")


def _union(converters: list[_Converter], args: tuple[Any, ...]) -> _Converter:
    names = " or ".join(_type_name(a) for a in args)

    def convert(value: Any, path: str, errors: _Errors) -> Any:
        for converter in converters:
            attempt: _Errors = []
            result = converter(value, path, attempt)
            if not attempt:
                return result
        return _fail(errors, path, f"expected {names}, got {_json_name(value)}")

    return convert


def _literal(allowed: tuple[Any, ...]) -> _Converter:
    choices = ", ".join(repr(a) for a in allowed)

    def convert(value: Any, path: str, errors: _Errors) -> Any:
        for option in allowed:
            if value == option and type(value) is type(option):
                return value
        return _fail(errors, path, f"expected one of {choices}")

    return convert


def _sequence(kind: Any, args: tuple[Any, ...]) -> _Converter:
    if kind is tuple and args and args[-1] is not Ellipsis:
        fixed = [converter_for(a) for a in args]

        def convert_tuple(value: Any, path: str, errors: _Errors) -> Any:
            if not isinstance(value, list):
                return _fail(errors, path, f"expected array, got {_json_name(value)}")
            if len(value) != len(fixed):
                return _fail(errors, path, f"expected {len(fixed)} items, got {len(value)}")
            items = [
                c(v, _child(path, i), errors)
                for i, (c, v) in enumerate(zip(fixed, value, strict=True))
            ]
            return tuple(items)

        return convert_tuple
    item = converter_for(args[0] if args else Any)
    build: Callable[[list[Any]], Any] = kind if kind in (tuple, set, frozenset) else list

    def convert(value: Any, path: str, errors: _Errors) -> Any:
        if not isinstance(value, list):
            return _fail(errors, path, f"expected array, got {_json_name(value)}")
        before = len(errors)
        items = [item(v, _child(path, i), errors) for i, v in enumerate(value)]
        if len(errors) > before:
            return _INVALID
        try:
            return build(items)
        except TypeError:  # unhashable items for a set
            return _fail(errors, path, "items must be unique scalar values")

    return convert


def _mapping_of(value_converter: _Converter) -> _Converter:
    def convert(value: Any, path: str, errors: _Errors) -> Any:
        if not isinstance(value, dict):
            return _fail(errors, path, f"expected object, got {_json_name(value)}")
        return {k: value_converter(v, _child(path, k), errors) for k, v in value.items()}

    return convert


def _dataclass(cls: type) -> _Converter:
    hints = typing.get_type_hints(cls, include_extras=True)
    fields = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        fields.append((f.name, required, hints.get(f.name, Any)))
    # Converters are looked up lazily so self-referencing dataclasses work.
    converters: dict[str, _Converter] = {}

    def convert(value: Any, path: str, errors: _Errors) -> Any:
        if not isinstance(value, dict):
            return _fail(errors, path, f"expected object, got {_json_name(value)}")
        before = len(errors)
        kwargs = {}
        for name, required, hint in fields:
            if name in value:
                converter = converters.get(name)
                if converter is None:
                    converter = converters[name] = converter_for(hint)
                kwargs[name] = converter(value[name], _child(path, name), errors)
            elif required:
                _fail(errors, _child(path, name), "field required")
        if len(errors) > before:
            return _INVALID
        try:
            return cls(**kwargs)
        except (ValueError, TypeError) as error:  # the model's own checks (__post_init__)
            return _fail(errors, path, str(error) or f"invalid {cls.__name__}")

    return convert


def _typeddict(cls: type) -> _Converter:
    hints = typing.get_type_hints(cls, include_extras=True)
    optional = set(getattr(cls, "__optional_keys__", ()))
    for name, hint in hints.items():
        # With string annotations Python cannot see the qualifiers when it builds the class.
        qualifier = getattr(typing.get_origin(hint), "_name", None)
        if qualifier == "NotRequired":
            optional.add(name)
        elif qualifier == "Required":
            optional.discard(name)
    required = frozenset(hints) - optional
    converters = {name: converter_for(hint) for name, hint in hints.items()}

    def convert(value: Any, path: str, errors: _Errors) -> Any:
        if not isinstance(value, dict):
            return _fail(errors, path, f"expected object, got {_json_name(value)}")
        result = {}
        for name, converter in converters.items():
            if name in value:
                result[name] = converter(value[name], _child(path, name), errors)
            elif name in required:
                _fail(errors, _child(path, name), "field required")
        return result

    return convert


def _pydantic(model: Any) -> _Converter:
    def convert(value: Any, path: str, errors: _Errors) -> Any:
        from pydantic import ValidationError as PydanticValidationError

        try:
            return model.model_validate(value)
        except PydanticValidationError as exc:
            for error in exc.errors(include_url=False, include_input=False, include_context=False):
                field = path
                for part in error.get("loc", ()):
                    field = _child(field, part if isinstance(part, int) else str(part))
                errors.append({"field": field, "message": str(error.get("msg", "invalid"))})
            return _INVALID

    return convert


def _enum(cls: type[enum.Enum]) -> _Converter:
    choices = ", ".join(repr(m.value) for m in cls)

    def convert(value: Any, path: str, errors: _Errors) -> Any:
        try:
            return cls(value)
        except (ValueError, TypeError):
            return _fail(errors, path, f"expected one of {choices}")

    return convert


def _iso(kind: Any) -> _Converter:
    name = kind.__name__

    def convert(value: Any, path: str, errors: _Errors) -> Any:
        if isinstance(value, str):
            try:
                return kind.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
        return _fail(errors, path, f"expected an ISO-8601 {name}")

    return convert


def _uuid(value: Any, path: str, errors: _Errors) -> Any:
    if isinstance(value, str):
        try:
            return uuid.UUID(value)
        except ValueError:
            pass
    return _fail(errors, path, "expected a UUID")


def _type_name(tp: Any) -> str:
    if tp is type(None):
        return "null"
    if tp in _JSON_NAMES:
        return _JSON_NAMES[tp]
    origin = typing.get_origin(tp)
    if origin in (list, tuple, set, frozenset):
        return "array"
    if origin is dict:
        return "object"
    return getattr(tp, "__name__", str(tp))
