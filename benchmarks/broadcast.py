"""Broadcast against a ``@connections`` that answers as AWS does (``connections_server``: a
latency per call, and an account limit answering 429 ``LimitExceededException``): lambdakit's
``broadcast`` against a sequential boto3 loop without a limit, then lambdakit's under the limit
(and under a lower one, below its pace, where 429s must be retried); the floor is the time the
limit allows: ``(messages - burst) / rate``."""

from __future__ import annotations

from typing import Any

from benchmarks.runner import Interpreters, run_probe
from benchmarks.servers import simulated_connections
from benchmarks.settings import Settings


def measure(interpreters: Interpreters, settings: Settings) -> dict[str, Any]:
    with simulated_connections(interpreters) as endpoint:
        sent = run_probe(
            interpreters.lambdakit,
            "benchmarks.probe_broadcast",
            {
                "endpoint": endpoint,
                "latency_ms": settings.latency_ms,
                "connections": settings.connections,
                "limited_connections": settings.limited_connections,
                "limited_rate": settings.limit_rate,
                "throttled_connections": settings.throttled_connections,
                "throttled_rate": settings.throttled_rate,
            },
        )
    result: dict[str, Any] = {
        "latency_ms": settings.latency_ms,
        "connections": settings.connections,
        "lambdakit": sent["lambdakit"],
        "boto3_loop": sent["boto3_loop"],
    }
    for name in ("limited", "throttled"):
        run = sent[name]
        result[name] = {**run, "floor_s": max(0.0, run["messages"] - run["burst"]) / run["rate"]}
    return result
