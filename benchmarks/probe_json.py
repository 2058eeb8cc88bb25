"""Probe (lambdakit's venv): what each JSON writer costs by body size, µs per body, and what
importing orjson costs: the figures behind ``LAMBDAKIT_JSON`` (orjson only when asked). Run as
``python -m benchmarks.probe_json``. Measured from inside lambdakit's writers, so the text is
the one a response carries."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from benchmarks.runner import probe_main
from benchmarks.timing import median, per_call_us
from lambdakit import _json

ITEM = {
    "id": 12345,
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "score": 98.5,
    "tags": ["admin", "beta"],
    "active": True,
}

# The import of orjson alone in a fresh process, as the first response with it pays it.
_IMPORT = "import time; s = time.perf_counter(); import orjson; print(time.perf_counter() - s)"


def bodies() -> dict[str, Any]:
    """A small answer, then lists of records: about 1 KB, 10 KB and 100 KB of JSON."""
    sized: dict[str, Any] = {"hello": {"message": "hello"}}
    for count in (10, 100, 1000):
        sized[f"{count} records"] = {"items": [{**ITEM, "id": n} for n in range(count)]}
    return sized


def _import_ms(runs: int) -> float:
    times = []
    for _ in range(runs + 1):  # the first writes the bytecode caches
        done = subprocess.run(  # noqa: S603 - our interpreter
            [sys.executable, "-c", _IMPORT], capture_output=True, text=True, check=True
        )
        times.append(float(done.stdout.strip()) * 1000)
    return median(times[1:])


def measure(settings: dict[str, Any]) -> dict[str, Any]:
    import orjson

    fast = _json._orjson_dumps(orjson)
    timing = {"repeat": settings["repeat"], "round_seconds": settings["round_seconds"]}
    sizes = {}
    for name, body in bodies().items():
        if fast(body) != _json._stdlib_dumps(body):
            raise RuntimeError(f"the writers disagree on {name}")
        sizes[name] = {
            "bytes": len(_json._stdlib_dumps(body).encode()),
            "stdlib_us": per_call_us(_json._stdlib_dumps, body, **timing),
            "orjson_us": per_call_us(fast, body, **timing),
        }
    return {"orjson_import_ms": _import_ms(int(settings.get("import_runs", 10))), "sizes": sizes}


if __name__ == "__main__":
    probe_main(measure)
