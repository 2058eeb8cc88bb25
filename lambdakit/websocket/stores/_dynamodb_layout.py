"""How ``DynamoDBStore`` lays records out in its table: items, keys and the listing index.

A record is one item, keyed ``connection_id`` (S) + ``_crt`` (N). Listing goes through the
sparse index ``shard-crt-index``: hash key ``_shard`` = ``"<partition>#<n>"``, with ``n`` the
CRC-32 of the connection id modulo the shard count (16 unless the store is told otherwise), so
one partition's connections spread over that many index keys (DynamoDB takes about 1,000 writes
a second per key); range key ``_crt``. Only a connected record carries ``_shard``: a disconnect
removes it, and the record leaves the index.

The index projects what listing needs and nothing written per message: ``connected_at``,
``client_data``, ``status``, ``_lease`` and ``_seen`` (the partition is in the shard key).
``last_seen`` and ``_ttl`` change on every ``update_last_seen`` and are left out, so that write
touches the table alone (DynamoDB writes an index only when one of its keys or projected
attributes changes).
``_lease`` is a value ``_ttl`` had (never more than it has now) and ``_seen`` the
``last_seen`` of the same write: the store rewrites them (and so the index entry) when the lease
has less than half of the TTL left, not per message.

Tables made before the sharded index list through ``partition-crt-index`` (``partition`` +
``_crt``, projection ALL) until it is dropped (see ``DynamoDBStore.backfill``).
"""

from __future__ import annotations

import zlib
from typing import Any, Final

from lambdakit.websocket.stores.records import CONNECTED, DISCONNECTED, ConnectionRecord

INDEX_NAME: Final = "shard-crt-index"
LEGACY_INDEX_NAME: Final = "partition-crt-index"
SHARDS: Final = 16
SHARD: Final = "_shard"
LEASE: Final = "_lease"
SEEN: Final = "_seen"
# Not partition (the shard key holds it): every byte of an entry is read by every listing.
# status is, though a disconnect by this store removes the entry: a writer that does not (an
# older release during a deploy or a rollback, another tool) leaves one the listing must skip.
# It changes only at a disconnect, which writes the index anyway.
_PROJECTED: Final = ("connected_at", "client_data", "status", LEASE, SEEN)


def shard_key(partition: str, connection_id: str, shards: int) -> str:
    """The index hash key of a connection: its partition and a shard of it, ``"chat#7"``."""
    return shard_key_of(partition, zlib.crc32(connection_id.encode()) % shards)


def shard_key_of(partition: str, shard: int) -> str:
    return f"{partition}#{shard}"


def listing_index(statuses: dict[str, str | None]) -> str | None:
    """The index to list through, given each index's status: the sharded one once it is
    active; the seed's while the sharded one is being built (a migrated table's records all
    keep ``partition``, so it lists them all, and building an index can take hours); None while
    neither can answer (an index ``UPDATING`` its throughput answers queries)."""
    for index in (INDEX_NAME, LEGACY_INDEX_NAME):
        if statuses.get(index) in ("ACTIVE", "UPDATING"):
            return index
    return None


def index_definition() -> dict[str, Any]:
    return {
        "IndexName": INDEX_NAME,
        "KeySchema": [
            {"AttributeName": SHARD, "KeyType": "HASH"},
            {"AttributeName": "_crt", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(_PROJECTED)},
    }


def index_attributes() -> list[dict[str, str]]:
    """The attribute definitions the index's keys need."""
    return [
        {"AttributeName": SHARD, "AttributeType": "S"},
        {"AttributeName": "_crt", "AttributeType": "N"},
    ]


def number(value: float) -> str:
    """A number as DynamoDB's ``N`` takes it (an int exactly, a float as Python spells it)."""
    return str(value) if type(value) is int else repr(float(value))


def parse_number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        parsed = float(text)
        return int(parsed) if parsed.is_integer() and abs(parsed) < 2**53 else parsed


def to_attribute(value: Any) -> dict[str, Any]:
    """A JSON value (the manager checks client_data is one) as a DynamoDB attribute value."""
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, float)):
        return {"N": number(value)}
    if isinstance(value, dict):
        return {"M": {str(k): to_attribute(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [to_attribute(v) for v in value]}
    raise TypeError(f"client_data holds a {type(value).__name__}, which JSON has not")


def from_attribute(attribute: dict[str, Any]) -> Any:
    """A DynamoDB attribute value as plain JSON (numbers as int or float)."""
    [(kind, value)] = attribute.items()
    if kind == "S" or kind == "BOOL":
        return value
    if kind == "N":
        return parse_number(value)
    if kind == "NULL":
        return None
    if kind == "M":
        return {k: from_attribute(v) for k, v in value.items()}
    if kind == "L":
        return [from_attribute(v) for v in value]
    # Written by something else: sets as lists, binary as base64 text (JSON has no bytes).
    if kind == "NS":
        return [parse_number(v) for v in value]
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


def client_data(attribute: dict[str, Any] | None) -> dict[str, Any] | None:
    """client_data is a map; anything else (written by another tool) reads as none."""
    if not attribute or "M" not in attribute:
        return None
    value = from_attribute(attribute)
    return value if isinstance(value, dict) else None


def key(connection_id: str, crt: int) -> dict[str, Any]:
    return {"connection_id": {"S": connection_id}, "_crt": {"N": str(crt)}}


def to_item(record: ConnectionRecord, shards: int) -> dict[str, Any]:
    """The item of a new record: a connected one enters the index, with a lease of its TTL."""
    written: dict[str, Any] = {
        **key(record.connection_id, record.crt),
        "partition": {"S": record.partition},
        "status": {"S": record.status},
        "connected_at": {"N": number(record.connected_at)},
        "last_seen": {"N": number(record.last_seen)},
        "_ttl": {"N": str(record.ttl)},
    }
    if record.status == CONNECTED:
        written[SHARD] = {"S": shard_key(record.partition, record.connection_id, shards)}
        written[LEASE] = {"N": str(record.ttl)}
        written[SEEN] = {"N": number(record.last_seen)}
    if record.client_data is not None:
        written["client_data"] = to_attribute(record.client_data)
    if record.disconnected_at is not None:
        written["disconnected_at"] = {"N": number(record.disconnected_at)}
    return written


def lease_of(item: dict[str, Any]) -> int | None:
    """The item's ``_lease`` (epoch seconds), ``None`` on an item written before it existed."""
    attribute = item.get(LEASE)
    return int(attribute["N"]) if attribute else None


def listed_record(item: dict[str, Any], partition: str) -> ConnectionRecord:
    """The record an index entry lists: ``last_seen`` and ``ttl`` as of its lease (``_seen``,
    ``_lease``), connected (the index is sparse), in the partition its shard key names."""
    return to_record(item, seen=SEEN, ttl=LEASE).replace(partition=partition, status=CONNECTED)


def to_record(
    item: dict[str, Any], *, seen: str = "last_seen", ttl: str = "_ttl"
) -> ConnectionRecord:
    """The record an item holds; ``seen`` and ``ttl`` name where ``last_seen`` and ``ttl``
    come from (an index entry has ``_seen`` and ``_lease`` instead)."""

    def number_of(name: str) -> float | None:
        attribute = item.get(name)
        return float(attribute["N"]) if attribute else None

    status = item.get("status", {}).get("S", DISCONNECTED)
    return ConnectionRecord(
        connection_id=item["connection_id"]["S"],
        partition=item.get("partition", {}).get("S", ""),
        crt=int(item["_crt"]["N"]),
        status=CONNECTED if status == CONNECTED else DISCONNECTED,
        connected_at=number_of("connected_at") or 0.0,
        last_seen=number_of(seen) or 0.0,
        ttl=int(item[ttl]["N"]) if ttl in item else 0,
        client_data=client_data(item.get("client_data")),
        disconnected_at=number_of("disconnected_at"),
    )
