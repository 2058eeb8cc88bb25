"""One contract for every connection store: memory, SQLite, DynamoDB (on DynamoDB Local)."""

from __future__ import annotations

import asyncio

import pytest

from lambdakit.errors import DynamoDBError, StoreError
from lambdakit.websocket.stores.memory import MemoryStore
from lambdakit.websocket.stores.records import CONNECTED, DISCONNECTED, ConnectionRecord
from lambdakit.websocket.stores.sqlite import SQLiteStore

NOW = 1_800_000_000.0


def record(
    connection_id: str = "abc=",
    partition: str = "websocket_status",
    *,
    now: float = NOW,
    ttl: int = 7200,
    client_data=None,
) -> ConnectionRecord:
    return ConnectionRecord(
        connection_id=connection_id,
        partition=partition,
        crt=int(now * 1000),
        status=CONNECTED,
        connected_at=now,
        last_seen=now,
        ttl=int(now) + ttl,
        client_data=client_data,
    )


@pytest.fixture(params=["memory", "sqlite", "dynamodb"])
def store(request, tmp_path):
    if request.param == "memory":
        return MemoryStore()
    if request.param == "sqlite":
        return SQLiteStore(tmp_path / "nested" / "connections.sqlite3")
    from lambdakit.websocket.stores.dynamodb import DynamoDBStore

    client = request.getfixturevalue("dynamodb_client")
    return DynamoDBStore(request.getfixturevalue("table_name"), client=client)


def run(coroutine):
    return asyncio.run(coroutine)


def test_put_get_round_trip(store):
    async def scenario():
        await store.init()
        await store.init()  # idempotent
        data = {"ip": "1.2.3.4", "n": 1, "score": 0.5, "tags": ["a"], "nested": {"ok": True}}
        await store.put(record(client_data=data))
        got = await store.get("websocket_status", "abc=", NOW)
        assert got is not None
        assert got.connection_id == "abc="
        assert got.status == CONNECTED
        assert got.client_data == data
        assert got.ttl == int(NOW) + 7200
        assert got.connected_at == pytest.approx(NOW)
        assert await store.get("websocket_status", "other=", NOW) is None

    run(scenario())


def test_expired_records_are_gone_for_every_read(store):
    async def scenario():
        await store.init()
        await store.put(record(ttl=10))
        later = NOW + 11
        assert await store.get("websocket_status", "abc=", later) is None
        assert await store.list_connected("websocket_status", later) == []
        assert await store.touch("websocket_status", "abc=", later, int(later) + 100) is False
        assert await store.disconnect("websocket_status", "abc=", later) is False

    run(scenario())


def test_touch_extends_ttl_and_last_seen(store):
    async def scenario():
        await store.init()
        await store.put(record())
        assert await store.touch("websocket_status", "abc=", NOW + 5, int(NOW) + 9000) is True
        got = await store.get("websocket_status", "abc=", NOW + 5)
        assert got.last_seen == pytest.approx(NOW + 5)
        assert got.ttl == int(NOW) + 9000
        assert await store.touch("websocket_status", "unknown=", NOW, int(NOW) + 9000) is False

    run(scenario())


def test_disconnect_is_final_and_idempotent(store):
    async def scenario():
        await store.init()
        await store.put(record())
        assert await store.disconnect("websocket_status", "abc=", NOW + 1) is True
        assert await store.disconnect("websocket_status", "abc=", NOW + 2) is False
        # A late update_last_seen must not bring the connection back.
        assert await store.touch("websocket_status", "abc=", NOW + 3, int(NOW) + 9000) is False
        got = await store.get("websocket_status", "abc=", NOW + 3)
        assert got.status == DISCONNECTED
        assert got.disconnected_at == pytest.approx(NOW + 1)
        assert await store.list_connected("websocket_status", NOW + 3) == []

    run(scenario())


def test_partitions_never_mix(store):
    async def scenario():
        await store.init()
        await store.put(record("a=", "chat"))
        await store.put(record("b=", "other", now=NOW + 1))
        assert await store.get("chat", "b=", NOW) is None
        assert await store.touch("chat", "b=", NOW, int(NOW) + 10) is False
        assert await store.disconnect("chat", "b=", NOW) is False
        assert [r.connection_id for r in await store.list_connected("chat", NOW)] == ["a="]
        assert (await store.get("other", "b=", NOW)).status == CONNECTED

    run(scenario())


def test_reconnect_replaces_the_earlier_record(store):
    async def scenario():
        await store.init()
        await store.put(record())
        await store.disconnect("websocket_status", "abc=", NOW + 1)
        await store.put(record(now=NOW + 2, client_data={"v": 2}))
        got = await store.get("websocket_status", "abc=", NOW + 2)
        assert (got.status, got.client_data) == (CONNECTED, {"v": 2})
        assert len(await store.list_connected("websocket_status", NOW + 2)) == 1

    run(scenario())


def test_listing_many(store):
    async def scenario():
        await store.init()
        for i in range(30):
            await store.put(record(f"c{i}=", now=NOW + i))
        await store.disconnect("websocket_status", "c3=", NOW + 40)
        listed = await store.list_connected("websocket_status", NOW + 40)
        assert len(listed) == 29
        assert "c3=" not in {r.connection_id for r in listed}

    run(scenario())


def test_racing_touch_and_disconnect_never_resurrect(store):
    async def scenario():
        await store.init()
        await store.put(record())

        async def toucher(i: int) -> bool:
            return await store.touch("websocket_status", "abc=", NOW + i, int(NOW) + 9000 + i)

        results = await asyncio.gather(
            *[toucher(i) for i in range(10)],
            store.disconnect("websocket_status", "abc=", NOW + 5),
            *[toucher(i) for i in range(10, 20)],
        )
        assert results[10] is True  # the disconnect
        got = await store.get("websocket_status", "abc=", NOW + 30)
        assert got.status == DISCONNECTED

    run(scenario())


def test_records_are_frozen_values():
    with pytest.raises(AttributeError, match="immutable"):
        record().status = DISCONNECTED


def test_dynamodb_errors_are_wrapped(dynamodb_client):
    from lambdakit.websocket.stores.dynamodb import DynamoDBStore

    store = DynamoDBStore("no-such-table", client=dynamodb_client)
    with pytest.raises(DynamoDBError) as caught:
        run(store.get("websocket_status", "abc=", NOW))
    assert "ResourceNotFoundException" in str(caught.value)
    assert caught.value.original is not None


def test_sqlite_errors_are_the_same_store_error(tmp_path):
    """A store's failure is one error whichever store raised it: StoreError, which the seed
    calls DynamoDBError."""
    (tmp_path / "db").mkdir()  # a folder where the database file should be
    store = SQLiteStore(tmp_path / "db")
    with pytest.raises(StoreError) as caught:
        run(store.get("websocket_status", "abc=", NOW))
    assert isinstance(caught.value, DynamoDBError)
    assert caught.value.original is not None


def test_dynamodb_table_layout(dynamodb_client, table_name):
    from lambdakit.websocket.stores.dynamodb import INDEX_NAME, DynamoDBStore

    run(DynamoDBStore(table_name, client=dynamodb_client).init())
    table = dynamodb_client.describe_table(TableName=table_name)["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "connection_id", "KeyType": "HASH"},
        {"AttributeName": "_crt", "KeyType": "RANGE"},
    ]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == [INDEX_NAME]
    ttl = dynamodb_client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "_ttl")


@pytest.fixture
def throttling(dynamodb_endpoint):
    from tests.websocket.throttling_proxy import ThrottlingProxy

    with ThrottlingProxy(dynamodb_endpoint) as proxy:
        yield proxy


def throttled_store(proxy, table_name, max_attempts):
    from lambdakit.websocket.stores.dynamodb import DynamoDBStore

    return DynamoDBStore(
        table_name, endpoint_url=proxy.endpoint, region_name="us-east-1", max_attempts=max_attempts
    )


def test_dynamodb_throttling_is_retried_with_backoff(throttling, table_name, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    store = throttled_store(throttling, table_name, max_attempts=5)
    run(store.init())
    throttling.throttle_next = 3
    run(store.put(record()))
    assert throttling.throttled == 3
    assert run(store.get("websocket_status", "abc=", NOW)).status == CONNECTED


def test_dynamodb_throttling_past_the_retries_is_a_dynamodb_error(
    throttling, table_name, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    store = throttled_store(throttling, table_name, max_attempts=3)
    run(store.init())
    throttling.throttle_next = 100
    before = throttling.requests
    with pytest.raises(DynamoDBError) as caught:
        run(store.get("websocket_status", "abc=", NOW))
    assert throttling.requests - before == 3  # max_attempts, then the error
    assert "ProvisionedThroughputExceededException" in str(caught.value)
    assert type(caught.value.original).__name__ == "ProvisionedThroughputExceededException"


# -- races ------------------------------------------------------------------------------------


def test_same_id_in_two_partitions_at_the_same_moment(store):
    async def scenario():
        await store.init()
        # Same connection id, same creation millisecond, two partitions: both survive.
        await asyncio.gather(store.put(record("X=", "chat")), store.put(record("X=", "presence")))
        assert (await store.get("chat", "X=", NOW)).partition == "chat"
        assert (await store.get("presence", "X=", NOW)).partition == "presence"

    run(scenario())


def test_racing_connects_leave_no_ghost_after_disconnect(store):
    async def scenario():
        await store.init()
        await asyncio.gather(store.put(record("D=")), store.put(record("D=", now=NOW + 0.005)))
        assert [r.connection_id for r in await store.list_connected("websocket_status", NOW)] == [
            "D="
        ]
        assert await store.disconnect("websocket_status", "D=", NOW + 1) is True
        assert await store.list_connected("websocket_status", NOW + 1) == []
        assert (await store.get("websocket_status", "D=", NOW + 1)).status == DISCONNECTED

    run(scenario())


def test_concurrent_init_is_idempotent(store):
    async def scenario():
        await asyncio.gather(*(store.init() for _ in range(4)))
        await store.put(record())
        assert await store.get("websocket_status", "abc=", NOW) is not None

    run(scenario())


def test_memory_store_never_resurrects_across_threads():
    import sys
    import threading

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(100):
            store = MemoryStore()
            run(store.put(record()))
            stop = threading.Event()

            def touch(store=store, stop=stop):
                while not stop.is_set():
                    run(store.touch("websocket_status", "abc=", NOW, int(NOW) + 9000))

            threads = [threading.Thread(target=touch) for _ in range(3)]
            for thread in threads:
                thread.start()
            disconnected = run(store.disconnect("websocket_status", "abc=", NOW + 1))
            stop.set()
            for thread in threads:
                thread.join()
            assert disconnected is True
            assert run(store.get("websocket_status", "abc=", NOW + 1)).status == DISCONNECTED
    finally:
        sys.setswitchinterval(interval)


def test_stored_client_data_is_a_copy():
    store = MemoryStore()
    run(store.put(record(client_data={"n": 1})))
    got = run(store.get("websocket_status", "abc=", NOW))
    got.client_data["n"] = 2
    assert run(store.get("websocket_status", "abc=", NOW)).client_data == {"n": 1}
