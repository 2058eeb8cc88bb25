"""The one place lambdakit turns values into JSON text, and JSON text into values.

Beyond what ``json`` handles, handlers may return dataclasses, pydantic models, ``datetime`` /
``date`` / ``time`` (ISO-8601), ``Decimal`` (what DynamoDB gives back), ``UUID``, ``Enum``,
sets and tuples.

With orjson installed (the ``fast`` extra) it writes the JSON, several times faster; what
orjson cannot represent (integers over 64 bits, nesting past 254 levels) falls back to
``json``, so the output is the same either way, but for one thing: orjson writes ``NaN`` and
infinities as ``null`` where ``json`` refuses them. ``LAMBDAKIT_JSON=stdlib`` turns it off.
orjson is imported on the first response, not on import (it loads dataclasses, datetime, enum
and uuid): installing it trades some milliseconds on the first response for about a
microsecond on every one after.
Parsing always uses ``json``: strict (no ``NaN``) and exact with big integers.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping

from lambdakit.settings import JSON_ENV

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def _stdlib_dumps(value: Any) -> str:
    return _encoder.encode(value)


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


def _choose_dumps() -> Callable[[Any], str]:
    # Chosen on the first response, not on import: importing orjson loads dataclasses,
    # datetime, enum and uuid, which the cold start of `import lambdakit` leaves out.
    global _dumps
    chosen: Callable[[Any], str] = _stdlib_dumps
    if os.environ.get(JSON_ENV, "").lower() != "stdlib":
        try:
            import orjson
        except ImportError:
            pass
        else:
            chosen = _orjson_dumps(orjson)
    _dumps = chosen
    return chosen


_dumps: Callable[[Any], str] | None = None


def dumps(value: Any) -> str:
    """Compact JSON text; ``TypeError``/``ValueError`` for what cannot be represented."""
    return (_dumps or _choose_dumps())(value)


# Parsing stays with json: orjson reads integers past 64 bits as floats, losing digits.
loads = _stdlib_loads
