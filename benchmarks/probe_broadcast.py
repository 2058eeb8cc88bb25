"""Probe (lambdakit's venv): send one message to every connection id through the
``@connections`` endpoint, with lambdakit's ``WebSocketSender.broadcast`` and with a
sequential loop of boto3 ``post_to_connection``, and time both (seconds).

Both are warmed first (client built, HTTP connection open) with one message each; every
round sends ``{"tag": "<subject>-<round>"}`` so the clients can tell the messages apart.
Run as ``python -m benchmarks.probe_broadcast '{"endpoint": ..., "ids_file": ..., ...}'``."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import boto3

from benchmarks.runner import probe_main
from lambdakit.websocket.messaging import WebSocketSender


def _sequential(endpoint: str, ids: list[str], tags: list[str]) -> list[float]:
    client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    client.post_to_connection(ConnectionId=ids[0], Data=b'{"tag": "warmup"}')
    seconds = []
    for tag in tags:
        data = json.dumps({"tag": tag}).encode()
        start = time.perf_counter()
        for connection_id in ids:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
        seconds.append(time.perf_counter() - start)
    return seconds


async def _broadcast(endpoint: str, ids: list[str], tags: list[str]) -> list[float]:
    with WebSocketSender(endpoint) as sender:
        warm = await sender.send(ids[0], {"tag": "warmup"})
        if not warm.ok:
            raise RuntimeError(f"warm-up send failed: {warm}")
        seconds = []
        for tag in tags:
            start = time.perf_counter()
            results = await sender.broadcast({"tag": tag}, ids)
            seconds.append(time.perf_counter() - start)
            failed = [r for r in results if not r.ok]
            if failed:
                raise RuntimeError(f"{len(failed)} sends failed, e.g. {failed[0]}")
    return seconds


def measure(options: dict[str, Any]) -> dict[str, Any]:
    endpoint: str = options["endpoint"]
    ids: list[str] = json.loads(Path(options["ids_file"]).read_text())
    rounds = int(options["rounds"])
    lambdakit_tags = [f"lambdakit-{n}" for n in range(rounds)]
    boto3_tags = [f"boto3-{n}" for n in range(rounds)]
    lambdakit = asyncio.run(_broadcast(endpoint, ids, lambdakit_tags))
    sequential = _sequential(endpoint, ids, boto3_tags)
    return {
        "connections": len(ids),
        "lambdakit_s": lambdakit,
        "boto3_loop_s": sequential,
        "tags": [*lambdakit_tags, *boto3_tags],
    }


if __name__ == "__main__":
    probe_main(measure)
