"""Connection stores: DynamoDB (AWS), SQLite (embedded, local development), memory (tests)."""

from __future__ import annotations

import os
from typing import Final

from lambdakit.websocket.stores.base import ConnectionRecord, ConnectionStore
from lambdakit.websocket.stores.memory import MemoryStore

STORE_ENV: Final = "LAMBDAKIT_CONNECTION_STORE"
SQLITE_PATH_ENV: Final = "LAMBDAKIT_SQLITE_PATH"
DEFAULT_SQLITE_PATH: Final = ".lambdakit/connections.sqlite3"

_memory_stores: dict[str, ConnectionStore] = {}


def store_from_env(table_name: str) -> ConnectionStore:
    """The store ``LAMBDAKIT_CONNECTION_STORE`` names: ``dynamodb`` (default), ``sqlite`` or
    ``memory`` (one per table name in this process)."""
    kind = (os.environ.get(STORE_ENV) or "dynamodb").strip().lower()
    if kind == "dynamodb":
        from lambdakit.websocket.stores.dynamodb import DynamoDBStore

        return DynamoDBStore(table_name)
    if kind == "sqlite":
        from lambdakit.websocket.stores.sqlite import SQLiteStore

        return SQLiteStore(os.environ.get(SQLITE_PATH_ENV) or DEFAULT_SQLITE_PATH)
    if kind == "memory":
        return _memory_stores.setdefault(table_name, MemoryStore())
    raise ValueError(f"{STORE_ENV} must be dynamodb, sqlite or memory, not {kind!r}")


__all__ = ["ConnectionRecord", "ConnectionStore", "MemoryStore", "store_from_env"]
