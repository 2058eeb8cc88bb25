"""Timing helpers shared by the probes (standard library only: they run in both venvs)."""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable
from typing import Any


def per_call_us(
    function: Callable[..., Any], *args: Any, repeat: int, round_seconds: float
) -> float:
    """Microseconds per ``function(*args)``: the best of ``repeat`` timeit rounds, each long
    enough (at least ``round_seconds``) for the clock's resolution not to matter.

    The call is a timeit statement, not a lambda, so no wrapper's cost is measured."""
    names = {f"a{i}": value for i, value in enumerate(args)}
    statement = f"f({', '.join(names)})"
    timer = timeit.Timer(statement, globals={"f": function, **names})
    number = 1
    while True:  # calibrate: as timeit.autorange, up to round_seconds
        if timer.timeit(number) >= round_seconds:
            break
        number *= 2
    return min(timer.repeat(repeat=repeat, number=number)) / number * 1e6


def median(values: list[float]) -> float:
    return statistics.median(values)
