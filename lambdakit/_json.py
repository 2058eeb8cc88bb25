"""The one place lambdakit turns values into JSON text.

Beyond what ``json`` handles, handlers may return dataclasses, pydantic models, ``datetime`` /
``date`` / ``time`` (ISO-8601), ``Decimal`` (what DynamoDB gives back), ``UUID``, ``Enum``,
sets and tuples.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import uuid
from typing import Any


def _default(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return list(value)
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


def loads(text: str | bytes) -> Any:
    """Parse JSON text; raises ``ValueError`` (or ``RecursionError`` for absurd nesting)."""
    return json.loads(text)
