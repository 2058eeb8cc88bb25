"""Work for the processes of the cross-process races (importable, for ``spawn``)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any


def touch_until_stopped(
    path: str, ids: list[str], stop_file: str
) -> list[tuple[str, int, int, bool]]:
    """``update_last_seen`` on ``ids`` in turn until ``stop_file`` exists, then one round more;
    each call as ``(id, started_ns, ended_ns, result)`` on the system-wide monotonic clock."""
    from lambdakit.websocket import APIGatewayWSConnectionManager
    from lambdakit.websocket.stores.sqlite import SQLiteStore

    manager = APIGatewayWSConnectionManager("t", store=SQLiteStore(path))
    calls: list[tuple[str, int, int, bool]] = []

    async def loop() -> None:
        stop = Path(stop_file)
        last_round = False
        while True:
            last_round = stop.exists()  # one more round once it exists: after every disconnect
            for connection_id in ids:
                started = time.monotonic_ns()
                result = await manager.update_last_seen(connection_id)
                calls.append((connection_id, started, time.monotonic_ns(), result))
            if last_round:
                return

    asyncio.run(loop())
    return calls


def connect_and_disconnect(path: str, ids: list[str]) -> list[tuple[str, int, Any]]:
    """Connect each id, then disconnect it: ``(id, disconnect_ended_ns, stored_status)``."""
    from lambdakit.websocket import APIGatewayWSConnectionManager
    from lambdakit.websocket.stores.sqlite import SQLiteStore

    manager = APIGatewayWSConnectionManager("t", store=SQLiteStore(path))
    done: list[tuple[str, int, Any]] = []

    async def run() -> None:
        for connection_id in ids:
            await manager.connect(connection_id, client_data={"pid": 1})
            await manager.disconnect(connection_id)
            stored = await manager.get_connection(connection_id, include_disconnected=True)
            done.append((connection_id, time.monotonic_ns(), stored and stored.status))

    asyncio.run(run())
    return done
