"""The one place lambdakit turns values into JSON text.

Beyond what ``json`` handles, handlers may return dataclasses, pydantic models, ``datetime`` /
``date`` / ``time`` (ISO-8601), ``Decimal`` (what DynamoDB gives back), ``UUID``, ``Enum``,
sets and tuples.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
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
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_encoder = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), default=_default, allow_nan=False
)


def dumps(value: Any) -> str:
    """Compact JSON text; ``TypeError``/``ValueError`` for what cannot be represented."""
    return _encoder.encode(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_decoder = json.JSONDecoder(parse_constant=_reject_constant)


def loads(text: str) -> Any:
    """Parse JSON text, strictly: ``NaN`` and ``Infinity`` are not JSON. Raises
    ``ValueError`` (or ``RecursionError`` for absurd nesting)."""
    return _decoder.decode(text)
