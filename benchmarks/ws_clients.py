"""The WebSocket clients of the broadcast (lambdakit's venv), in a process of their own so
that receiving does not compete with the sender for one interpreter.

``python -m benchmarks.ws_clients '{"url": ..., "count": N}'`` opens N connections, learns
each one's connection id (the served function answers ``whoami`` with it) and prints
``{"ids": [...]}``. Every message received after that is recorded by its ``tag``. A line
``{"expect": ["tag", ...]}`` on stdin asks for the report: it waits (up to 30 s) until every
client has a message of each tag, prints ``{"received": {tag: clients}}`` and exits."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

OPENING_AT_ONCE = 50


class Client:
    def __init__(self, connection: ClientConnection, connection_id: str) -> None:
        self.connection = connection
        self.connection_id = connection_id
        self.tags: set[str] = set()

    async def listen(self) -> None:
        async for message in self.connection:
            try:
                self.tags.add(json.loads(message)["tag"])
            except (ValueError, KeyError, TypeError):
                continue


async def _open(url: str, gate: asyncio.Semaphore) -> Client:
    async with gate:
        connection = await connect(url, ping_interval=None, open_timeout=60, max_queue=None)
        await connection.send("whoami")
        connection_id = await asyncio.wait_for(connection.recv(), 30)
        return Client(connection, str(connection_id))


async def run(url: str, count: int) -> None:
    gate = asyncio.Semaphore(OPENING_AT_ONCE)
    clients = await asyncio.gather(*(_open(url, gate) for _ in range(count)))
    listeners = [asyncio.create_task(c.listen()) for c in clients]
    print(json.dumps({"ids": [c.connection_id for c in clients]}), flush=True)
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    expect: list[str] = json.loads(line)["expect"] if line.strip() else []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not all(set(expect) <= c.tags for c in clients):
        await asyncio.sleep(0.05)
    received = {tag: sum(tag in c.tags for c in clients) for tag in expect}
    for listener in listeners:
        listener.cancel()
    await asyncio.gather(*(c.connection.close() for c in clients), return_exceptions=True)
    print(json.dumps({"received": received}), flush=True)


def main() -> None:
    options: dict[str, Any] = json.loads(sys.argv[1])
    asyncio.run(run(options["url"], int(options["count"])))


if __name__ == "__main__":
    main()
