"""Probe (lambdakit's venv): connection-store operations on DynamoDB Local, lambdakit's
``APIGatewayWSConnectionManager`` (``DynamoDBStore``) against the same requests made with
boto3 by hand, on one client and one table. Milliseconds per call.

| operation | lambdakit | raw boto3 |
| --- | --- | --- |
| connect | ``manager.connect(id, client_data)`` | PutItem, ``attribute_not_exists`` |
| get_connection | ``manager.get_connection(id)`` | Query (consistent, newest first) |
| update_last_seen | ``manager.update_last_seen(id)`` | UpdateItem, same condition |
| disconnect | ``manager.disconnect(id)`` | Query + UpdateItem, same condition |

The raw side writes the items the store writes, listing attributes included (``_shard``,
``_lease``, ``_seen``: the table ``init_table`` makes indexes them), so both pay the same
index writes.

Rounds alternate which side goes first, so the JVM warming up and the machine's moods touch
both alike; a warm-up round is not counted. Run as ``python -m benchmarks.probe_store``."""

from __future__ import annotations

import asyncio
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import boto3
from botocore.config import Config

from benchmarks.runner import probe_main
from lambdakit.websocket import APIGatewayWSConnectionManager
from lambdakit.websocket.stores.dynamodb import DynamoDBStore

TABLE = "bench-connections"
PARTITION = "websocket_status"
TTL = 7200
CLIENT_DATA = {"user": "ada", "room": "lobby"}
OPERATIONS = ("connect", "get_connection", "update_last_seen", "disconnect")
Op = Callable[[str], Awaitable[Any]]
CONDITION = "#s = :connected AND #p = :p AND #ttl > :now"
NAMES = {"#p": "partition", "#s": "status", "#ttl": "_ttl"}
SHARDS = 16


class Raw:
    """The requests lambdakit makes, written by hand with the same client."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.crts: dict[str, int] = {}

    def connect(self, connection_id: str) -> None:
        now = time.time()
        crt = int(now * 1000)
        self.client.put_item(
            TableName=TABLE,
            Item={
                "connection_id": {"S": connection_id},
                "_crt": {"N": str(crt)},
                "partition": {"S": PARTITION},
                "status": {"S": "connected"},
                "connected_at": {"N": repr(now)},
                "last_seen": {"N": repr(now)},
                "_ttl": {"N": str(int(now) + TTL)},
                "client_data": {"M": {k: {"S": v} for k, v in CLIENT_DATA.items()}},
                "_shard": {"S": f"{PARTITION}#{zlib.crc32(connection_id.encode()) % SHARDS}"},
                "_lease": {"N": str(int(now) + TTL)},
                "_seen": {"N": repr(now)},
            },
            ConditionExpression="attribute_not_exists(connection_id)",
        )
        self.crts[connection_id] = crt

    def _query(self, connection_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.client.query(
            TableName=TABLE,
            KeyConditionExpression="connection_id = :id",
            ExpressionAttributeValues={":id": {"S": connection_id}},
            ScanIndexForward=False,
            ConsistentRead=True,
        ).get("Items", [])
        return [i for i in items if i["partition"]["S"] == PARTITION]

    def get_connection(self, connection_id: str) -> dict[str, Any] | None:
        now = time.time()
        live = [i for i in self._query(connection_id) if int(i["_ttl"]["N"]) > now]
        if not live or live[0]["status"]["S"] != "connected":
            return None
        return live[0]

    def _update(
        self, connection_id: str, crt: int, expression: str, values: Any, extra: str = ""
    ) -> bool:
        now = time.time()
        names = {**NAMES, "#lease": "_lease"} if "#lease" in extra else dict(NAMES)
        if "#shard" in expression:
            names["#shard"] = "_shard"
        try:
            self.client.update_item(
                TableName=TABLE,
                Key={"connection_id": {"S": connection_id}, "_crt": {"N": str(crt)}},
                UpdateExpression=expression,
                ConditionExpression=CONDITION + extra,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":connected": {"S": "connected"},
                    ":p": {"S": PARTITION},
                    ":now": {"N": repr(now)},
                    **values,
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def update_last_seen(self, connection_id: str) -> bool:
        # The store's warm write while the lease is fresh: the table alone, the lease kept
        # at most the new TTL.
        now = time.time()
        values = {":seen": {"N": repr(now)}, ":ttl": {"N": str(int(now) + TTL)}}
        expression = "SET last_seen = :seen, #ttl = :ttl"
        crt = self.crts[connection_id]
        return self._update(connection_id, crt, expression, values, " AND #lease <= :ttl")

    def disconnect(self, connection_id: str) -> bool:
        changed = False
        for item in self._query(connection_id):
            if item["status"]["S"] == "connected":
                values = {":d": {"S": "disconnected"}, ":at": {"N": repr(time.time())}}
                expression = "SET #s = :d, disconnected_at = :at REMOVE #shard"
                changed |= self._update(connection_id, int(item["_crt"]["N"]), expression, values)
        self.crts.pop(connection_id, None)
        return changed


async def _timed(operation: Op, ids: list[str]) -> float:
    """Seconds for ``operation`` on every id, one after the other."""
    start = time.perf_counter()
    for connection_id in ids:
        await operation(connection_id)
    return time.perf_counter() - start


async def _round(
    manager: APIGatewayWSConnectionManager, raw: Raw, calls: int, lambdakit_first: bool
) -> dict[str, dict[str, float]]:
    async def connect(cid: str) -> Any:
        return await manager.connect(cid, client_data=CLIENT_DATA)

    async def get(cid: str) -> Any:
        if await manager.get_connection(cid) is None:
            raise RuntimeError(f"lambdakit lost {cid}")

    async def touch(cid: str) -> Any:
        if not await manager.update_last_seen(cid):
            raise RuntimeError(f"lambdakit could not touch {cid}")

    def sync(function: Callable[[str], Any], check: bool = False) -> Op:
        async def call(cid: str) -> Any:  # raw boto3, called as a Lambda handler calls it
            if not function(cid) and check:
                raise RuntimeError(f"raw {function.__name__} failed for {cid}")

        return call

    sides: dict[str, tuple[list[str], dict[str, Op]]] = {
        "lambdakit": (
            [f"lk-{uuid.uuid4().hex}" for _ in range(calls)],
            {
                "connect": connect,
                "get_connection": get,
                "update_last_seen": touch,
                "disconnect": manager.disconnect,
            },
        ),
        "raw": (
            [f"raw-{uuid.uuid4().hex}" for _ in range(calls)],
            {
                "connect": sync(raw.connect),
                "get_connection": sync(raw.get_connection, check=True),
                "update_last_seen": sync(raw.update_last_seen, check=True),
                "disconnect": sync(raw.disconnect, check=True),
            },
        ),
    }
    order = ["lambdakit", "raw"] if lambdakit_first else ["raw", "lambdakit"]
    seconds: dict[str, dict[str, float]] = {"lambdakit": {}, "raw": {}}
    for operation in OPERATIONS:
        for side in order:
            ids, ops = sides[side]
            seconds[side][operation] = await _timed(ops[operation], ids)
    return seconds


async def _measure(endpoint: str, calls: int, rounds: int) -> dict[str, Any]:
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 5},
        connect_timeout=5.0,
        read_timeout=5.0,
    )
    client = boto3.session.Session().client(
        "dynamodb", config=config, region_name="us-east-1", endpoint_url=endpoint
    )
    manager = APIGatewayWSConnectionManager(
        TABLE, PARTITION, TTL, store=DynamoDBStore(TABLE, client=client)
    )
    await manager.init_table()
    raw = Raw(client)
    # Warm-up, not counted: DynamoDB Local's JIT speeds up each request kind as it goes.
    await _round(manager, raw, calls, lambdakit_first=True)
    await _round(manager, raw, calls, lambdakit_first=False)
    totals = {side: dict.fromkeys(OPERATIONS, 0.0) for side in ("lambdakit", "raw")}
    for number in range(rounds):
        seconds = await _round(manager, raw, calls, lambdakit_first=number % 2 == 0)
        for side, per_operation in seconds.items():
            for operation, value in per_operation.items():
                totals[side][operation] += value
    count = calls * rounds
    ms = {side: {op: s / count * 1000 for op, s in ops.items()} for side, ops in totals.items()}
    return {"calls_per_operation": count, "ms_per_call": ms}


def measure(options: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(_measure(options["endpoint"], int(options["calls"]), int(options["rounds"])))


if __name__ == "__main__":
    probe_main(measure)
