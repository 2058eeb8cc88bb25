"""Connection-store operations on DynamoDB Local: started here (our own cache dir, a free
port), measured by ``probe_store`` in lambdakit's interpreter, stopped afterwards."""

from __future__ import annotations

from typing import Any

from benchmarks.runner import Interpreters, run_probe
from benchmarks.servers import dynamodb_local
from benchmarks.settings import Settings


def measure(interpreters: Interpreters, settings: Settings) -> dict[str, Any]:
    with dynamodb_local() as endpoint:
        options = {
            "endpoint": endpoint,
            "calls": settings.store_calls,
            "rounds": settings.store_rounds,
        }
        return run_probe(interpreters.lambdakit, "benchmarks.probe_store", options)
