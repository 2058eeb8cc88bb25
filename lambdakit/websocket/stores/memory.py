"""``MemoryStore``: connection records in a dict, for tests and single-process experiments."""

from __future__ import annotations

import dataclasses

from lambdakit.websocket.stores.base import DISCONNECTED, ConnectionRecord


class MemoryStore:
    """Keeps records in this process only. Every operation is atomic on one event loop."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], ConnectionRecord] = {}

    async def init(self) -> None:
        return None

    async def put(self, record: ConnectionRecord) -> None:
        self._records[(record.partition, record.connection_id)] = record

    async def get(self, partition: str, connection_id: str, now: float) -> ConnectionRecord | None:
        record = self._records.get((partition, connection_id))
        if record is None or record.ttl <= now:
            return None
        return record

    async def touch(self, partition: str, connection_id: str, now: float, ttl: int) -> bool:
        record = self._records.get((partition, connection_id))
        if record is None or not record.alive(now):
            return False
        self._records[(partition, connection_id)] = dataclasses.replace(
            record, last_seen=now, ttl=ttl
        )
        return True

    async def disconnect(self, partition: str, connection_id: str, now: float) -> bool:
        record = self._records.get((partition, connection_id))
        if record is None or not record.alive(now):
            return False
        self._records[(partition, connection_id)] = dataclasses.replace(
            record, status=DISCONNECTED, disconnected_at=now
        )
        return True

    async def list_connected(self, partition: str, now: float) -> list[ConnectionRecord]:
        return sorted(
            (r for (p, _), r in self._records.items() if p == partition and r.alive(now)),
            key=lambda r: r.crt,
        )
