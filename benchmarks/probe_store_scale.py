"""Probe (lambdakit's venv): the DynamoDB connection store at scale, on DynamoDB Local, in the
two table layouts ``DynamoDBStore`` lists through. Capacity units as DynamoDB answers them
with ``ReturnConsumedCapacity="INDEXES"`` (table and index apart), listing time in seconds.

| layout | table made by | listing index (keys, projection) |
| --- | --- | --- |
| ``seed`` (before) | this probe, as lambdakit did | ``partition-crt-index`` (``partition``, ALL) |
| ``sharded`` (after) | ``DynamoDBStore.init()`` | ``shard-crt-index`` (``_shard``, INCLUDE) |

Both run the same ``DynamoDBStore`` (on the seed table it lists through the seed's index, as
an existing table does): ``connect`` (PutItem), ``update_last_seen`` (UpdateItem, warm),
``disconnect`` (Query + UpdateItem), then ``list_connections`` of one partition holding
``connections`` connections (100,000 by default; loaded with BatchWriteItem, items as the
store writes them, not counted). Listing is timed ``rounds`` times; the median is kept.

Run as ``python -m benchmarks.probe_store_scale '{"connections": 100000}'``: it starts its own
DynamoDB Local (``benchmarks/servers.py``) unless ``endpoint`` names one. Not part of
``scripts/bench``: loading 100,000 items twice takes minutes."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.config import Config

from benchmarks.runner import probe_main
from lambdakit.websocket import APIGatewayWSConnectionManager
from lambdakit.websocket.stores import _dynamodb_layout as layout
from lambdakit.websocket.stores.dynamodb import LEGACY_INDEX_NAME, DynamoDBStore
from lambdakit.websocket.stores.records import CONNECTED, ConnectionRecord

PARTITION = "websocket_status"
TTL = 7200
CLIENT_DATA = {"user": "ada", "room": "lobby"}
LAYOUTS = ("seed", "sharded")
WRITES = ("connect", "update_last_seen", "disconnect")


class Capacity:
    """Asks every PutItem, UpdateItem and Query for its consumed capacity and sums it."""

    def __init__(self, client: Any) -> None:
        self.units: dict[str, float] = {}
        for operation in ("PutItem", "UpdateItem", "Query"):
            client.meta.events.register(f"provide-client-params.dynamodb.{operation}", self._ask)
        client.meta.events.register("after-call.dynamodb", self._add)

    def _ask(self, params: dict[str, Any], **_: Any) -> None:
        params["ReturnConsumedCapacity"] = "INDEXES"

    def _add(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        consumed = parsed.get("ConsumedCapacity") or {}
        self._count(f"{model.name}.table", consumed.get("Table", {}).get("CapacityUnits", 0.0))
        for per_index in consumed.get("GlobalSecondaryIndexes", {}).values():
            self._count(f"{model.name}.index", per_index.get("CapacityUnits", 0.0))
        self._count(f"{model.name}.requests", 1)

    def _count(self, name: str, amount: float) -> None:
        self.units[name] = self.units.get(name, 0.0) + amount

    def take(self) -> dict[str, float]:
        taken, self.units = self.units, {}
        return taken


def create_seed_table(client: Any, table: str) -> None:
    """The table as lambdakit made it before the sharded index."""
    client.create_table(
        TableName=table,
        AttributeDefinitions=[
            {"AttributeName": "connection_id", "AttributeType": "S"},
            {"AttributeName": "_crt", "AttributeType": "N"},
            {"AttributeName": "partition", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "connection_id", "KeyType": "HASH"},
            {"AttributeName": "_crt", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": LEGACY_INDEX_NAME,
                "KeySchema": [
                    {"AttributeName": "partition", "KeyType": "HASH"},
                    {"AttributeName": "_crt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=table)


def seed_item(record: ConnectionRecord) -> dict[str, Any]:
    """An item as lambdakit wrote it before the sharded index (no _shard, _lease, _seen)."""
    item = layout.to_item(record, 1)
    for name in (layout.SHARD, layout.LEASE, layout.SEEN):
        del item[name]
    return item


def load(client: Any, table: str, kind: str, count: int, now: float) -> None:
    """``count`` connected records of one partition, 25 to a BatchWriteItem, 8 at once."""

    def record(i: int) -> ConnectionRecord:
        return ConnectionRecord(
            connection_id=f"load-{i:07d}-{uuid.uuid4().hex[:8]}=",
            partition=PARTITION,
            crt=int(now * 1000) + i,
            status=CONNECTED,
            connected_at=now,
            last_seen=now,
            ttl=int(now) + TTL,
            client_data=CLIENT_DATA,
        )

    def write(start: int) -> None:
        requests = [
            {"PutRequest": {"Item": seed_item(r) if kind == "seed" else layout.to_item(r, 16)}}
            for r in map(record, range(start, min(start + 25, count)))
        ]
        while requests:
            answer = client.batch_write_item(RequestItems={table: requests})
            requests = answer.get("UnprocessedItems", {}).get(table, [])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(0, count, 25)))


async def _layout(endpoint: str, kind: str, connections: int, rounds: int) -> dict[str, Any]:
    config = Config(retries={"mode": "standard", "total_max_attempts": 10}, max_pool_connections=32)
    client = boto3.session.Session().client(
        "dynamodb", config=config, region_name="us-east-1", endpoint_url=endpoint
    )
    table = f"scale-{kind}-{uuid.uuid4().hex[:8]}"
    if kind == "seed":
        create_seed_table(client, table)
    store = DynamoDBStore(table, client=client)
    manager = APIGatewayWSConnectionManager(table, PARTITION, TTL, store=store)
    await manager.init_table()
    capacity = Capacity(client)

    writes: dict[str, dict[str, float]] = {}
    connection_id = f"probe-{uuid.uuid4().hex}="
    await manager.connect(connection_id, client_data=CLIENT_DATA)
    writes["connect"] = capacity.take()
    await manager.update_last_seen(connection_id)
    writes["update_last_seen"] = capacity.take()
    await manager.disconnect(connection_id)
    writes["disconnect"] = capacity.take()

    now = time.time()
    started = time.perf_counter()
    load(client, table, kind, connections, now)
    load_seconds = time.perf_counter() - started
    capacity.take()

    seconds: list[float] = []
    listed = 0
    for _ in range(rounds):
        started = time.perf_counter()
        listed = len(await manager.list_connections())
        seconds.append(time.perf_counter() - started)
    listing = capacity.take()
    if listed != connections:
        raise RuntimeError(f"{kind}: listed {listed} of {connections}")
    client.delete_table(TableName=table)
    return {
        "writes": writes,
        "load_seconds": load_seconds,
        "listing": {
            "connections": listed,
            "seconds_median": statistics.median(seconds),
            "seconds": seconds,
            "read_units": listing.get("Query.table", 0.0) / rounds
            + listing.get("Query.index", 0.0) / rounds,
            "queries": listing.get("Query.requests", 0.0) / rounds,
        },
    }


def measure(options: dict[str, Any]) -> dict[str, Any]:
    connections = int(options.get("connections", 100_000))
    rounds = int(options.get("rounds", 3))

    def run(endpoint: str) -> dict[str, Any]:
        return {kind: asyncio.run(_layout(endpoint, kind, connections, rounds)) for kind in LAYOUTS}

    if options.get("endpoint"):
        return run(str(options["endpoint"]))
    from benchmarks.servers import dynamodb_local

    with dynamodb_local() as endpoint:
        return run(endpoint)


if __name__ == "__main__":
    probe_main(measure)
