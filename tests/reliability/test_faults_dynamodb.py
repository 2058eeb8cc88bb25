"""DynamoDB failing under the connection manager, against a real DynamoDB Local.

- Stopped mid-run and restarted: every operation retries (botocore ``standard`` mode, counted
  here on the wire) and then raises ``DynamoDBError``; the same manager, store and boto3
  client work again once the server is back.
- The seed's complete example (run verbatim) answers API Gateway's 500 during the outage,
  throttling included, never an exception, and serves again afterwards.
- Failures in the middle of a write (connection reset, answer lost after the write, 500,
  hang): the table never holds a partial record; a write that landed although ``connect``
  raised is a complete record, and the first send to it (410 Gone) marks it disconnected.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import Counter
from typing import Any

import pytest

from lambdakit._aws import client as aws_client
from lambdakit.errors import DynamoDBError
from lambdakit.websocket import APIGatewayWSConnectionManager
from lambdakit.websocket.stores.dynamodb import DynamoDBStore
from tests.reliability.conftest import REGION
from tests.reliability.fault_proxy import FaultProxy
from tests.seed_readme import run_block
from tests.websocket.management_api import ManagementApi
from tests.websocket.test_seed_examples import BLOCKS, PREFIX, SEED_NAMES, events

RECORD_ATTRIBUTES = {
    "connection_id",
    "_crt",
    "partition",
    "status",
    "connected_at",
    "last_seen",
    "_ttl",
}


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def counted_store(table: str, endpoint: str, *, attempts: int, timeout: float = 2.0) -> Any:
    """A DynamoDBStore whose boto3 client counts the requests it sends, retries included."""
    client = aws_client(
        "dynamodb",
        install_hint="boto3",
        region_name=REGION,
        endpoint_url=endpoint,
        max_attempts=attempts,
        timeout=timeout,
    )
    sent: Counter[str] = Counter()
    client.meta.events.register("before-send.dynamodb", counting(sent))
    store = DynamoDBStore(table, client=client)
    return store, sent


def counting(counter: Counter[str]) -> Any:
    """A botocore ``before-send`` hook that counts requests (retries included) and lets them
    go: returning ``None`` sends the request."""

    def hook(request: Any, **_: Any) -> None:
        counter["sent"] += 1

    return hook


def counting_shards(counter: Counter[str]) -> Any:
    """A ``before-send`` hook that counts the listing's queries (retries included) by shard."""

    def hook(request: Any, **_: Any) -> None:
        values = json.loads(request.body or b"{}").get("ExpressionAttributeValues", {})
        if ":shard" in values:
            counter[values[":shard"]["S"]] += 1

    return hook


def sends(counter: Counter[str]) -> int:
    return sum(counter.values())


def new_id() -> str:
    return f"{uuid.uuid4().hex[:14]}="


def scan(client: Any, table: str) -> list[dict[str, Any]]:
    return client.scan(TableName=table, ConsistentRead=True)["Items"]


# -- stopped and restarted ---------------------------------------------------------------------


def test_stopped_dynamodb_retries_then_raises_and_the_same_manager_recovers(ddb, table_name):
    store, sent = counted_store(table_name, ddb.endpoint, attempts=3)
    manager = APIGatewayWSConnectionManager(table_name, store=store)
    alive, joining = new_id(), new_id()
    run(manager.init_table())
    run(manager.connect(alive, client_data={"n": 1}))

    shard_queries: Counter[str] = Counter()
    store.client.meta.events.register("before-send.dynamodb.Query", counting_shards(shard_queries))

    ddb.stop()
    operations = {
        "connect": lambda: manager.connect(joining),
        "update_last_seen": lambda: manager.update_last_seen(alive),
        "get_connection": lambda: manager.get_connection(alive),
        "disconnect": lambda: manager.disconnect(alive),
        "list_connections": lambda: manager.list_connections(),
    }
    for name, operation in operations.items():
        before = sends(sent)
        with pytest.raises(DynamoDBError) as caught:
            run(operation())
        assert caught.value.original is not None
        assert "EndpointConnectionError" in str(caught.value) or "ConnectionClosed" in str(
            caught.value
        )
        if name == "list_connections":
            continue
        # update_last_seen may make a second call (cold key) only after a first answer: here
        # each operation fails on its first call, retried to the configured 3 attempts.
        assert sends(sent) - before == 3, name
    # Listing sends one query per shard at once, and raises only once every one has failed:
    # each was sent and retried, none past the 3 attempts. (Not all to 3: 16 queries failing
    # together drain botocore's retry quota, 500 units at 14 a retry, shared by the client.)
    assert sorted(shard_queries) == sorted(f"websocket_status#{n}" for n in range(store.shards))
    assert all(1 <= count <= 3 for count in shard_queries.values()), shard_queries
    assert sum(shard_queries.values()) > store.shards

    ddb.start()  # in memory: the table is gone, as after a redeploy of a local stack
    run(manager.init_table())  # the same manager, store and boto3 client
    run(manager.connect(joining, client_data={"back": True}))
    connection = run(manager.get_connection(joining))
    assert connection is not None
    assert connection.client_data == {"back": True}
    assert run(manager.update_last_seen(joining)) is True
    assert [c.connection_id for c in run(manager.list_connections())] == [joining]
    run(manager.disconnect(joining))
    assert run(manager.get_connection(joining)) is None


@pytest.fixture
def seed_example(ddb, table_name, monkeypatch):
    """The seed's complete example, verbatim, on DynamoDB through the environment only."""
    monkeypatch.setenv("DYNAMODB_TABLE", table_name)
    monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "dynamodb")
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", ddb.endpoint)
    monkeypatch.delenv("LAMBDAKIT_TRACEBACK", raising=False)
    namespace = run_block(BLOCKS[f"{PREFIX}/complete-example"], SEED_NAMES)
    manager = namespace["connection_manager"]
    run(manager.init_table())
    sent: Counter[str] = Counter()
    manager.store.client.meta.events.register("before-send.dynamodb", counting(sent))
    return namespace["handler"], manager, sent


def assert_api_gateway_500(result: Any, event: dict[str, Any]) -> None:
    assert result["statusCode"] == 500
    body = json.loads(result["body"])
    assert body == {
        "message": "Internal server error",
        "connectionId": event["requestContext"]["connectionId"],
        "requestId": event["requestContext"]["requestId"],
    }


def test_seed_example_answers_500_while_dynamodb_is_down_and_serves_after(ddb, seed_example):
    handler, manager, sent = seed_example
    first, second = new_id(), new_id()
    before, during = events(first), events(second)
    assert handler(before["connect"], None)["statusCode"] == 200
    assert handler(before["message"], None)["statusCode"] == 200

    ddb.stop()
    calls = sends(sent)
    started = time.monotonic()
    # A message: the tracking middleware's update_last_seen fails after its retries.
    assert_api_gateway_500(handler(before["message"], None), before["message"])
    # A new connection: $connect answers 500, so API Gateway refuses the handshake.
    assert_api_gateway_500(handler(during["connect"], None), during["connect"])
    outage = time.monotonic() - started
    retries = sends(sent) - calls
    assert retries == 2 * 5  # the default: 5 attempts per call (botocore standard mode)
    print(f"two failing calls with the default retries took {outage:.1f} s")

    ddb.start()
    run(manager.init_table())  # in memory: recreate the table; nothing else is rebuilt
    assert handler(during["connect"], None)["statusCode"] == 200
    answer = handler(during["message"], None)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["message"] == "Message received"
    assert handler(during["disconnect"], None)["statusCode"] == 200
    assert run(manager.get_connection(second)) is None


def test_seed_example_under_throttling_answers_500_then_recovers(ddb, table_name, monkeypatch):
    from tests.websocket.throttling_proxy import ThrottlingProxy

    with ThrottlingProxy(ddb.endpoint) as proxy:
        monkeypatch.setenv("DYNAMODB_TABLE", table_name)
        monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "dynamodb")
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.endpoint)
        namespace = run_block(BLOCKS[f"{PREFIX}/complete-example"], SEED_NAMES)
        handler, manager = namespace["handler"], namespace["connection_manager"]
        run(manager.init_table())
        sample = events(new_id())

        assert handler(sample["connect"], None)["statusCode"] == 200
        proxy.throttle_next = 1000  # a sustained throttle: the 5 attempts run out
        started = time.monotonic()
        assert_api_gateway_500(handler(sample["message"], None), sample["message"])
        assert proxy.throttled == 5
        print(f"a call throttled 5 times took {time.monotonic() - started:.1f} s")
        proxy.throttle_next = 0
        assert handler(sample["message"], None)["statusCode"] == 200
        assert handler(sample["disconnect"], None)["statusCode"] == 200


# -- failures in the middle of a write ---------------------------------------------------------


@pytest.fixture
def faulty(ddb, table_name):
    with FaultProxy(ddb.endpoint) as proxy:
        store, sent = counted_store(table_name, proxy.endpoint, attempts=3, timeout=1.0)
        manager = APIGatewayWSConnectionManager(table_name, store=store)
        run(manager.init_table())
        yield proxy, manager, sent


def assert_complete_records(client: Any, table: str) -> list[dict[str, Any]]:
    items = scan(client, table)
    for item in items:
        assert set(item) >= RECORD_ATTRIBUTES, item
        assert item["status"]["S"] in ("connected", "disconnected")
    return items


@pytest.mark.parametrize("mode", ["reset", "lost", "error", "hang"])
def test_a_failed_write_leaves_no_partial_record(ddb, table_name, faulty, mode):
    proxy, manager, sent = faulty
    proxy.hang_seconds = 5.0
    connection_id = new_id()
    proxy.fail(mode, only={"PutItem"})
    before = sends(sent)
    with pytest.raises(DynamoDBError):
        run(manager.connect(connection_id, client_data={"user": "ada"}))
    assert sends(sent) - before == 3  # retried, then the error
    proxy.heal()

    items = assert_complete_records(ddb.client(), table_name)
    if mode in ("reset", "error", "hang"):
        # reset/error: never reached DynamoDB; hang: the proxy never forwarded it.
        assert items == []
    else:
        # "lost": the first attempt wrote the record and its answer was lost; the retries met
        # the put's condition (the record exists), and their answers were lost too. One
        # whole record, never overwritten, that reads as a live connection: see the next test.
        assert len(items) == 1
        assert items[0]["connection_id"]["S"] == connection_id
        assert items[0]["client_data"]["M"] == {"user": {"S": "ada"}}
        assert [c.connection_id for c in run(manager.list_connections())] == [connection_id]


def test_a_ghost_from_a_lost_answer_is_cleaned_up_by_the_first_send(ddb, table_name, faulty):
    proxy, manager, _ = faulty
    ghost, live = new_id(), new_id()
    run(manager.connect(live))
    proxy.fail("lost", only={"PutItem"})
    with pytest.raises(DynamoDBError):  # $connect answered 500: the client is not connected
        run(manager.connect(ghost))
    proxy.heal()
    assert {c.connection_id for c in run(manager.list_connections())} == {ghost, live}

    with ManagementApi(stage="local") as api:
        api.open.add(live)  # the ghost never got a socket: @connections says 410
        results = run(manager.broadcast({"hello": 1}, endpoint_url=api.endpoint))
    by_id = {r.connection_id: r for r in results}
    assert by_id[live].ok
    assert by_id[ghost].gone
    assert [c.connection_id for c in run(manager.list_connections())] == [live]
    assert run(manager.get_connection(ghost)) is None
    records = [i for i in scan(ddb.client(), table_name) if i["connection_id"]["S"] == ghost]
    assert records
    assert all(i["status"]["S"] == "disconnected" for i in records)


def test_dynamodb_going_away_in_the_middle_of_concurrent_writes(ddb, table_name, faulty):
    """Connects in flight while the store starts resetting connections: each either succeeds
    (a whole record) or raises DynamoDBError; nothing half-written either way."""
    proxy, manager, _ = faulty
    ids = [new_id() for _ in range(40)]
    outcomes: dict[str, str] = {}

    async def connect(connection_id: str) -> None:
        try:
            await manager.connect(connection_id, client_data={"id": connection_id})
        except DynamoDBError:
            outcomes[connection_id] = "error"
        else:
            outcomes[connection_id] = "ok"

    async def scenario() -> None:
        tasks = [asyncio.ensure_future(connect(c)) for c in ids]
        while not outcomes:  # the first writes are through
            await asyncio.sleep(0.001)
        proxy.fail("reset")
        await asyncio.gather(*tasks)

    flipper = threading.Timer(20.0, proxy.heal)  # a bound, should a test assertion hang
    flipper.start()
    try:
        run(scenario())
    finally:
        flipper.cancel()
        proxy.heal()
    assert "ok" in outcomes.values()
    assert "error" in outcomes.values()
    items = assert_complete_records(ddb.client(), table_name)
    for item in items:
        data = item["client_data"]["M"]["id"]["S"]
        assert data == item["connection_id"]["S"]
    stored = {i["connection_id"]["S"] for i in items}
    assert {c for c, o in outcomes.items() if o == "ok"} <= stored
