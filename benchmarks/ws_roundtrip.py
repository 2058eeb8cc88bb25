"""WebSocket round trips per second (lambdakit's venv): N clients, each sending a message and
waiting for its echo, again and again for a fixed time. Every echo is checked.

``python -m benchmarks.ws_roundtrip '{"url": ..., "clients": N, "seconds": S}'``"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from benchmarks.runner import probe_main


async def _trips(connection: ClientConnection, number: int, stop_at: list[float]) -> int:
    trips = 0
    while time.perf_counter() < stop_at[0]:
        message = f'{{"client": {number}, "trip": {trips}}}'
        await connection.send(message)
        if await connection.recv() != message:
            raise RuntimeError(f"client {number}: wrong echo")
        trips += 1
    return trips


async def _run(url: str, clients: int, seconds: float) -> dict[str, Any]:
    connections = [await connect(url, ping_interval=None, open_timeout=30) for _ in range(clients)]
    try:
        # One warm-up trip each (threads, caches), then all start together.
        for connection in connections:
            await connection.send("warm-up")
            await connection.recv()
        stop_at = [time.perf_counter() + seconds]
        start = time.perf_counter()
        trips = await asyncio.gather(*(_trips(c, n, stop_at) for n, c in enumerate(connections)))
        elapsed = time.perf_counter() - start
    finally:
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)
    total = sum(trips)
    return {
        "clients": clients,
        "seconds": elapsed,
        "round_trips": total,
        "per_second": total / elapsed,
    }


def measure(options: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_run(options["url"], int(options["clients"]), float(options["seconds"])))


if __name__ == "__main__":
    probe_main(measure)
