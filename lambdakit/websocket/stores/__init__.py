"""Connection stores: DynamoDB (AWS), SQLite (embedded, local development), memory (tests)."""

from __future__ import annotations

from lambdakit.websocket.stores.base import ConnectionRecord, ConnectionStore
from lambdakit.websocket.stores.memory import MemoryStore

__all__ = ["ConnectionRecord", "ConnectionStore", "MemoryStore"]
