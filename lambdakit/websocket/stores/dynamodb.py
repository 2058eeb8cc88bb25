"""``DynamoDBStore``: connection records in a DynamoDB table, through boto3 (imported lazily).

Table layout (the seed's): hash key ``connection_id`` (S), range key ``_crt`` (N, creation
time in epoch milliseconds), TTL on ``_ttl`` (epoch seconds), on-demand billing. Other
attributes: ``partition``, ``status``, ``connected_at``, ``last_seen``, ``client_data`` (a
map), ``disconnected_at``. A partition's connections are listed without a table scan, through
the sparse, sharded index ``shard-crt-index`` (see ``_dynamodb_layout``), or through the
seed's ``partition-crt-index`` on a table that has not the new one.

boto3 honours ``AWS_ENDPOINT_URL_DYNAMODB`` / ``AWS_ENDPOINT_URL``, so DynamoDB Local needs no
code change. Throttling and transient errors are retried by botocore's ``standard`` retry mode
(exponential backoff with jitter); what still fails raises ``StoreError`` (the seed's
``DynamoDBError``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar

from lambdakit import _async
from lambdakit._aws import client as aws_client
from lambdakit._aws import error_code
from lambdakit._logger import logger
from lambdakit.errors import StoreError
from lambdakit.websocket.stores import _dynamodb_layout as layout
from lambdakit.websocket.stores.records import CONNECTED, DISCONNECTED, ConnectionRecord

_T = TypeVar("_T")

INDEX_NAME: Final = layout.INDEX_NAME
LEGACY_INDEX_NAME: Final = layout.LEGACY_INDEX_NAME
SHARDS: Final = layout.SHARDS
_PUT_ATTEMPTS: Final = 20
_KEY_CACHE_SIZE: Final = 10_000
# "partition" and "status" are DynamoDB reserved words: always go through these names.
_NAMES: Final = {
    "#p": "partition",
    "#s": "status",
    "#ttl": "_ttl",
    "#shard": layout.SHARD,
    "#lease": layout.LEASE,
    "#seen": layout.SEEN,
    "#crt": "_crt",
}
_NAME = re.compile(r"#\w+")
_VALUE = re.compile(r":\w+")
# Only a connected, unexpired record of this partition changes: a disconnect that won the race
# is never undone.
_ALIVE: Final = "#s = :connected AND #p = :p AND #ttl > :now"
# A record the sharded index should list but that has no shard yet (written before it).
_UNSHARDED: Final = "attribute_not_exists(#shard) AND #s = :connected AND #ttl > :now"
# A record the index lists but should not: disconnected by a writer that left its shard (an
# older release, another tool), or expired and not yet deleted by DynamoDB.
_STRAY: Final = "attribute_exists(#shard) AND (#s <> :connected OR #ttl <= :now)"

__all__ = ["INDEX_NAME", "LEGACY_INDEX_NAME", "SHARDS", "DynamoDBStore"]


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
    ``max_attempts`` (botocore standard retries). ``shards`` is how many index keys a
    partition's connections spread over; every writer and reader of one table must use the same.
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
        shards: int = SHARDS,
    ) -> None:
        if not table_name:
            raise ValueError("DynamoDBStore needs a table name")
        if type(shards) is not int or not 1 <= shards <= 1000:
            raise ValueError("shards must be a whole number from 1 to 1000")
        self.table_name = table_name
        self._client = _with_exceptions_loaded(client)
        self._client_lock = threading.Lock()
        self._region_name = region_name
        self._endpoint_url = endpoint_url
        self._max_attempts = max_attempts
        self._timeout = timeout
        self.shards = shards
        # (partition, connection id) -> (_crt, _lease) of a record this process wrote or read,
        # so update_last_seen is one request when warm, and knows when the lease is due.
        self._keys: dict[tuple[str, str], tuple[int, int | None]] = {}
        # The index listing goes through, once known (init, or the first listing).
        self._index: str | None = None

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
            indexes = _index_names(description)
            if LEGACY_INDEX_NAME in indexes and INDEX_NAME not in indexes:
                # Adding the index now would list only the records written from now on:
                # the migration backfills first (docs/deployment.md).
                logger.warning(
                    "Table %s lists connections through %s; see the migration to %s "
                    "(DynamoDBStore.backfill) in lambdakit's deployment guide",
                    self.table_name,
                    LEGACY_INDEX_NAME,
                    INDEX_NAME,
                )
            elif INDEX_NAME not in indexes:
                self._add_index(client)
        client.get_waiter("table_exists").wait(
            TableName=self.table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        self._index = self._wait_for_index(client)
        self._enable_ttl(client)

    def _create_table(self, client: Any) -> None:
        # A concurrent init_table() may create it first: the waiter after this covers that.
        with contextlib.suppress(client.exceptions.ResourceInUseException):
            client.create_table(
                TableName=self.table_name,
                AttributeDefinitions=[
                    {"AttributeName": "connection_id", "AttributeType": "S"},
                    *layout.index_attributes(),
                ],
                KeySchema=[
                    {"AttributeName": "connection_id", "KeyType": "HASH"},
                    {"AttributeName": "_crt", "KeyType": "RANGE"},
                ],
                GlobalSecondaryIndexes=[layout.index_definition()],
                BillingMode="PAY_PER_REQUEST",
            )

    def _add_index(self, client: Any) -> None:
        client.get_waiter("table_exists").wait(TableName=self.table_name)
        with contextlib.suppress(client.exceptions.ResourceInUseException):  # being added
            client.update_table(
                TableName=self.table_name,
                AttributeDefinitions=layout.index_attributes(),
                GlobalSecondaryIndexUpdates=[{"Create": layout.index_definition()}],
            )

    def _wait_for_index(self, client: Any) -> str:
        """The listing index, once one is active (``layout.listing_index``)."""
        for _ in range(600):
            table = client.describe_table(TableName=self.table_name)["Table"]
            statuses = {
                i["IndexName"]: i.get("IndexStatus")
                for i in table.get("GlobalSecondaryIndexes", ())
            }
            index = layout.listing_index(statuses)
            if index is not None:
                return index
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
            item = layout.to_item(record, self.shards)
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
                self._remember(record.partition, record.connection_id, crt, layout.lease_of(item))
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
            # Warm path: the key is known, one request. A failed condition may mean the
            # record was replaced, so look it up once before saying no.
            known = self._keys.get((partition, connection_id))
            if known is not None and self._touch(client, partition, connection_id, now, ttl, known):
                return True
            items = self._items(client, partition, connection_id)
            if not items or not layout.to_record(items[0]).alive(now):
                return False
            newest = (int(items[0]["_crt"]["N"]), layout.lease_of(items[0]))
            return self._touch(client, partition, connection_id, now, ttl, newest)

        return await self._call("touch", write)

    def _touch(
        self,
        client: Any,
        partition: str,
        connection_id: str,
        now: float,
        ttl: int,
        key: tuple[int, int | None],
    ) -> bool:
        """Set last_seen and _ttl: the table alone, unless the lease is due. The lease is
        renewed (index written) when less than half the TTL is left of it, or when it is not
        at most the new ``_ttl`` (listing trusts ``_lease <= _ttl``)."""
        crt, lease = key
        values: dict[str, Any] = {":ttl": {"N": str(ttl)}}
        if lease is None or lease > ttl or 2 * lease < now + ttl:
            expression = (
                "SET last_seen = :now, #ttl = :ttl, #lease = :ttl, #seen = :now, #shard = :shard"
            )
            condition = _ALIVE
            values[":shard"] = {"S": layout.shard_key(partition, connection_id, self.shards)}
            lease = ttl
        else:
            expression = "SET last_seen = :now, #ttl = :ttl"
            condition = f"{_ALIVE} AND #lease <= :ttl"
        changed = self._conditional_update(
            client, partition, connection_id, now, expression, condition, values, crt
        )
        if changed:
            self._remember(partition, connection_id, crt, lease)
        return changed

    async def disconnect(self, partition: str, connection_id: str, now: float) -> bool:
        def write(client: Any) -> bool:
            changed = False
            # Every connected record of the id: a racing second connect left no survivor.
            # The record leaves the listing index with its _shard.
            for record in self._records(client, partition, connection_id):
                if record.status == CONNECTED:
                    changed |= self._conditional_update(
                        client,
                        partition,
                        connection_id,
                        now,
                        "SET #s = :disconnected, disconnected_at = :now REMOVE #shard",
                        _ALIVE,
                        {":disconnected": {"S": DISCONNECTED}},
                        record.crt,
                    )
            self._keys.pop((partition, connection_id), None)
            return changed

        return await self._call("disconnect", write)

    def _conditional_update(
        self,
        client: Any,
        partition: str | None,
        connection_id: str,
        now: float,
        expression: str,
        condition: str,
        values: dict[str, Any],
        crt: int,
    ) -> bool:
        """One conditional ``UpdateItem`` of a record; ``False`` when the condition failed.
        ``:connected``, ``:now`` and ``:p`` (the partition) are there for the expressions
        that use them (DynamoDB refuses a value none uses)."""
        given = {
            ":connected": {"S": CONNECTED},
            ":now": {"N": layout.number(now)},
            **({":p": {"S": partition}} if partition is not None else {}),
            **values,
        }
        used = set(_VALUE.findall(expression + " " + condition))
        try:
            client.update_item(
                TableName=self.table_name,
                Key=layout.key(connection_id, crt),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=_names(expression, condition),
                ExpressionAttributeValues={k: v for k, v in given.items() if k in used},
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def _remember(self, partition: str, connection_id: str, crt: int, lease: int | None) -> None:
        if len(self._keys) >= _KEY_CACHE_SIZE:
            self._keys.clear()
        self._keys[(partition, connection_id)] = (crt, lease)

    async def list_connected(self, partition: str, now: float) -> list[ConnectionRecord]:
        # The index is found out by the first listing, unless init() did: a function need not
        # be allowed DescribeTable. A query on an index the table has not (or not yet: one
        # being built) is a ValidationException, and the other index is tried.
        index = self._index or INDEX_NAME
        try:
            records = await self._list(index, partition, now)
        except StoreError as error:
            # AccessDenied: a policy that names one index only (as before shard-crt-index)
            # refuses a query on the other, whether the table has it or not.
            code = error_code(error.original) if error.original is not None else None
            if code not in ("ValidationException", "AccessDeniedException"):
                raise
            logger.warning("Listing through %s failed (%s): trying the other index", index, code)
            index = LEGACY_INDEX_NAME if index == INDEX_NAME else INDEX_NAME
            records = await self._list(index, partition, now)
        self._index = index
        newest: dict[str, ConnectionRecord] = {}
        for record in records:
            kept = newest.get(record.connection_id)
            if kept is None or record.crt > kept.crt:
                newest[record.connection_id] = record
        return sorted(newest.values(), key=lambda r: r.crt)

    async def _list(self, index: str, partition: str, now: float) -> list[ConnectionRecord]:
        if index == LEGACY_INDEX_NAME:
            items = await self._call(
                "list_connected", lambda client: self._query_legacy(client, partition, now)
            )
            return [layout.to_record(item) for item in items]
        shards = [layout.shard_key_of(partition, n) for n in range(self.shards)]
        pages: list[list[dict[str, Any]]] = []
        if self._index is None:  # not known yet: one query first, so a wrong guess fails once
            pages.append(await self._call("list_connected", self._shard_query(shards.pop(0))))
        pages += await self._all("list_connected", [self._shard_query(s) for s in shards])
        records: list[ConnectionRecord] = []
        doubtful: list[tuple[str, int]] = []
        for item in (item for page in pages for item in page):
            if item.get("status", {}).get("S", CONNECTED) != CONNECTED:
                continue  # disconnected by a writer that left its entry: not listed
            lease = layout.lease_of(item)
            if lease is not None and lease > now:  # alive: _ttl >= _lease > now
                records.append(layout.listed_record(item, partition))
            else:  # lease run out (or never given): the record itself says
                doubtful.append((item["connection_id"]["S"], int(item["_crt"]["N"])))
        found = await self._all("list_connected", [self._record_query(*key) for key in doubtful])
        strays = []
        for key, record in zip(doubtful, found, strict=True):
            if record is not None and record.partition == partition and record.alive(now):
                records.append(record)
            else:  # dead: out of the index, so that no later listing reads it again
                strays.append(self._unshard(*key, now))
        try:
            await self._all("list_connected", strays)
        except StoreError as error:  # a reader not allowed UpdateItem: read again next time
            logger.warning("Could not take dead entries out of %s: %s", INDEX_NAME, error)
        return records

    def _unshard(self, connection_id: str, crt: int, now: float) -> Callable[[Any], bool]:
        """Take a record the index should not list out of it (its ``_shard`` removed), if it
        is still such a record when the write lands."""
        return lambda client: self._conditional_update(
            client, None, connection_id, now, "REMOVE #shard", _STRAY, {}, crt
        )

    async def _all(self, operation: str, works: list[Callable[[Any], _T]]) -> list[_T]:
        """Every piece of work at once on the I/O pool; the first failure is raised once all
        are done (none is left running behind the caller)."""
        results = await asyncio.gather(
            *(self._call(operation, work) for work in works), return_exceptions=True
        )
        done: list[_T] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            done.append(result)
        return done

    def _query_legacy(self, client: Any, partition: str, now: float) -> list[dict[str, Any]]:
        return self._query(
            client,
            IndexName=LEGACY_INDEX_NAME,
            KeyConditionExpression="#p = :p",
            FilterExpression="#s = :connected AND #ttl > :now",
            ExpressionAttributeNames=_names("#p #s #ttl"),
            ExpressionAttributeValues={
                ":p": {"S": partition},
                ":connected": {"S": CONNECTED},
                ":now": {"N": layout.number(now)},
            },
        )

    def _shard_query(self, shard: str) -> Callable[[Any], list[dict[str, Any]]]:
        """One shard's index entries, oldest first (every page)."""
        return lambda client: self._query(
            client,
            IndexName=INDEX_NAME,
            KeyConditionExpression="#shard = :shard",
            ExpressionAttributeNames=_names("#shard"),
            ExpressionAttributeValues={":shard": {"S": shard}},
        )

    def _record_query(
        self, connection_id: str, crt: int
    ) -> Callable[[Any], ConnectionRecord | None]:
        """One record as the table holds it now (a strongly consistent query: the function
        may query the table, which is all a read needs)."""

        def read(client: Any) -> ConnectionRecord | None:
            items = client.query(
                TableName=self.table_name,
                KeyConditionExpression="connection_id = :id AND #crt = :crt",
                ExpressionAttributeNames=_names("#crt"),
                ExpressionAttributeValues={":id": {"S": connection_id}, ":crt": {"N": str(crt)}},
                ConsistentRead=True,
            ).get("Items", ())
            return layout.to_record(items[0]) if items else None

        return read

    def _query(self, client: Any, **request: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for page in client.get_paginator("query").paginate(TableName=self.table_name, **request):
            items += page.get("Items", ())
        return items

    async def backfill(self, now: float | None = None) -> int:
        """Ready a table made before ``shard-crt-index`` for it: every connected, unexpired
        record without ``_shard`` gets one, and a lease of its ``_ttl``; a disconnected or
        expired record that still has one (left by a writer that predates the index) loses
        it. Run it before adding the index, and again after a rollback past it
        (docs/deployment.md); idempotent, and safe beside live traffic (each write is
        conditional). Needs Scan and UpdateItem on the table. Returns the number of records
        changed."""
        moment = time.time() if now is None else now
        changed, start = 0, None
        while True:
            page = await self._call(
                "backfill", functools.partial(self._scan_unsharded, moment, start)
            )
            writes = [
                self._shard_record(item, moment)
                if "_shard" not in item
                else self._unshard(item["connection_id"]["S"], int(item["_crt"]["N"]), moment)
                for item in page.get("Items", ())
            ]
            changed += sum(await self._all("backfill", writes))
            start = page.get("LastEvaluatedKey")
            if not start:
                return changed

    def _scan_unsharded(self, now: float, start: dict[str, Any] | None, client: Any) -> Any:
        wanted = f"({_UNSHARDED}) OR ({_STRAY})"
        return client.scan(
            TableName=self.table_name,
            FilterExpression=wanted,
            ProjectionExpression="connection_id, #crt, #p, #shard",
            ExpressionAttributeNames=_names(wanted, "#crt #p #shard"),
            ExpressionAttributeValues={
                ":connected": {"S": CONNECTED},
                ":now": {"N": layout.number(now)},
            },
            **({"ExclusiveStartKey": start} if start else {}),
        )

    def _shard_record(self, item: dict[str, Any], now: float) -> Callable[[Any], bool]:
        connection_id, crt = item["connection_id"]["S"], int(item["_crt"]["N"])
        shard = layout.shard_key(item.get("partition", {}).get("S", ""), connection_id, self.shards)
        expression = "SET #shard = :shard, #lease = #ttl, #seen = if_not_exists(last_seen, :now)"
        return lambda client: self._conditional_update(
            client, None, connection_id, now, expression, _UNSHARDED, {":shard": {"S": shard}}, crt
        )

    def _items(self, client: Any, partition: str, connection_id: str) -> list[dict[str, Any]]:
        """This connection id's items in ``partition``, newest first (strongly consistent)."""
        response = client.query(
            TableName=self.table_name,
            KeyConditionExpression="connection_id = :id",
            ExpressionAttributeValues={":id": {"S": connection_id}},
            ScanIndexForward=False,
            ConsistentRead=True,
        )
        items = response.get("Items", ())
        return [item for item in items if item.get("partition", {}).get("S", "") == partition]

    def _records(self, client: Any, partition: str, connection_id: str) -> list[ConnectionRecord]:
        """This connection id's records in ``partition``, newest first (strongly consistent)."""
        return [layout.to_record(item) for item in self._items(client, partition, connection_id)]


def _index_names(table: dict[str, Any]) -> set[str]:
    return {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", ())}


def _names(*expressions: str) -> dict[str, str]:
    """The attribute names the expressions use (DynamoDB refuses a name none uses)."""
    return {name: _NAMES[name] for text in expressions for name in _NAME.findall(text)}
