"""The per-call measurements: warm GET, validated POST and WebSocket ``resolve``, each side in
its own interpreter (``probe_http_lambdakit``, ``probe_http_peers``, ``probe_websocket``).
lambdakit with its default JSON writer (json's C encoder), and its GET again with orjson
(``LAMBDAKIT_JSON=orjson``)."""

from __future__ import annotations

from typing import Any

from benchmarks.runner import Interpreters, run_probe
from benchmarks.settings import Settings


def measure(interpreters: Interpreters, settings: Settings) -> dict[str, Any]:
    options = {"repeat": settings.repeat, "round_seconds": settings.round_seconds}
    ours = run_probe(interpreters.lambdakit, "benchmarks.probe_http_lambdakit", options)
    # The same GET with orjson writing the JSON, as LAMBDAKIT_JSON=orjson asks (the fast extra).
    fast = run_probe(
        interpreters.lambdakit,
        "benchmarks.probe_http_lambdakit",
        {**options, "only_get": True},
        env={"LAMBDAKIT_JSON": "orjson"},
    )
    peers = run_probe(interpreters.peers, "benchmarks.probe_http_peers", options)
    websocket = run_probe(interpreters.lambdakit, "benchmarks.probe_websocket", options)
    writers = run_probe(
        interpreters.lambdakit,
        "benchmarks.probe_json",
        {**options, "import_runs": settings.import_runs},
    )
    return {
        "repeat": settings.repeat,
        "get": {**ours["get"], "lambdakit_orjson": fast["get"]["lambdakit"], **peers["get"]},
        "post": {**ours["post"], **peers["post"]},
        "websocket": websocket,
        "json": writers,
    }
