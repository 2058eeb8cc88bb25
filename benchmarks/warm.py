"""One warm measurement: check a handler's answer, then time it on the same event (µs per
call). Standard library only: the probes of both venvs use it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from benchmarks.events import Context, pristine, untouched
from benchmarks.timing import per_call_us

Handler = Callable[[dict[str, Any], Any], Any]


def measure_one(
    handler: Handler, event: dict[str, Any], expect: str, settings: dict[str, Any]
) -> dict[str, Any]:
    """200 with ``expect`` in the body, else it raises; then the best-of-rounds µs per call,
    and whether the event was left as it was (the same dict is passed on every call)."""
    before = pristine(event)
    result = handler(event, Context())
    if result.get("statusCode") != 200 or expect not in result.get("body", ""):
        raise RuntimeError(f"{handler.__name__} answered {result!r}")
    us = per_call_us(
        handler,
        event,
        Context(),
        repeat=settings["repeat"],
        round_seconds=settings["round_seconds"],
    )
    return {"us": us, "event_untouched": untouched(event, before)}


def rejects(handler: Handler, event: dict[str, Any]) -> bool:
    """A body that does not match the model is answered with a 4xx (or raises, for the
    hand-written handler), not a 200."""
    bad = {**event, "body": json.dumps({"name": "Ada", "quantity": "three"})}
    try:
        status = handler(bad, Context()).get("statusCode", 0)
    except Exception:
        return True
    return 400 <= int(status) < 500
