"""Probe (lambdakit's venv): broadcasts to the simulated ``@connections``
(``connections_server``), timed, with the process's CPU time: lambdakit's
``WebSocketSender.broadcast`` and a sequential loop of boto3 ``post_to_connection`` without a
limit, then lambdakit's broadcast under the account limit, and under a limit below its pace
(where 429 answers must be retried). Each sender is warmed with one
message first (client built, HTTP connection open); the server's counts are reset after it.
Run as ``python -m benchmarks.probe_broadcast '{"endpoint": ..., ...}'``."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.request
from collections import Counter
from typing import Any

import boto3

from benchmarks.runner import probe_main
from lambdakit.websocket.messaging import WebSocketSender


def connection_ids(count: int) -> list[str]:
    """Ids shaped like API Gateway's (12 characters of base64, e.g. ``L0SM9cOFvHcCIhw=``)."""
    return [base64.b64encode(n.to_bytes(10, "big")).decode() for n in range(count)]


def _control(endpoint: str, path: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    root = endpoint.rsplit("/", 1)[0]
    data = None if options is None else json.dumps(options).encode()
    request = urllib.request.Request(f"{root}/_bench/{path}", data=data)  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
        result: dict[str, Any] = json.loads(answer.read() or b"{}")
        return result


def _timed(seconds: float, cpu: float, endpoint: str, tag: str, sent: int) -> dict[str, Any]:
    stats = _control(endpoint, "stats")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "messages": sent,
        "accepted": stats["accepted"].get(tag, 0),
        "calls": stats["calls"],
        "throttled": stats["throttled"],
    }


async def _broadcast(
    endpoint: str, ids: list[str], tag: str, limit: dict[str, Any]
) -> dict[str, Any]:
    with WebSocketSender(endpoint) as sender:
        warm = await sender.send(ids[0], {"tag": "warmup"})
        if not warm.ok:
            raise RuntimeError(f"warm-up send failed: {warm}")
        _control(endpoint, "reset", limit)
        cpu, start = time.process_time(), time.perf_counter()
        results = await sender.broadcast({"tag": tag}, ids)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    failed = [r for r in results if not r.ok]
    outcome = _timed(seconds, cpu, endpoint, tag, len(ids))
    outcome["failed"] = len(failed)
    outcome["failures"] = dict(Counter(str(r.error) for r in failed))
    return outcome


def _sequential(endpoint: str, ids: list[str], tag: str, limit: dict[str, Any]) -> dict[str, Any]:
    client = boto3.client("apigatewaymanagementapi", endpoint_url=endpoint)
    client.post_to_connection(ConnectionId=ids[0], Data=b'{"tag": "warmup"}')
    _control(endpoint, "reset", limit)
    data = json.dumps({"tag": tag}).encode()
    cpu, start = time.process_time(), time.perf_counter()
    for connection_id in ids:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    outcome = _timed(seconds, cpu, endpoint, tag, len(ids))
    outcome["failed"] = 0  # a failure raises
    return outcome


def measure(options: dict[str, Any]) -> dict[str, Any]:
    endpoint: str = options["endpoint"]
    latency = float(options["latency_ms"])
    unlimited = {"latency_ms": latency}
    ids = connection_ids(int(options["connections"]))
    result: dict[str, Any] = {
        "lambdakit": asyncio.run(_broadcast(endpoint, ids, "lambdakit", unlimited)),
        "boto3_loop": _sequential(endpoint, ids, "boto3", unlimited),
    }
    for name in ("limited", "throttled"):
        rate = float(options[f"{name}_rate"])
        limit = {"latency_ms": latency, "rate": rate, "burst": rate / 2}
        many = connection_ids(int(options[f"{name}_connections"]))
        outcome = asyncio.run(_broadcast(endpoint, many, name, limit))
        result[name] = {**outcome, "rate": rate, "burst": limit["burst"]}
    return result


if __name__ == "__main__":
    probe_main(measure)
