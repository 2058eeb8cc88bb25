"""The local servers under load: HTTP requests/s from ``wrk`` against ``lambdakit serve`` and
``chalice local`` serving the same small JSON route, and WebSocket round trips/s against
``lambdakit serve`` (``chalice local`` serves no WebSocket API). One server at a time.

``lambdakit serve`` runs its handlers as it does by default, in worker processes (awslambdaric
against its Runtime API); a second row, ``--in-process``, shows what that isolation costs."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from typing import Any

from benchmarks.runner import Interpreters, ProbeError, run_probe
from benchmarks.servers import HOST, STAGE, chalice_local, lambdakit_serve
from benchmarks.settings import Settings

WRK_THREADS = 2


def _check(url: str) -> None:
    """The route answers 200 with the JSON message before it is loaded."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        body = response.read().decode()
        if response.status != 200 or "hello" not in json.dumps(json.loads(body)):
            raise ProbeError(f"{url} answered {response.status} {body!r}")


def wrk(url: str, settings: Settings) -> dict[str, Any]:
    """``wrk -t2 -cC -dS url``: requests/s, latency, and errors (any is a crash)."""
    binary = shutil.which("wrk")
    if binary is None:
        raise ProbeError("wrk is not installed (scripts/bench installs it with apt-get)")
    _check(url)
    command = [
        binary,
        f"-t{WRK_THREADS}",
        f"-c{settings.load_connections}",
        f"-d{settings.load_seconds}s",
        "--latency",
        url,
    ]
    done = subprocess.run(  # noqa: S603 - wrk against our loopback server
        command, capture_output=True, text=True, timeout=settings.load_seconds + 60
    )
    if done.returncode != 0:
        raise ProbeError(f"wrk failed:\n{done.stderr}")
    out = done.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    if rps is None or total is None:
        raise ProbeError(f"cannot read wrk's output:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {
        "command": " ".join(["wrk", *command[1:]]),
        "requests_per_s": float(rps.group(1)),
        "requests": int(total.group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": errors.group(0) if errors else None,
        "latency": {
            p: m.group(1)
            for p in ("50%", "99%")
            if (m := re.search(rf"^\s+{p}\s+(\S+)$", out, re.MULTILINE))
        },
    }


def measure(interpreters: Interpreters, settings: Settings) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with lambdakit_serve(
        interpreters, http="benchmarks.http_app:handler", websocket="benchmarks.ws_app:handler"
    ) as port:
        results["lambdakit_http"] = wrk(f"http://{HOST}:{port}/hello", settings)
        results["lambdakit_websocket"] = run_probe(
            interpreters.lambdakit,
            "benchmarks.ws_roundtrip",
            {
                "url": f"ws://{HOST}:{port}/{STAGE}",
                "clients": settings.ws_clients,
                "seconds": settings.load_seconds,
            },
        )
    with lambdakit_serve(interpreters, http="benchmarks.http_app:handler", in_process=True) as port:
        results["lambdakit_in_process_http"] = wrk(f"http://{HOST}:{port}/hello", settings)
    with chalice_local(interpreters) as port:
        results["chalice_http"] = wrk(f"http://{HOST}:{port}/hello", settings)
    for name in ("lambdakit_http", "lambdakit_in_process_http", "chalice_http"):
        if results[name]["non_2xx"]:
            raise ProbeError(f"{name}: {results[name]['non_2xx']} answers were not 2xx")
    return results
