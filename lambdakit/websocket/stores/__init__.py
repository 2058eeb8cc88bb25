"""Connection stores: DynamoDB (AWS), SQLite (embedded, local development), memory (tests)."""

from __future__ import annotations

import os

from lambdakit.settings import SQLITE_PATH_ENV, STORE_ENV
from lambdakit.websocket.stores.records import ConnectionRecord

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Final

    from lambdakit.websocket.stores.memory import MemoryStore
    from lambdakit.websocket.stores.protocol import ConnectionStore

#: Where the SQLite store keeps its file unless ``LAMBDAKIT_SQLITE_PATH`` says otherwise.
_DEFAULT_SQLITE_PATH: Final = ".lambdakit/connections.sqlite3"

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

        return SQLiteStore(os.environ.get(SQLITE_PATH_ENV) or _DEFAULT_SQLITE_PATH)
    if kind == "memory":
        from lambdakit.websocket.stores.memory import MemoryStore

        return _memory_stores.setdefault(table_name, MemoryStore())
    raise ValueError(f"{STORE_ENV} must be dynamodb, sqlite or memory, not {kind!r}")


__all__ = ["ConnectionRecord", "ConnectionStore", "MemoryStore", "store_from_env"]


def __getattr__(name: str) -> object:
    # PEP 562: the protocol (typing machinery) and the memory store load when asked for.
    if name == "ConnectionStore":
        from lambdakit.websocket.stores.protocol import ConnectionStore

        return ConnectionStore
    if name == "MemoryStore":
        from lambdakit.websocket.stores.memory import MemoryStore

        return MemoryStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
