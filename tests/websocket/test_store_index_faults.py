"""The sharded listing index under what the store does not control: a writer that predates it
(a deploy or a rollback mid-migration), a policy that names one index only, entries that
outlive their record (expired, or disconnected too late), and mutations the other store tests
let through (DynamoDB Local, as ``test_store_index``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambdakit.errors import StoreError
from lambdakit.websocket.stores import _dynamodb_layout as layout
from lambdakit.websocket.stores.records import CONNECTED, DISCONNECTED

boto3 = pytest.importorskip("boto3")

from lambdakit.websocket.stores.dynamodb import (  # noqa: E402
    INDEX_NAME,
    LEGACY_INDEX_NAME,
    SHARDS,
    DynamoDBStore,
)
from tests.websocket.test_store_index import (  # noqa: E402
    NOW,
    PARTITION,
    TTL,
    create_seed_table,
    index_entries,
    record,
    run,
)


def ids(store: DynamoDBStore, now: float) -> list[str]:
    return [r.connection_id for r in run(store.list_connected(PARTITION, now))]


class Queries:
    """Counts Query calls; optionally refuses the ones on one index with an error code."""

    def __init__(self, client: Any, refuse_index: str | None = None, code: str = "") -> None:
        self.count = 0
        self.refuse_index, self.code = refuse_index, code
        client.meta.events.register("before-call.dynamodb.Query", self._hook)

    def _hook(self, params: dict[str, Any], **_: Any) -> Any:
        self.count += 1
        body = json.loads(params.get("body") or b"{}")
        if self.refuse_index and body.get("IndexName") == self.refuse_index:

            class Http:
                status_code = 400

            return Http(), {"Error": {"Code": self.code, "Message": "refused by the review"}}
        return None


@pytest.fixture
def store(dynamodb_client: Any, table_name: str) -> DynamoDBStore:
    made = DynamoDBStore(table_name, client=dynamodb_client)
    run(made.init())
    return made


def disconnect_as_an_older_release(client: Any, table: str, connection_id: str) -> None:
    """What a release before the sharded index does on disconnect: the status changes, the
    ``_shard`` it never knew stays."""
    client.update_item(
        TableName=table,
        Key=layout.key(connection_id, int(NOW * 1000)),
        UpdateExpression="SET #s = :d",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":d": {"S": DISCONNECTED}},
    )


# -- what the store does not control ----------------------------------------------------------


def test_a_disconnect_by_an_older_release_is_not_listed_and_backfill_clears_it(
    dynamodb_client, table_name
):
    """A deploy or a rollback mid-migration: a connection made by this release and closed by
    one that predates the index (its _shard left) is not listed; backfill takes it out."""
    create_seed_table(dynamodb_client, table_name, with_new_index=True)
    new = DynamoDBStore(table_name, client=dynamodb_client)
    run(new.put(record("a=")))
    disconnect_as_an_older_release(dynamodb_client, table_name, "a=")
    assert run(new.get(PARTITION, "a=", NOW + 2)).status == DISCONNECTED
    assert ids(new, NOW + 2) == []
    assert run(new.backfill(now=NOW + 3)) == 1
    assert index_entries(dynamodb_client, table_name) == []


def test_a_policy_naming_the_old_index_only_lists_through_it(dynamodb_client, table_name):
    """Migration step 1 ("deploy the code, the template unchanged") with the policy the docs
    shipped before (Query on .../index/partition-crt-index only): IAM refuses the probe on
    shard-crt-index with AccessDeniedException, which is not a ValidationException."""
    create_seed_table(dynamodb_client, table_name)
    store = DynamoDBStore(table_name, client=dynamodb_client)
    run(store.put(record("a=")))
    Queries(dynamodb_client, refuse_index=INDEX_NAME, code="AccessDeniedException")
    assert ids(store, NOW + 1) == ["a="]


def test_a_dead_entry_is_read_once_then_leaves_the_index(store, dynamodb_client):
    """Expired records (TTL deletion lags up to ~48 h) and records whose $disconnect came after
    their TTL (the condition fails, _shard stays) cost one strongly consistent query each, on
    every listing, until DynamoDB deletes them."""
    for i in range(20):
        run(store.put(record(f"dead-{i:02d}=", now=NOW + i, ttl=100)))
    run(store.disconnect(PARTITION, "dead-00=", NOW + 500))  # too late: condition fails
    queries = Queries(dynamodb_client)
    assert ids(store, NOW + 500) == []
    first = queries.count
    assert ids(store, NOW + 501) == []
    assert queries.count - first == SHARDS, (first, queries.count - first)
    assert index_entries(dynamodb_client, store.table_name) == []


def test_a_reader_not_allowed_to_write_still_lists_past_dead_entries(store, dynamodb_client):
    """Taking a dead entry out is a write: a function allowed only Query lists all the same
    (the entry stays, and is read again by the next listing)."""
    run(store.put(record("dead=", ttl=100)))
    run(store.put(record("alive=", now=NOW + 1)))

    def refuse_updates(**_: Any) -> Any:
        class Http:
            status_code = 400

        return Http(), {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}

    dynamodb_client.meta.events.register("before-call.dynamodb.UpdateItem", refuse_updates)
    assert ids(store, NOW + 500) == ["alive="]
    assert len(index_entries(dynamodb_client, store.table_name)) == 2


# -- guards against mutations the other store tests let through -----------------------------


def test_a_lease_renewal_racing_a_disconnect_never_re_enters_the_index(
    store, dynamodb_client, table_name
):
    """Process A knows the key and its lease is due; process B disconnects; A's renewal must
    be refused (condition) and must not put _shard back."""
    run(store.put(record("a=")))
    other = DynamoDBStore(table_name, client=dynamodb_client)
    assert run(other.disconnect(PARTITION, "a=", NOW + 1)) is True
    late = NOW + TTL / 2 + 10  # lease due: the renewal path
    assert run(store.touch(PARTITION, "a=", late, int(late) + TTL)) is False
    assert index_entries(dynamodb_client, table_name) == []
    assert ids(store, late + 1) == []


def test_update_last_seen_never_writes_the_index_when_warm(store, dynamodb_client):
    """A mutation that sets _shard (same value) on every touch: DynamoDB Local may not count an
    index write for an unchanged key, so look at what the request asks for."""
    run(store.put(record("a=")))
    sent: list[str] = []

    def keep(params: dict[str, Any], **_: Any) -> None:
        sent.append(json.loads(params["body"])["UpdateExpression"])

    dynamodb_client.meta.events.register("before-call.dynamodb.UpdateItem", keep)
    for i in range(1, 4):
        assert run(store.touch(PARTITION, "a=", NOW + i, int(NOW) + i + TTL)) is True
    for expression in sent:
        assert not {"#shard", "#lease", "#seen"} & set(expression.replace(",", " ").split())


def test_throttling_on_the_new_index_is_not_taken_for_a_missing_index(dynamodb_client, table_name):
    create_seed_table(dynamodb_client, table_name, with_new_index=True)
    store = DynamoDBStore(table_name, client=dynamodb_client)
    run(store.put(record("a=")))
    Queries(dynamodb_client, refuse_index=INDEX_NAME, code="ThrottlingException")
    with pytest.raises(StoreError):
        run(store.list_connected(PARTITION, NOW + 1))
    assert store._index != LEGACY_INDEX_NAME


def test_backfill_reads_every_scan_page(dynamodb_client, table_name):
    create_seed_table(dynamodb_client, table_name)
    blob = {"M": {"b": {"S": "x" * 90_000}}}
    for i in range(30):  # ~2.7 MB: three scan pages at least
        now = NOW + i
        dynamodb_client.put_item(
            TableName=table_name,
            Item={
                "connection_id": {"S": f"old-{i:02d}="},
                "_crt": {"N": str(int(now * 1000))},
                "partition": {"S": PARTITION},
                "status": {"S": CONNECTED},
                "connected_at": {"N": repr(now)},
                "last_seen": {"N": repr(now)},
                "_ttl": {"N": str(int(now) + TTL)},
                "client_data": blob,
            },
        )
    store = DynamoDBStore(table_name, client=dynamodb_client)
    assert run(store.backfill(now=NOW + 100)) == 30


def test_backfill_write_refuses_a_record_disconnected_after_the_scan(dynamodb_client, table_name):
    create_seed_table(dynamodb_client, table_name, with_new_index=True)
    store = DynamoDBStore(table_name, client=dynamodb_client)
    run(store.put(record("a=")))
    dynamodb_client.update_item(  # as the seed wrote it: no _shard
        TableName=table_name,
        Key=layout.key("a=", int(NOW * 1000)),
        UpdateExpression="REMOVE #shard, #lease, #seen",
        ExpressionAttributeNames={"#shard": "_shard", "#lease": "_lease", "#seen": "_seen"},
    )
    page = store._scan_unsharded(NOW + 1, None, dynamodb_client)
    [item] = page["Items"]
    run(store.disconnect(PARTITION, "a=", NOW + 2))  # between the scan and the write
    assert store._shard_record(item, NOW + 1)(dynamodb_client) is False
    assert index_entries(dynamodb_client, table_name) == []


def test_listing_keeps_the_newest_record_of_an_id(store):
    """Two connects of one id in one millisecond (the second takes _crt + 1): listing gives
    one record, the newest, as the seed did."""
    run(store.put(record("a=", client_data={"n": 1})))
    run(store.put(record("a=", client_data={"n": 2})))
    [listed] = run(store.list_connected(PARTITION, NOW + 1))
    assert (listed.crt, listed.client_data) == (int(NOW * 1000) + 1, {"n": 2})


def test_backfill_takes_a_record_without_last_seen(dynamodb_client, table_name):
    """A record some other writer left without ``last_seen`` is sharded too (its ``_seen``
    the backfill's time), not a ValidationException that stops the run."""
    create_seed_table(dynamodb_client, table_name)
    dynamodb_client.put_item(
        TableName=table_name,
        Item={
            "connection_id": {"S": "bare="},
            "_crt": {"N": str(int(NOW * 1000))},
            "partition": {"S": PARTITION},
            "status": {"S": CONNECTED},
            "connected_at": {"N": repr(NOW)},
            "_ttl": {"N": str(int(NOW) + TTL)},
        },
    )
    store = DynamoDBStore(table_name, client=dynamodb_client)
    assert run(store.backfill(now=NOW + 1)) == 1
    item = dynamodb_client.get_item(TableName=table_name, Key=layout.key("bare=", int(NOW * 1000)))[
        "Item"
    ]
    assert item["_seen"]["N"] == layout.number(NOW + 1)
