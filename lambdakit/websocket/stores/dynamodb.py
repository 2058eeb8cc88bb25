"""``DynamoDBStore``: connection records in a DynamoDB table, through boto3 (imported lazily).

Table layout (the seed's): hash key ``connection_id`` (S), range key ``_crt`` (N, creation
time in epoch milliseconds), TTL on ``_ttl`` (epoch seconds), on-demand billing. A global
secondary index ``partition-crt-index`` (``partition`` + ``_crt``) lists a partition's
connections without a table scan. Other attributes: ``status``, ``connected_at``,
``last_seen``, ``client_data`` (a map), ``disconnected_at``.

boto3 honours ``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL``, so DynamoDB Local needs no
code change. Throttling and transient errors are retried by botocore's ``standard`` retry mode
(exponential backoff with jitter); what still fails raises ``StoreError`` (the seed's
``DynamoDBError``).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar

from lambdakit import _async
from lambdakit._aws import client as aws_client
from lambdakit._aws import error_code
from lambdakit._logger import logger
from lambdakit.errors import StoreError
from lambdakit.websocket.stores.records import CONNECTED, DISCONNECTED, ConnectionRecord

_T = TypeVar("_T")

INDEX_NAME: Final = "partition-crt-index"
_PUT_ATTEMPTS: Final = 20
_CRT_CACHE_SIZE: Final = 10_000
# "partition" and "status" are DynamoDB reserved words: always go through these names.
_NAMES: Final = {"#p": "partition", "#s": "status", "#ttl": "_ttl"}

__all__ = ["INDEX_NAME", "DynamoDBStore"]


def _with_exceptions_loaded(client: Any) -> Any:
    """``client`` with its ``exceptions`` made now, in one thread: botocore makes them on first
    use, and first uses racing in several threads can each make their own classes, so an
    ``except client.exceptions.X`` in one thread misses the X raised by another's."""
    if client is not None:
        _ = client.exceptions
    return client


class DynamoDBStore:
    """Keeps records in the DynamoDB table ``table_name``.

    ``client`` is a boto3 DynamoDB client to use instead of creating one (tests, custom
    sessions); otherwise one is created on first use with ``region_name``, ``endpoint_url`` and
    ``max_attempts`` (botocore standard retries).
    """

    def __init__(
        self,
        table_name: str,
        *,
        client: Any = None,
        region_name: str | None = None,
        endpoint_url: str | None = None,
        max_attempts: int = 5,
        timeout: float = 5.0,
    ) -> None:
        if not table_name:
            raise ValueError("DynamoDBStore needs a table name")
        self.table_name = table_name
        self._client = _with_exceptions_loaded(client)
        self._client_lock = threading.Lock()
        self._region_name = region_name
        self._endpoint_url = endpoint_url
        self._max_attempts = max_attempts
        self._timeout = timeout
        # (partition, connection id) -> _crt: the key of a record this process wrote or read,
        # so update_last_seen is one request when warm.
        self._crts: dict[tuple[str, str], int] = {}

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        client = self._client
        if client is None:
            with self._client_lock:  # one client, even when the first calls run at once
                if self._client is None:
                    self._client = _with_exceptions_loaded(
                        aws_client(
                            "dynamodb",
                            install_hint="The DynamoDB connection store needs boto3: "
                            "pip install 'lambdakit[dynamodb]'",
                            region_name=self._region_name,
                            endpoint_url=self._endpoint_url,
                            max_attempts=self._max_attempts,
                            timeout=self._timeout,
                        )
                    )
                client = self._client
        return client

    async def _call(self, operation: str, work: Callable[[Any], _T]) -> _T:
        try:
            # The client is created in the worker thread too: importing boto3 and building
            # a client takes a while, and the event loop must not wait for it.
            return await _async.run_blocking(lambda: work(self.client))
        except StoreError:
            raise
        except ImportError:
            raise
        except Exception as error:
            code = error_code(error) or type(error).__name__
            raise StoreError(
                f"DynamoDB {operation} on table {self.table_name!r} failed: {code}", error
            ) from error

    # -- ConnectionStore ---------------------------------------------------------------------

    async def init(self) -> None:
        await self._call("init_table", self._init_table)

    def _init_table(self, client: Any) -> None:
        try:
            description = client.describe_table(TableName=self.table_name)["Table"]
        except client.exceptions.ResourceNotFoundException:
            self._create_table(client)
        else:
            indexes = {i["IndexName"] for i in description.get("GlobalSecondaryIndexes", ())}
            if INDEX_NAME not in indexes:
                self._add_index(client)
        client.get_waiter("table_exists").wait(
            TableName=self.table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        self._wait_for_index(client)
        self._enable_ttl(client)

    def _create_table(self, client: Any) -> None:
        # A concurrent init_table() may create it first: the waiter after this covers that.
        with contextlib.suppress(client.exceptions.ResourceInUseException):
            client.create_table(
                TableName=self.table_name,
                AttributeDefinitions=[
                    {"AttributeName": "connection_id", "AttributeType": "S"},
                    {"AttributeName": "_crt", "AttributeType": "N"},
                    {"AttributeName": "partition", "AttributeType": "S"},
                ],
                KeySchema=[
                    {"AttributeName": "connection_id", "KeyType": "HASH"},
                    {"AttributeName": "_crt", "KeyType": "RANGE"},
                ],
                GlobalSecondaryIndexes=[_index_definition()],
                BillingMode="PAY_PER_REQUEST",
            )

    def _add_index(self, client: Any) -> None:
        client.get_waiter("table_exists").wait(TableName=self.table_name)
        with contextlib.suppress(client.exceptions.ResourceInUseException):  # being added
            client.update_table(
                TableName=self.table_name,
                AttributeDefinitions=[
                    {"AttributeName": "partition", "AttributeType": "S"},
                    {"AttributeName": "_crt", "AttributeType": "N"},
                ],
                GlobalSecondaryIndexUpdates=[{"Create": _index_definition()}],
            )

    def _wait_for_index(self, client: Any) -> None:
        for _ in range(600):
            table = client.describe_table(TableName=self.table_name)["Table"]
            statuses = [
                i.get("IndexStatus")
                for i in table.get("GlobalSecondaryIndexes", ())
                if i["IndexName"] == INDEX_NAME
            ]
            if statuses == ["ACTIVE"]:
                return
            time.sleep(1)
        raise TimeoutError(f"index {INDEX_NAME} of {self.table_name} did not become active")

    def _enable_ttl(self, client: Any) -> None:
        ttl = client.describe_time_to_live(TableName=self.table_name)["TimeToLiveDescription"]
        status, attribute = ttl.get("TimeToLiveStatus"), ttl.get("AttributeName")
        if status in ("ENABLED", "ENABLING"):
            if attribute != "_ttl":
                logger.warning(
                    "Table %s expires items by %r, not _ttl: connection records "
                    "will not be deleted by DynamoDB",
                    self.table_name,
                    attribute,
                )
            return
        try:
            client.update_time_to_live(
                TableName=self.table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": "_ttl"},
            )
        except client.exceptions.ClientError as error:
            if "already enabled" not in str(error).lower():
                raise

    async def put(self, record: ConnectionRecord) -> None:
        def write(client: Any) -> None:
            item = _item(record)
            crt = record.crt
            for _ in range(_PUT_ATTEMPTS):
                try:
                    # One request, and never over another record: the key includes the
                    # creation time, and two connects in one millisecond take the next one.
                    client.put_item(
                        TableName=self.table_name,
                        Item=item,
                        ConditionExpression="attribute_not_exists(connection_id)",
                    )
                except client.exceptions.ConditionalCheckFailedException:
                    crt += 1
                    item["_crt"] = {"N": str(crt)}
                    continue
                self._remember(record.partition, record.connection_id, crt)
                return
            raise RuntimeError(f"no free _crt for {record.connection_id!r} after {crt}")

        await self._call("put", write)

    async def get(self, partition: str, connection_id: str, now: float) -> ConnectionRecord | None:
        def read(client: Any) -> ConnectionRecord | None:
            records = self._records(client, partition, connection_id)
            live = [r for r in records if r.ttl > now]
            return live[0] if live else None

        return await self._call("get", read)

    async def touch(self, partition: str, connection_id: str, now: float, ttl: int) -> bool:
        def write(client: Any) -> bool:
            update = functools.partial(
                self._conditional_update,
                client,
                partition,
                connection_id,
                now,
                "SET last_seen = :now, #ttl = :ttl",
                {":ttl": {"N": str(ttl)}},
            )
            # Warm path: the key is known, one request. A failed condition may mean the
            # record was replaced, so look it up once before saying no.
            known = self._crts.get((partition, connection_id))
            if known is not None and update(known):
                return True
            records = self._records(client, partition, connection_id)
            if not records or records[0].crt == known:
                return False
            self._remember(partition, connection_id, records[0].crt)
            return update(records[0].crt)

        return await self._call("touch", write)

    async def disconnect(self, partition: str, connection_id: str, now: float) -> bool:
        def write(client: Any) -> bool:
            changed = False
            # Every connected record of the id: a racing second connect left no survivor.
            for record in self._records(client, partition, connection_id):
                if record.status == CONNECTED:
                    changed |= self._conditional_update(
                        client,
                        partition,
                        connection_id,
                        now,
                        "SET #s = :disconnected, disconnected_at = :now",
                        {":disconnected": {"S": DISCONNECTED}},
                        record.crt,
                    )
            self._crts.pop((partition, connection_id), None)
            return changed

        return await self._call("disconnect", write)

    def _conditional_update(
        self,
        client: Any,
        partition: str,
        connection_id: str,
        now: float,
        expression: str,
        values: dict[str, Any],
        crt: int,
    ) -> bool:
        try:
            client.update_item(
                TableName=self.table_name,
                Key=_key(connection_id, crt),
                UpdateExpression=expression,
                # Only a connected, unexpired record of this partition changes: a disconnect
                # that won the race is never undone.
                ConditionExpression="#s = :connected AND #p = :p AND #ttl > :now",
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues={
                    ":connected": {"S": CONNECTED},
                    ":p": {"S": partition},
                    ":now": {"N": _number(now)},
                    **values,
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _remember(self, partition: str, connection_id: str, crt: int) -> None:
        if len(self._crts) >= _CRT_CACHE_SIZE:
            self._crts.clear()
        self._crts[(partition, connection_id)] = crt

    async def list_connected(self, partition: str, now: float) -> list[ConnectionRecord]:
        def read(client: Any) -> list[ConnectionRecord]:
            newest: dict[str, ConnectionRecord] = {}
            paginator = client.get_paginator("query")
            for page in paginator.paginate(
                TableName=self.table_name,
                IndexName=INDEX_NAME,
                KeyConditionExpression="#p = :p",
                FilterExpression="#s = :connected AND #ttl > :now",
                ExpressionAttributeNames=_NAMES,
                ExpressionAttributeValues={
                    ":p": {"S": partition},
                    ":connected": {"S": CONNECTED},
                    ":now": {"N": _number(now)},
                },
            ):
                for item in page.get("Items", ()):
                    record = _record(item)
                    kept = newest.get(record.connection_id)
                    if kept is None or record.crt > kept.crt:
                        newest[record.connection_id] = record
            return sorted(newest.values(), key=lambda r: r.crt)

        return await self._call("list_connected", read)

    def _records(self, client: Any, partition: str, connection_id: str) -> list[ConnectionRecord]:
        """This connection id's records in ``partition``, newest first (strongly consistent)."""
        response = client.query(
            TableName=self.table_name,
            KeyConditionExpression="connection_id = :id",
            ExpressionAttributeValues={":id": {"S": connection_id}},
            ScanIndexForward=False,
            ConsistentRead=True,
        )
        records = [_record(item) for item in response.get("Items", ())]
        return [r for r in records if r.partition == partition]


def _index_definition() -> dict[str, Any]:
    return {
        "IndexName": INDEX_NAME,
        "KeySchema": [
            {"AttributeName": "partition", "KeyType": "HASH"},
            {"AttributeName": "_crt", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }


def _number(value: float) -> str:
    """A number as DynamoDB's ``N`` takes it (an int exactly, a float as Python spells it)."""
    return str(value) if type(value) is int else repr(float(value))


def _parse_number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _key(connection_id: str, crt: int) -> dict[str, Any]:
    return {"connection_id": {"S": connection_id}, "_crt": {"N": str(crt)}}


def _item(record: ConnectionRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        **_key(record.connection_id, record.crt),
        "partition": {"S": record.partition},
        "status": {"S": record.status},
        "connected_at": {"N": _number(record.connected_at)},
        "last_seen": {"N": _number(record.last_seen)},
        "_ttl": {"N": str(record.ttl)},
    }
    if record.client_data is not None:
        item["client_data"] = _to_attribute(record.client_data)
    if record.disconnected_at is not None:
        item["disconnected_at"] = {"N": _number(record.disconnected_at)}
    return item


def _to_attribute(value: Any) -> dict[str, Any]:
    """A JSON value (the manager checks client_data is one) as a DynamoDB attribute value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, float)):
        return {"N": _number(value)}
    if isinstance(value, dict):
        return {"M": {str(k): _to_attribute(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [_to_attribute(v) for v in value]}
    raise TypeError(f"client_data holds a {type(value).__name__}, which JSON has not")


def _from_attribute(attribute: dict[str, Any]) -> Any:
    """A DynamoDB attribute value as plain JSON (numbers as int or float)."""
    [(kind, value)] = attribute.items()
    if kind == "S" or kind == "BOOL":
        return value
    if kind == "N":
        return _parse_number(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: _from_attribute(v) for k, v in value.items()}
    if kind == "L":
        return [_from_attribute(v) for v in value]
    # Written by something else: sets as lists, binary as base64 text (JSON has no bytes).
    if kind == "NS":
        return [_parse_number(v) for v in value]
    if kind == "SS":
        return list(value)
    if kind == "B":
        return _base64(value)
    if kind == "BS":
        return [_base64(v) for v in value]
    return None


def _base64(value: Any) -> str:
    import binascii

    data = value if isinstance(value, (bytes, bytearray)) else str(value).encode()
    return binascii.b2a_base64(data, newline=False).decode("ascii")


def _client_data(attribute: dict[str, Any] | None) -> dict[str, Any] | None:
    """client_data is a map; anything else (written by another tool) reads as none."""
    if not attribute or "M" not in attribute:
        return None
    value = _from_attribute(attribute)
    return value if isinstance(value, dict) else None


def _record(item: dict[str, Any]) -> ConnectionRecord:
    def number(name: str) -> float | None:
        attribute = item.get(name)
        return float(attribute["N"]) if attribute else None

    status = item.get("status", {}).get("S", DISCONNECTED)
    return ConnectionRecord(
        connection_id=item["connection_id"]["S"],
        partition=item.get("partition", {}).get("S", ""),
        crt=int(item["_crt"]["N"]),
        status=CONNECTED if status == CONNECTED else DISCONNECTED,
        connected_at=number("connected_at") or 0.0,
        last_seen=number("last_seen") or 0.0,
        ttl=int(item["_ttl"]["N"]) if "_ttl" in item else 0,
        client_data=_client_data(item.get("client_data")),
        disconnected_at=number("disconnected_at"),
    )
