"""``MemoryStore``: connection records in a dict, for tests and single-process experiments."""

from __future__ import annotations

import copy
import threading
from typing import Any

from lambdakit.websocket.stores.records import DISCONNECTED, ConnectionRecord

__all__ = ["MemoryStore"]


class MemoryStore:
    """Keeps records in this process only. Every operation is atomic, across threads too (the
    local gateway runs handlers in several)."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], ConnectionRecord] = {}
        self._lock = threading.Lock()

    async def init(self) -> None:
        return None

    async def put(self, record: ConnectionRecord) -> None:
        with self._lock:
            self._records[(record.partition, record.connection_id)] = record

    async def get(self, partition: str, connection_id: str, now: float) -> ConnectionRecord | None:
        record = self._records.get((partition, connection_id))
        if record is None or record.ttl <= now:
            return None
        return copy.deepcopy(record)  # a caller changing client_data changes no stored state

    async def touch(self, partition: str, connection_id: str, now: float, ttl: int) -> bool:
        return self._update(partition, connection_id, now, last_seen=now, ttl=ttl)

    async def disconnect(self, partition: str, connection_id: str, now: float) -> bool:
        return self._update(partition, connection_id, now, status=DISCONNECTED, disconnected_at=now)

    def _update(self, partition: str, connection_id: str, now: float, **changes: Any) -> bool:
        with self._lock:  # check and write as one step: a disconnect is never undone
            record = self._records.get((partition, connection_id))
            if record is None or not record.alive(now):
                return False
            self._records[(partition, connection_id)] = record.replace(**changes)
            return True

    async def list_connected(self, partition: str, now: float) -> list[ConnectionRecord]:
        with self._lock:
            records = [r for (p, _), r in self._records.items() if p == partition and r.alive(now)]
        return sorted((copy.deepcopy(r) for r in records), key=lambda r: r.crt)
