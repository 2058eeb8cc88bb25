"""DynamoDBStore's listing index on DynamoDB Local: the sharded, sparse ``shard-crt-index``,
what each write costs in it (``ReturnConsumedCapacity``), and tables made with the seed's
``partition-crt-index``: listing through it, the backfill, and the switch once it is dropped."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from lambdakit.websocket.stores import _dynamodb_layout as layout
from lambdakit.websocket.stores.records import CONNECTED, ConnectionRecord

boto3 = pytest.importorskip("boto3")

from lambdakit.websocket.stores.dynamodb import (  # noqa: E402 - after the boto3 check
    INDEX_NAME,
    LEGACY_INDEX_NAME,
    SHARDS,
    DynamoDBStore,
)

NOW = 1_800_000_000.0
TTL = 7200
PARTITION = "websocket_status"
CAPACITY_OPERATIONS = ("PutItem", "UpdateItem", "Query", "Scan")


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def record(
    connection_id: str,
    *,
    now: float = NOW,
    ttl: int = TTL,
    partition: str = PARTITION,
    **extra: Any,
) -> ConnectionRecord:
    return ConnectionRecord(
        connection_id=connection_id,
        partition=partition,
        crt=int(now * 1000),
        status=CONNECTED,
        connected_at=now,
        last_seen=now,
        ttl=int(now) + ttl,
        **extra,
    )


class Capacity:
    """A boto3 client that asks every write and read for ``ReturnConsumedCapacity=INDEXES``
    and keeps what DynamoDB answered, per operation, in order."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[tuple[str, dict[str, Any]]] = []
        for operation in CAPACITY_OPERATIONS:
            client.meta.events.register(f"provide-client-params.dynamodb.{operation}", self._ask)
        client.meta.events.register("after-call.dynamodb", self._keep)

    def _ask(self, params: dict[str, Any], **_: Any) -> None:
        params.setdefault("ReturnConsumedCapacity", "INDEXES")

    def _keep(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, parsed.get("ConsumedCapacity") or {}))

    def during(self, coroutine: Any) -> list[tuple[str, dict[str, Any]]]:
        """The calls ``coroutine`` made, with their consumed capacity."""
        before = len(self.calls)
        run(coroutine)
        return self.calls[before:]


def units(calls: list[tuple[str, dict[str, Any]]], operation: str) -> tuple[float, float]:
    """(table units, index units) of every ``operation`` call, summed."""
    table = index = 0.0
    for name, consumed in calls:
        if name == operation:
            table += consumed.get("Table", {}).get("CapacityUnits", 0.0)
            for per_index in consumed.get("GlobalSecondaryIndexes", {}).values():
                index += per_index["CapacityUnits"]
    return table, index


@pytest.fixture
def capacity(dynamodb_client: Any) -> Capacity:
    return Capacity(dynamodb_client)


@pytest.fixture
def store(capacity: Capacity, table_name: str) -> DynamoDBStore:
    made = DynamoDBStore(table_name, client=capacity.client)
    run(made.init())
    return made


def index_entries(client: Any, table: str, index: str = INDEX_NAME) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table, IndexName=index):
        items += page["Items"]
    return items


def ids_in_several_shards(count: int) -> list[str]:
    return [f"conn-{i:04d}=" for i in range(count)]


# -- the sharded index ----------------------------------------------------------------------------


def test_a_new_table_lists_through_the_sharded_sparse_index(store, dynamodb_client, table_name):
    table = dynamodb_client.describe_table(TableName=table_name)["Table"]
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == INDEX_NAME
    assert index["KeySchema"] == [
        {"AttributeName": "_shard", "KeyType": "HASH"},
        {"AttributeName": "_crt", "KeyType": "RANGE"},
    ]
    projection = index["Projection"]
    assert projection["ProjectionType"] == "INCLUDE"
    # Nothing update_last_seen writes on every message is projected.
    assert not {"last_seen", "_ttl"} & set(projection["NonKeyAttributes"])


def test_shards_spread_one_partition_over_every_index_key(store, dynamodb_client, table_name):
    ids = ids_in_several_shards(160)

    async def connect_all():
        for i, connection_id in enumerate(ids):
            await store.put(record(connection_id, now=NOW + i))

    run(connect_all())
    entries = index_entries(dynamodb_client, table_name)
    per_shard = Counter(entry["_shard"]["S"] for entry in entries)
    assert set(per_shard) == {f"{PARTITION}#{n}" for n in range(SHARDS)}
    assert max(per_shard.values()) < 160 / SHARDS * 2  # spread, not piled on a few keys
    for entry in entries:
        expected = layout.shard_key(PARTITION, entry["connection_id"]["S"], SHARDS)
        assert entry["_shard"]["S"] == expected


def test_listing_is_complete_across_shards_and_in_creation_order(store):
    ids = ids_in_several_shards(64)
    order = ids[1::2] + ids[::2]  # written out of creation order

    async def scenario():
        for connection_id in order:
            await store.put(record(connection_id, now=NOW + ids.index(connection_id)))
        await store.put(record("other=", partition="elsewhere"))
        return await store.list_connected(PARTITION, NOW + 100)

    listed = run(scenario())
    assert [r.connection_id for r in listed] == ids
    assert [r.crt for r in listed] == sorted(r.crt for r in listed)
    assert {r.partition for r in listed} == {PARTITION}


def test_listing_sends_one_query_per_shard_at_once(store, capacity):
    run(store.put(record("a=")))
    calls = capacity.during(store.list_connected(PARTITION, NOW))
    assert [name for name, _ in calls] == ["Query"] * SHARDS


def test_listing_reads_every_page_of_a_shard(capacity, table_name):
    # Two shards and ~90 KB of client_data a record: each shard is several 1 MB pages.
    store = DynamoDBStore(table_name, client=capacity.client, shards=2)
    run(store.init())
    ids = ids_in_several_shards(40)
    blob = {"blob": "x" * 90_000}

    async def connect_all():
        for i, connection_id in enumerate(ids):
            await store.put(record(connection_id, now=NOW + i, client_data=blob))

    run(connect_all())
    calls = capacity.during(store.list_connected(PARTITION, NOW + 100))
    assert sum(1 for name, _ in calls if name == "Query") > 2  # pages beyond one per shard
    listed = run(store.list_connected(PARTITION, NOW + 100))
    assert [r.connection_id for r in listed] == ids
    assert listed[0].client_data == blob


def test_listing_gives_the_fields_it_gave_before(store):
    data = {"user": "ada", "n": 1}
    run(store.put(record("a=", client_data=data)))
    [listed] = run(store.list_connected(PARTITION, NOW + 1))
    assert listed == run(store.get(PARTITION, "a=", NOW + 1))
    assert listed.to_dict() == {
        "connection_id": "a=",
        "status": CONNECTED,
        "connected_at": NOW,
        "last_seen": NOW,
        "client_data": data,
        "partition": PARTITION,
        "expires_at": int(NOW) + TTL,
    }


# -- what each write costs --------------------------------------------------------------------


def test_update_last_seen_writes_one_unit_and_no_index(store, capacity):
    calls = capacity.during(store.put(record("a=")))
    assert units(calls, "PutItem") == (1.0, 1.0)  # the record and its index entry
    for i in range(1, 4):
        calls = capacity.during(store.touch(PARTITION, "a=", NOW + i, int(NOW) + i + TTL))
        assert [name for name, _ in calls] == ["UpdateItem"]
        assert units(calls, "UpdateItem") == (1.0, 0.0)
    calls = capacity.during(store.disconnect(PARTITION, "a=", NOW + 5))
    assert units(calls, "UpdateItem") == (1.0, 1.0)  # the index entry is deleted


def test_the_lease_is_renewed_once_half_the_ttl_has_passed(store, capacity, dynamodb_client):
    run(store.put(record("a=")))
    late = NOW + TTL / 2 + 1  # less than half the TTL is left of the lease
    calls = capacity.during(store.touch(PARTITION, "a=", late, int(late) + TTL))
    assert units(calls, "UpdateItem") == (1.0, 1.0)
    calls = capacity.during(store.touch(PARTITION, "a=", late + 1, int(late) + 1 + TTL))
    assert units(calls, "UpdateItem") == (1.0, 0.0)  # renewed: the next ones skip the index
    [entry] = index_entries(dynamodb_client, store.table_name)
    assert entry["_lease"]["N"] == str(int(late) + TTL)
    assert float(entry["_seen"]["N"]) == pytest.approx(late)


def test_a_shorter_ttl_lowers_the_lease_with_it(store, capacity, dynamodb_client):
    run(store.put(record("a=", ttl=TTL)))
    calls = capacity.during(store.touch(PARTITION, "a=", NOW + 1, int(NOW) + 60))
    assert units(calls, "UpdateItem") == (1.0, 1.0)
    [entry] = index_entries(dynamodb_client, store.table_name)
    assert entry["_lease"]["N"] == str(int(NOW) + 60)
    assert run(store.list_connected(PARTITION, NOW + 61)) == []


def test_a_touch_from_a_process_with_a_stale_lease_keeps_the_lease_below_the_ttl(
    store, dynamodb_client
):
    run(store.put(record("a=", ttl=TTL)))  # this store keeps lease NOW + TTL in mind
    longer = DynamoDBStore(store.table_name, client=dynamodb_client)  # a longer TTL's manager
    assert run(longer.touch(PARTITION, "a=", NOW + 1, int(NOW) + 20_000)) is True
    # This store's cheap write (lease still "fresh" by what it knows) would leave _ttl below
    # the new lease: its condition refuses, and the lease comes down with the TTL.
    assert run(store.touch(PARTITION, "a=", NOW + 2, int(NOW) + TTL + 2)) is True
    [entry] = index_entries(dynamodb_client, store.table_name)
    assert entry["_lease"]["N"] == str(int(NOW) + TTL + 2)
    assert run(store.list_connected(PARTITION, NOW + TTL + 3)) == []


def test_a_disconnected_record_leaves_the_index(store, dynamodb_client, table_name):
    run(store.put(record("a=")))
    run(store.put(record("b=", now=NOW + 1)))
    assert run(store.disconnect(PARTITION, "a=", NOW + 2)) is True
    assert [e["connection_id"]["S"] for e in index_entries(dynamodb_client, table_name)] == ["b="]
    items = dynamodb_client.scan(TableName=table_name)["Items"]
    disconnected = next(i for i in items if i["connection_id"]["S"] == "a=")
    assert "_shard" not in disconnected
    assert run(store.get(PARTITION, "a=", NOW + 2)).status == "disconnected"  # still readable


def test_listing_past_the_lease_reads_the_record_itself(store, capacity):
    async def scenario():
        await store.put(record("kept=", ttl=100))
        await store.put(record("gone=", now=NOW + 1, ttl=100))
        # kept= is seen late in its life: its _ttl moves on, its lease (renewed at most half
        # a TTL ahead) stays behind it.
        await store.touch(PARTITION, "kept=", NOW + 99, int(NOW) + 250)
        await store.touch(PARTITION, "kept=", NOW + 200, int(NOW) + 300)
        return await store.list_connected(PARTITION, NOW + 260)

    calls = capacity.during(scenario())
    [listed] = run(store.list_connected(PARTITION, NOW + 260))
    assert listed.connection_id == "kept="
    assert (listed.ttl, listed.last_seen) == (int(NOW) + 300, NOW + 200)  # exact, from the table
    assert [name for name, _ in calls].count("Query") == SHARDS + 2  # the shards, then one each
    assert [r.connection_id for r in run(store.list_connected(PARTITION, NOW + 300))] == []


# -- tables made with partition-crt-index ----------------------------------------------------


def create_seed_table(client: Any, table: str, *, with_new_index: bool = False) -> None:
    """The table as lambdakit made it before the sharded index (and with it added)."""
    legacy = {
        "IndexName": LEGACY_INDEX_NAME,
        "KeySchema": [
            {"AttributeName": "partition", "KeyType": "HASH"},
            {"AttributeName": "_crt", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
    added = [layout.index_definition()] if with_new_index else []
    client.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "connection_id", "AttributeType": "S"},
            {"AttributeName": "_crt", "AttributeType": "N"},
            {"AttributeName": "partition", "AttributeType": "S"},
            *([{"AttributeName": "_shard", "AttributeType": "S"}] if with_new_index else []),
        ],
        KeySchema=[
            {"AttributeName": "connection_id", "KeyType": "HASH"},
            {"AttributeName": "_crt", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[legacy, *added],
        BillingMode="PAY_PER_REQUEST",
    )


def put_seed_item(client: Any, table: str, connection_id: str, offset: int, **extra: Any) -> None:
    """An item as lambdakit wrote it before the sharded index: no _shard, _lease or _seen."""
    now = NOW + offset
    client.put_item(
        TableName=table,
        Item={
            "connection_id": {"S": connection_id},
            "_crt": {"N": str(int(now * 1000))},
            "partition": {"S": PARTITION},
            "status": {"S": extra.get("status", CONNECTED)},
            "connected_at": {"N": repr(now)},
            "last_seen": {"N": repr(now)},
            "_ttl": {"N": str(int(now) + extra.get("ttl", TTL))},
        },
    )


@pytest.fixture
def seed_table(dynamodb_client: Any, table_name: str) -> str:
    create_seed_table(dynamodb_client, table_name)
    put_seed_item(dynamodb_client, table_name, "old-1=", 0)
    put_seed_item(dynamodb_client, table_name, "old-2=", 1)
    put_seed_item(dynamodb_client, table_name, "left=", 2, status="disconnected")
    put_seed_item(dynamodb_client, table_name, "expired=", 3, ttl=10)
    return table_name


def listed_ids(store: DynamoDBStore, now: float = NOW + 100) -> list[str]:
    return [r.connection_id for r in run(store.list_connected(PARTITION, now))]


def test_a_seed_table_keeps_listing_through_its_index(seed_table, dynamodb_client, capacity):
    store = DynamoDBStore(seed_table, client=capacity.client)  # no init: as in a Lambda
    run(store.put(record("new=", now=NOW + 4)))
    calls = capacity.during(store.list_connected(PARTITION, NOW + 100))
    # The sharded index is tried once, refused, and the seed's index answers from then on.
    assert [name for name, _ in calls] == ["Query", "Query"]
    assert listed_ids(store) == ["old-1=", "old-2=", "new="]
    calls = capacity.during(store.list_connected(PARTITION, NOW + 100))
    assert [name for name, _ in calls] == ["Query"]
    initialised = DynamoDBStore(seed_table, client=dynamodb_client)
    run(initialised.init())  # leaves the table as it is (the backfill comes first)
    table = dynamodb_client.describe_table(TableName=seed_table)["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == [LEGACY_INDEX_NAME]
    assert listed_ids(initialised) == ["old-1=", "old-2=", "new="]


def test_backfill_then_the_new_index_lists_every_old_record(dynamodb_client, table_name):
    # The table in the middle of its migration: the seed's index, the new one added, the old
    # records not sharded yet. (Made so at once: DynamoDB Local may leave an index added to an
    # existing table CREATING for ever.)
    create_seed_table(dynamodb_client, table_name, with_new_index=True)
    put_seed_item(dynamodb_client, table_name, "old-1=", 0)
    put_seed_item(dynamodb_client, table_name, "old-2=", 1)
    put_seed_item(dynamodb_client, table_name, "left=", 2, status="disconnected")
    put_seed_item(dynamodb_client, table_name, "expired=", 3, ttl=10)
    store = DynamoDBStore(table_name, client=dynamodb_client)
    run(store.init())
    run(store.put(record("new=", now=NOW + 4)))  # written by the new code: sharded already
    assert listed_ids(store) == ["new="]  # why the backfill comes before the index
    assert run(store.backfill(now=NOW + 100)) == 2  # old-1=, old-2=; not left=, not expired=
    assert run(store.backfill(now=NOW + 100)) == 0  # idempotent
    assert listed_ids(store) == ["old-1=", "old-2=", "new="]
    entries = index_entries(dynamodb_client, table_name)
    assert sorted(e["connection_id"]["S"] for e in entries) == ["new=", "old-1=", "old-2="]
    old = next(e for e in entries if e["connection_id"]["S"] == "old-1=")
    assert old["_lease"]["N"] == str(int(NOW) + TTL)  # the record's own _ttl
    assert float(old["_seen"]["N"]) == NOW


# init() lists through the seed's index while the new one is being built (on AWS that can take
# hours). Not on DynamoDB Local: it builds an index added to a table in a second when alone, and
# never (CREATING for ever) when other tables were used before, so neither case can be held.
@pytest.mark.parametrize(
    ("statuses", "index"),
    [
        ({INDEX_NAME: "ACTIVE", LEGACY_INDEX_NAME: "ACTIVE"}, INDEX_NAME),
        ({INDEX_NAME: "CREATING", LEGACY_INDEX_NAME: "ACTIVE"}, LEGACY_INDEX_NAME),
        ({INDEX_NAME: "UPDATING"}, INDEX_NAME),
        ({INDEX_NAME: "CREATING"}, None),
        ({LEGACY_INDEX_NAME: "DELETING", INDEX_NAME: "CREATING"}, None),
        ({}, None),
    ],
)
def test_the_listing_index_is_the_best_one_that_answers(statuses, index):
    assert layout.listing_index(statuses) == index


def test_listing_moves_to_the_new_index_when_the_old_one_is_dropped(store, capacity):
    run(store.put(record("a=")))
    # A process that listed while the table had partition-crt-index, which is dropped since:
    # its query is refused, and the sharded index answers.
    store._index = LEGACY_INDEX_NAME
    calls = capacity.during(store.list_connected(PARTITION, NOW))
    assert [name for name, _ in calls] == ["Query"] * (1 + SHARDS)
    assert listed_ids(store) == ["a="]
    assert store._index == INDEX_NAME


def test_a_touch_shards_an_old_record(seed_table, dynamodb_client):
    store = DynamoDBStore(seed_table, client=dynamodb_client)
    assert run(store.touch(PARTITION, "old-1=", NOW + 5, int(NOW) + 5 + TTL)) is True
    [item] = dynamodb_client.query(
        TableName=seed_table,
        KeyConditionExpression="connection_id = :id",
        ExpressionAttributeValues={":id": {"S": "old-1="}},
    )["Items"]
    assert item["_shard"]["S"] == layout.shard_key(PARTITION, "old-1=", SHARDS)
    assert item["_lease"]["N"] == item["_ttl"]["N"]
