"""Broadcast to many connections through a real ``@connections`` endpoint on loopback:
``lambdakit serve`` with ``ws_app``, the clients in their own process (``ws_clients``), the
sends in another (``probe_broadcast``). Every client must receive every message."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Any

from benchmarks.runner import Interpreters, ProbeError, probe_env, run_probe
from benchmarks.servers import HOST, STAGE, lambdakit_serve
from benchmarks.settings import ROOT, Settings


def _line(stream: IO[str] | None, process: subprocess.Popen[str]) -> dict[str, Any]:
    line = stream.readline() if stream else ""
    if not line:
        process.wait(10)
        raise ProbeError(f"the WebSocket clients stopped (exit {process.returncode})")
    result: dict[str, Any] = json.loads(line)
    return result


def measure(interpreters: Interpreters, settings: Settings) -> dict[str, Any]:
    rounds = 1 if settings.quick else 3
    with lambdakit_serve(interpreters, websocket="benchmarks.ws_app:handler") as port:
        url = f"ws://{HOST}:{port}/{STAGE}"
        options = json.dumps({"url": url, "count": settings.connections})
        clients = subprocess.Popen(  # noqa: S603 - our interpreter and module
            [str(interpreters.lambdakit), "-m", "benchmarks.ws_clients", options],
            cwd=ROOT,
            env=probe_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            ids: list[str] = _line(clients.stdout, clients)["ids"]
            with tempfile.TemporaryDirectory() as scratch:
                ids_file = Path(scratch) / "ids.json"
                ids_file.write_text(json.dumps(ids))
                sent = run_probe(
                    interpreters.lambdakit,
                    "benchmarks.probe_broadcast",
                    {
                        "endpoint": f"http://{HOST}:{port}/{STAGE}",
                        "ids_file": str(ids_file),
                        "rounds": rounds,
                    },
                )
            if clients.stdin is None:
                raise ProbeError("no pipe to the WebSocket clients")
            clients.stdin.write(json.dumps({"expect": sent["tags"]}) + "\n")
            clients.stdin.flush()
            received: dict[str, int] = _line(clients.stdout, clients)["received"]
            clients.wait(60)
        finally:
            if clients.poll() is None:
                clients.kill()
                clients.wait()
    missing = {tag: len(ids) - n for tag, n in received.items() if n != len(ids)}
    if missing:
        raise ProbeError(f"clients missed messages (tag: clients without it): {missing}")
    best_lambdakit, best_loop = min(sent["lambdakit_s"]), min(sent["boto3_loop_s"])
    return {
        "connections": len(ids),
        "rounds": rounds,
        "lambdakit_s": best_lambdakit,
        "boto3_loop_s": best_loop,
        "all_rounds": {"lambdakit_s": sent["lambdakit_s"], "boto3_loop_s": sent["boto3_loop_s"]},
        "every_client_received_every_message": True,
    }
