"""Connect, disconnect and ``update_last_seen`` racing on the same connection ids: many tasks,
many threads and (SQLite) many processes, against SQLite, DynamoDB Local and the memory store.

What must hold, whatever the interleaving:

- a ``update_last_seen`` that starts after ``disconnect`` returned is ``False`` and changes
  nothing: a disconnected connection is never resurrected;
- the final state is the one the operations' own answers imply: a disconnect that found the
  connection leaves it disconnected; one that came first (found nothing) leaves the later
  connect standing;
- ``get_connection`` and ``list_connections`` agree with each other.

Clocks: call start and end times come from ``time.monotonic_ns`` (system-wide on Linux, so
comparable across processes); no assertion is about how long anything took.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import pytest

from lambdakit.websocket import APIGatewayWSConnectionManager
from lambdakit.websocket.stores import MemoryStore
from lambdakit.websocket.stores.records import CONNECTED, ConnectionRecord
from lambdakit.websocket.stores.sqlite import SQLiteStore
from tests.reliability import concurrency_workers
from tests.reliability.conftest import REGION

Call = tuple[str, int, int, bool]  # connection id, started ns, ended ns, result


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def connect_all(manager: APIGatewayWSConnectionManager, names: list[str]) -> None:
    async def connect() -> None:
        await asyncio.gather(*(manager.connect(c) for c in names))

    run(connect())


@pytest.fixture(params=["sqlite", "dynamodb", "memory"])
def store(request, tmp_path) -> Any:
    if request.param == "memory":
        return MemoryStore()
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "connections.sqlite3")
    from lambdakit.websocket.stores.dynamodb import DynamoDBStore

    ddb = request.getfixturevalue("ddb")
    table = request.getfixturevalue("table_name")
    created = DynamoDBStore(table, endpoint_url=ddb.endpoint, region_name=REGION)
    run(created.init())
    return created


@pytest.fixture
def manager(store) -> APIGatewayWSConnectionManager:
    return APIGatewayWSConnectionManager("connections", store=store)


def ids(count: int) -> list[str]:
    return [f"{uuid.uuid4().hex[:12]}{i}=" for i in range(count)]


def assert_never_resurrected(touches: list[Call], disconnected_at: dict[str, int]) -> None:
    late = [c for c in touches if c[1] > disconnected_at[c[0]]]
    assert late, "no update_last_seen started after a disconnect: the race did not happen"
    assert not [c for c in late if c[3]], "update_last_seen succeeded after disconnect"


async def assert_all_disconnected(manager: APIGatewayWSConnectionManager, names: list[str]) -> None:
    listed = {c.connection_id for c in await manager.list_connections()}
    assert not listed & set(names)
    for connection_id in names:
        assert await manager.get_connection(connection_id) is None
        stored = await manager.get_connection(connection_id, include_disconnected=True)
        assert stored is not None
        assert stored.status == "disconnected"


# -- tasks -------------------------------------------------------------------------------------


def test_tasks_touching_while_disconnecting_never_resurrect(manager):
    names = ids(12)
    touches: list[Call] = []
    disconnected_at: dict[str, int] = {}

    async def toucher(connection_id: str) -> None:
        after = 0  # touches until the disconnect, and a few more once it has returned
        while after < 3:
            started = time.monotonic_ns()
            result = await manager.update_last_seen(connection_id)
            touches.append((connection_id, started, time.monotonic_ns(), result))
            after += connection_id in disconnected_at
            await asyncio.sleep(0)

    async def disconnecter(connection_id: str) -> None:
        await asyncio.sleep(random.uniform(0, 0.02))  # noqa: S311
        await manager.disconnect(connection_id)
        disconnected_at[connection_id] = time.monotonic_ns()

    async def scenario() -> None:
        await asyncio.gather(*(manager.connect(c, client_data={"id": c}) for c in names))
        await asyncio.gather(
            *(toucher(c) for c in names for _ in range(3)), *(disconnecter(c) for c in names)
        )
        await assert_all_disconnected(manager, names)

    run(scenario())
    assert_never_resurrected(touches, disconnected_at)


def test_racing_connect_disconnect_and_touch_end_in_the_state_their_answers_imply(store):
    """The three operations on one fresh id at once, in every order the scheduler picks. A
    disconnect that found the connection (True) leaves it disconnected; one that ran before the
    connect (False) leaves the connection standing; the store's reads agree."""
    partition, now = "websocket_status", time.time()
    outcomes: dict[str, tuple[bool, bool]] = {}

    async def race(connection_id: str) -> None:
        record = ConnectionRecord(
            connection_id=connection_id,
            partition=partition,
            crt=int(now * 1000),
            status=CONNECTED,
            connected_at=now,
            last_seen=now,
            ttl=int(now) + 3600,
        )

        async def later(operation: Any) -> Any:
            await asyncio.sleep(random.uniform(0, 0.005))  # noqa: S311
            return await operation

        operations = [
            later(store.put(record)),
            later(store.disconnect(partition, connection_id, now + 1)),
            later(store.touch(partition, connection_id, now + 1, int(now) + 7200)),
        ]
        _, found, touched = await asyncio.gather(*operations)
        outcomes[connection_id] = (found, touched)

    async def scenario() -> None:
        await store.init()
        names = ids(60)
        await asyncio.gather(*(race(c) for c in names))
        live = {r.connection_id for r in await store.list_connected(partition, now + 2)}
        for connection_id in names:
            found, _ = outcomes[connection_id]
            stored = await store.get(partition, connection_id, now + 2)
            assert stored is not None
            expected = "disconnected" if found else "connected"
            assert stored.status == expected, (connection_id, outcomes[connection_id])
            assert (connection_id in live) == (expected == "connected")

    run(scenario())
    found = sum(found for found, _ in outcomes.values())
    print(f"disconnect found the connection {found} times of {len(outcomes)}")


def test_many_connections_half_closed_under_touches(manager):
    names = ids(120)
    closing, staying = names[::2], names[1::2]

    async def touch_all(rounds: int) -> None:
        for _ in range(rounds):
            await asyncio.gather(*(manager.update_last_seen(c) for c in names))

    async def scenario() -> None:
        await asyncio.gather(*(manager.connect(c) for c in names))
        await asyncio.gather(touch_all(3), *(manager.disconnect(c) for c in closing))
        listed = {c.connection_id for c in await manager.list_connections()}
        assert listed & set(names) == set(staying)
        await assert_all_disconnected(manager, closing)
        for connection_id in staying:
            assert await manager.update_last_seen(connection_id) is True

    run(scenario())


# -- threads -----------------------------------------------------------------------------------


def test_threads_touching_while_another_disconnects_never_resurrect(manager):
    names = ids(6)
    connect_all(manager, names)
    stop = threading.Event()
    touches: list[Call] = []
    lock = threading.Lock()

    def worker() -> None:
        async def loop() -> None:
            while True:
                last_round = stop.is_set()  # then one round more: after every disconnect
                for connection_id in names:
                    started = time.monotonic_ns()
                    result = await manager.update_last_seen(connection_id)
                    with lock:
                        touches.append((connection_id, started, time.monotonic_ns(), result))
                if last_round:
                    return

        run(loop())  # each thread: its own event loop, one shared manager

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    disconnected_at: dict[str, int] = {}
    try:
        for connection_id in names:
            while not any(t[0] == connection_id and t[3] for t in list(touches)):
                time.sleep(0.001)  # this id is being touched: now disconnect it
            run(manager.disconnect(connection_id))
            disconnected_at[connection_id] = time.monotonic_ns()
            time.sleep(0.02)  # let touches run after the disconnect
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert_never_resurrected(touches, disconnected_at)
    run(assert_all_disconnected(manager, names))


# -- processes (SQLite: one file, several processes) -------------------------------------------


@pytest.fixture
def processes() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(max_workers=4, mp_context=get_context("spawn")) as pool:
        yield pool


def test_processes_touching_while_another_disconnects_never_resurrect(tmp_path, processes):
    path = str(tmp_path / "shared.sqlite3")
    manager = APIGatewayWSConnectionManager("t", store=SQLiteStore(path))
    names = ids(8)
    connect_all(manager, names)
    stop_file = tmp_path / "stop"
    futures = [
        processes.submit(
            concurrency_workers.touch_until_stopped,
            path,
            random.sample(names, len(names)),
            str(stop_file),
        )
        for _ in range(3)
    ]
    try:
        # Wait (bounded) until the workers are touching: a successful touch moves last_seen.
        first = run(manager.get_connection(names[0])).last_seen
        deadline = time.monotonic() + 60
        while run(manager.get_connection(names[0])).last_seen == first:
            if time.monotonic() > deadline:
                pytest.fail("the worker processes did not start")
            time.sleep(0.01)
        disconnected_at: dict[str, int] = {}
        for connection_id in names:
            run(manager.disconnect(connection_id))
            disconnected_at[connection_id] = time.monotonic_ns()
            time.sleep(0.05)
    finally:
        stop_file.touch()
    touches = [call for future in futures for call in future.result(timeout=120)]
    assert_never_resurrected(touches, disconnected_at)
    assert any(call[3] for call in touches)  # the race was real: touches succeeded before
    run(assert_all_disconnected(manager, names))


def test_processes_connecting_and_disconnecting_while_others_touch(tmp_path, processes):
    path = str(tmp_path / "shared.sqlite3")
    groups = [ids(40) for _ in range(2)]
    everyone = [c for group in groups for c in group]
    stop_file = tmp_path / "stop"
    touchers = [
        processes.submit(concurrency_workers.touch_until_stopped, path, everyone, str(stop_file))
        for _ in range(2)
    ]
    try:
        cyclers = [
            processes.submit(concurrency_workers.connect_and_disconnect, path, group)
            for group in groups
        ]
        finished = [row for future in cyclers for row in future.result(timeout=120)]
    finally:
        stop_file.touch()
    touches = [call for future in touchers for call in future.result(timeout=120)]
    assert {status for _, _, status in finished} == {"disconnected"}
    disconnected_at = {connection_id: ended for connection_id, ended, _ in finished}
    late = [c for c in touches if c[1] > disconnected_at[c[0]]]
    assert not [c for c in late if c[3]]
    manager = APIGatewayWSConnectionManager("t", store=SQLiteStore(path))
    run(assert_all_disconnected(manager, everyone))
