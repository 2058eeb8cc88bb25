"""``DynamoDBStore``: connection records in a DynamoDB table, through boto3 (imported lazily).

Table layout (the seed's): hash key ``connection_id`` (S), range key ``_crt`` (N, creation
time in epoch milliseconds), TTL on ``_ttl`` (epoch seconds), on-demand billing. A global
secondary index ``partition-crt-index`` (``partition`` + ``_crt``) lists a partition's
connections without a table scan. Other attributes: ``status``, ``connected_at``,
``last_seen``, ``client_data`` (a map), ``disconnected_at``.

boto3 honours ``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL``, so DynamoDB Local needs no
code change. Throttling and transient errors are retried by botocore's ``standard`` retry mode
(exponential backoff with jitter); what still fails raises ``DynamoDBError``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final, TypeVar

from lambdakit._aws import error_code, region
from lambdakit.errors import DynamoDBError
from lambdakit.websocket.stores.base import CONNECTED, DISCONNECTED, ConnectionRecord

T = TypeVar("T")

INDEX_NAME: Final = "partition-crt-index"
# "partition" and "status" are DynamoDB reserved words: always go through these names.
_NAMES: Final = {"#p": "partition", "#s": "status", "#ttl": "_ttl"}


def _install_hint() -> ImportError:
    return ImportError(
        "The DynamoDB connection store needs boto3: pip install 'lambdakit[dynamodb]'"
    )


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
        self._client = client
        self._region_name = region_name
        self._endpoint_url = endpoint_url
        self._max_attempts = max_attempts
        self._timeout = timeout

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import boto3
                from botocore.config import Config
            except ImportError:
                raise _install_hint() from None
            config = Config(
                retries={"mode": "standard", "total_max_attempts": self._max_attempts},
                connect_timeout=self._timeout,
                read_timeout=self._timeout,
            )
            self._client = boto3.session.Session().client(
                "dynamodb",
                config=config,
                region_name=region(self._region_name),
                endpoint_url=self._endpoint_url,
            )
        return self._client

    async def _call(self, operation: str, work: Callable[[Any], T]) -> T:
        try:
            client = self.client
            return await asyncio.to_thread(work, client)
        except DynamoDBError:
            raise
        except ImportError:
            raise
        except Exception as error:
            code = error_code(error) or type(error).__name__
            raise DynamoDBError(
                f"DynamoDB {operation} on table {self.table_name!r} failed: {code}", error
            ) from error

    # -- ConnectionStore ---------------------------------------------------------------------

    async def init(self) -> None:
        await self._call("init_table", self._init_table)

    def _init_table(self, client: Any) -> None:
        try:
            description = client.describe_table(TableName=self.table_name)["Table"]
        except client.exceptions.ResourceNotFoundException:
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
        else:
            indexes = {i["IndexName"] for i in description.get("GlobalSecondaryIndexes", ())}
            if INDEX_NAME not in indexes:
                client.get_waiter("table_exists").wait(TableName=self.table_name)
                client.update_table(
                    TableName=self.table_name,
                    AttributeDefinitions=[
                        {"AttributeName": "partition", "AttributeType": "S"},
                        {"AttributeName": "_crt", "AttributeType": "N"},
                    ],
                    GlobalSecondaryIndexUpdates=[{"Create": _index_definition()}],
                )
        client.get_waiter("table_exists").wait(
            TableName=self.table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        ttl = client.describe_time_to_live(TableName=self.table_name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(
                TableName=self.table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": "_ttl"},
            )

    async def put(self, record: ConnectionRecord) -> None:
        def write(client: Any) -> None:
            earlier = self._records(client, record.partition, record.connection_id)
            client.put_item(TableName=self.table_name, Item=_item(record))
            for old in earlier:
                if old.crt != record.crt:
                    client.delete_item(
                        TableName=self.table_name,
                        Key=_key(old.connection_id, old.crt),
                    )

        await self._call("put", write)

    async def get(self, partition: str, connection_id: str, now: float) -> ConnectionRecord | None:
        def read(client: Any) -> ConnectionRecord | None:
            records = self._records(client, partition, connection_id)
            live = [r for r in records if r.ttl > now]
            return live[0] if live else None

        return await self._call("get", read)

    async def touch(self, partition: str, connection_id: str, now: float, ttl: int) -> bool:
        return await self._update(
            "touch",
            partition,
            connection_id,
            now,
            "SET last_seen = :now, #ttl = :ttl",
            {":ttl": {"N": str(ttl)}},
        )

    async def disconnect(self, partition: str, connection_id: str, now: float) -> bool:
        return await self._update(
            "disconnect",
            partition,
            connection_id,
            now,
            "SET #s = :disconnected, disconnected_at = :now",
            {":disconnected": {"S": DISCONNECTED}},
        )

    async def _update(
        self,
        operation: str,
        partition: str,
        connection_id: str,
        now: float,
        expression: str,
        values: dict[str, Any],
    ) -> bool:
        def write(client: Any) -> bool:
            records = self._records(client, partition, connection_id)
            if not records:
                return False
            try:
                client.update_item(
                    TableName=self.table_name,
                    Key=_key(connection_id, records[0].crt),
                    UpdateExpression=expression,
                    # Only a connected, unexpired record of this partition changes: a
                    # disconnect that won the race is never undone.
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

        return await self._call(operation, write)

    async def list_connected(self, partition: str, now: float) -> list[ConnectionRecord]:
        def read(client: Any) -> list[ConnectionRecord]:
            records: list[ConnectionRecord] = []
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
                records.extend(_record(item) for item in page.get("Items", ()))
            return records

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
    return format(Decimal(str(value)).normalize(), "f")


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
    from boto3.dynamodb.types import TypeSerializer

    # DynamoDB has no floats: go through JSON with Decimal numbers.
    plain = json.loads(json.dumps(value, default=str), parse_float=Decimal)
    return TypeSerializer().serialize(plain)  # type: ignore[no-any-return]


def _from_attribute(value: dict[str, Any]) -> Any:
    from boto3.dynamodb.types import TypeDeserializer

    return _plain(TypeDeserializer().deserialize(value))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, set, frozenset)):
        return [_plain(v) for v in value]
    return value


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
        client_data=_from_attribute(item["client_data"]) if "client_data" in item else None,
        disconnected_at=number("disconnected_at"),
    )
