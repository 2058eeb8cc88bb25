"""The one place lambdakit turns values into JSON text, and JSON text into values.

Beyond what ``json`` handles, handlers may return dataclasses, pydantic models, ``datetime`` /
``date`` / ``time`` (ISO-8601), ``Decimal`` (what DynamoDB gives back), ``UUID``, ``Enum``,
sets and tuples.

The writer is ``json``'s C encoder, called directly (0.35 µs for a small body, against 1.1 µs
through ``JSONEncoder.encode``). orjson (the ``fast`` extra) writes the JSON only when the
function asks for it with ``LAMBDAKIT_JSON=orjson``: its import costs about 11 ms on the first
response (it loads dataclasses, inspect, datetime, enum and uuid) and it saves a fraction of a
microsecond on a small response, so it repays itself only after some ten thousand responses in
one container, or on large bodies. Never chosen from what happens to be installed or imported:
the setting alone decides (see ``docs/performance.md`` for the figures).

With orjson, what it cannot represent (integers over 64 bits, nesting past 254 levels) falls
back to ``json``, so the output is the same either way, but for one thing: orjson writes
``NaN`` and infinities as ``null`` where ``json`` refuses them.
Parsing always uses ``json``: strict (no ``NaN``) and exact with big integers.
"""

from __future__ import annotations

import json
import json.encoder
import os
import sys
from collections.abc import Mapping

from lambdakit.settings import JSON_ENV

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

STDLIB, ORJSON = "stdlib", "orjson"


def _default(value: Any) -> Any:
    # A value can only be of a type whose module is loaded: checking sys.modules instead of
    # importing dataclasses, datetime, decimal, enum and uuid keeps them off the cold start.
    if hasattr(type(value), "__dataclass_fields__"):
        import dataclasses

        return dataclasses.asdict(value)
    datetime = sys.modules.get("datetime")
    if datetime is not None and isinstance(
        value, (datetime.datetime, datetime.date, datetime.time)
    ):
        return value.isoformat()
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return int(value) if value == value.to_integral_value() else float(value)
    enum = sys.modules.get("enum")
    if enum is not None and isinstance(value, enum.Enum):
        return value.value
    uuid = sys.modules.get("uuid")
    if uuid is not None and isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, Mapping):  # Headers, RequestContext
        return dict(value)
    model_dump = getattr(value, "model_dump", None)  # pydantic v2 models
    if callable(model_dump):
        return model_dump(mode="json")
    to_dict = getattr(value, "to_dict", None)  # LambdaResponse, WebSocketConnection, yours
    if callable(to_dict):
        return to_dict()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_encoder = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), default=_default, allow_nan=False
)


def _c_encoder() -> Callable[[Any, int], Any] | None:
    """``json``'s C encoder with ``_encoder``'s options, built once: what ``_encoder.encode``
    ends up calling, without the Python layers around it. No circular-reference markers (the
    shared dict would be unsafe across threads): a cycle ends in ``RecursionError``, which
    ``_stdlib_dumps`` turns into ``ValueError`` as ``json`` would. ``None`` where the
    interpreter has no C encoder, or one with another signature."""
    make = getattr(json.encoder, "c_make_encoder", None)
    encode_str = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or encode_str is None:
        return None
    try:
        encoder: Callable[[Any, int], Any] = make(
            None, _default, encode_str, None, ":", ",", False, False, False
        )
        if "".join(encoder({"a": [1.5, None, "é"]}, 0)) != '{"a":[1.5,null,"é"]}':
            return None
    except Exception:  # any surprise: the documented JSONEncoder path
        return None
    return encoder


_c_encode = _c_encoder()


def _stdlib_dumps(value: Any) -> str:
    if _c_encode is None:
        return _encoder.encode(value)
    try:
        return "".join(_c_encode(value, 0))
    except RecursionError:
        raise ValueError("Circular reference detected, or nesting too deep") from None


def _python_dumps(value: Any) -> str:
    """The documented path, for the tests: ``_stdlib_dumps`` must write the same text."""
    return _encoder.encode(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_INFINITY = float("inf")


def _finite_float(text: str) -> float:
    # float() reads 1e999 as inf, which no JSON writer can answer with: refused on the way in.
    value = float(text)
    if value in (_INFINITY, -_INFINITY):
        raise ValueError(f"number {text[:32]} is out of range")
    return value


_decoder = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)


def _stdlib_loads(text: str) -> Any:
    return _decoder.decode(text)


def _orjson_dumps(orjson: Any) -> Callable[[Any], str]:
    # Dataclasses go through _default (dataclasses.asdict, "_" fields kept), and keys that are
    # not strings make orjson fail over to json: the same text either way.
    option = orjson.OPT_PASSTHROUGH_DATACLASS

    def orjson_dumps(value: Any) -> str:
        try:
            return orjson.dumps(value, default=_default, option=option).decode()  # type: ignore[no-any-return]
        except TypeError:  # beyond orjson (a 65-bit integer, deep nesting): json decides
            return _stdlib_dumps(value)

    return orjson_dumps


def chosen_writer() -> str:
    """The writer ``LAMBDAKIT_JSON`` asks for: ``stdlib`` (unset, empty, ``stdlib`` or
    ``json``) or ``orjson``; ``ValueError`` for anything else."""
    value = os.environ.get(JSON_ENV, "").strip().lower()
    if value in ("", STDLIB, "json"):
        return STDLIB
    if value == ORJSON:
        return ORJSON
    raise ValueError(f"{JSON_ENV}={value!r}: expected 'stdlib' (the default) or 'orjson'")


def _choose_dumps() -> Callable[[Any], str]:
    # Read on the first response, not on import, so that a test or a handler module can set
    # it before; then kept for the life of the container.
    global _dumps
    chosen: Callable[[Any], str] = _stdlib_dumps
    if chosen_writer() == ORJSON:
        try:
            import orjson
        except ImportError:
            raise ImportError(
                f"{JSON_ENV}=orjson needs orjson: pip install 'lambdakit[fast]'"
            ) from None
        chosen = _orjson_dumps(orjson)
    _dumps = chosen
    return chosen


_dumps: Callable[[Any], str] | None = None


def dumps(value: Any) -> str:
    """Compact JSON text; ``TypeError``/``ValueError`` for what cannot be represented."""
    return (_dumps or _choose_dumps())(value)


# Parsing stays with json: orjson reads integers past 64 bits as floats, losing digits.
loads = _stdlib_loads
