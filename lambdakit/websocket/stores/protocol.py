"""``ConnectionStore``: what the connection manager needs from a store (a typing Protocol)."""

from __future__ import annotations

from typing import Protocol

from lambdakit.websocket.stores.records import ConnectionRecord

__all__ = ["ConnectionStore"]


class ConnectionStore(Protocol):
    """Async storage for connection records. Methods never block the event loop, and a failure
    raises ``StoreError`` (``lambdakit.errors``), whichever store it is.

    A store keeps one record per WebSocket connection, keyed by the connection id as API Gateway
    gives it plus ``crt`` (creation time, epoch milliseconds): DynamoDB's ``connection_id`` /
    ``_crt`` key. Every read treats a record whose ``ttl`` (epoch seconds) has passed as gone,
    even before the backing store deletes it. Writes that must not bring back a disconnected
    connection are conditional: they change a record only while it is ``connected`` and
    unexpired. Implementations: ``MemoryStore`` (tests), ``SQLiteStore`` (the embedded default
    for local development), ``DynamoDBStore`` (AWS); one contract test suite runs against all.
    """

    async def init(self) -> None:
        """Create what the store needs (table, indexes, TTL); idempotent."""

    async def put(self, record: ConnectionRecord) -> None:
        """Store a new record of a connection. It never overwrites another partition's record;
        an earlier record of the same id and partition stops counting (reads take the newest).
        """

    async def get(self, partition: str, connection_id: str, now: float) -> ConnectionRecord | None:
        """The newest unexpired record of ``connection_id`` in ``partition``, whatever its
        status."""

    async def touch(self, partition: str, connection_id: str, now: float, ttl: int) -> bool:
        """Set ``last_seen = now`` and ``ttl`` on a connected, unexpired record; ``False``
        (nothing changed) for an unknown, disconnected or expired one."""

    async def disconnect(self, partition: str, connection_id: str, now: float) -> bool:
        """Mark the record disconnected; ``False`` if there was no connected record."""

    async def list_connected(self, partition: str, now: float) -> list[ConnectionRecord]:
        """Every connected, unexpired record of ``partition``, without a full table scan."""
