"""Fan-out (``probe_fan_out.py``): a broadcast split into batches of ``Event`` invocations,
each run in a process of its own as Lambda runs each in an execution environment, against the
simulated ``@connections`` under an account limit the batches share; the floor is the time the
limit allows: ``(messages - burst) / rate``."""

from __future__ import annotations

from typing import Any

from benchmarks.runner import Interpreters, run_probe
from benchmarks.servers import simulated_connections
from benchmarks.settings import Settings


def measure(interpreters: Interpreters, settings: Settings) -> dict[str, Any]:
    with simulated_connections(interpreters) as endpoint:
        return run_probe(
            interpreters.lambdakit,
            "benchmarks.probe_fan_out",
            {
                "endpoint": endpoint,
                "connections": settings.fan_out_connections,
                "rate": settings.fan_out_rate,
                "batch_size": settings.fan_out_batch_size,
            },
        )
