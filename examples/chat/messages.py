"""Recent chat messages, shared by the HTTP and the WebSocket function.

The store follows the connection store, so messages live where connections do:
``LAMBDAKIT_CONNECTION_STORE=sqlite`` (what ``lambdakit serve`` sets) keeps them in a
``chat_messages`` table of the same SQLite file (``LAMBDAKIT_SQLITE_PATH``), ``memory`` in this
process, and the default, DynamoDB, in the table ``MESSAGES_TABLE`` names (hash key ``channel``,
range key ``sk``, TTL on ``_ttl``), as ``template.yaml`` creates it.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import threading
import time
import uuid
from collections import deque
from contextlib import closing
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Final, Protocol

# The connection store's settings (lambdakit's README, "Stores"): messages follow them.
STORE_ENV: Final = "LAMBDAKIT_CONNECTION_STORE"
SQLITE_PATH_ENV: Final = "LAMBDAKIT_SQLITE_PATH"
DEFAULT_SQLITE_PATH: Final = ".lambdakit/connections.sqlite3"
MESSAGES_TABLE_ENV: Final = "MESSAGES_TABLE"
DEFAULT_MESSAGES_TABLE: Final = "chat-messages"
KEEP: Final = 50
CHANNEL: Final = "lobby"
# DynamoDB keeps no count: reads take the newest KEEP, and TTL deletes the rest in time.
DYNAMODB_RETENTION_SECONDS: Final = 7 * 24 * 3600


@dataclass(frozen=True)
class ChatMessage:
    name: str
    text: str
    at: str  # ISO-8601, UTC, millisecond precision: sorts as text

    @classmethod
    def now(cls, name: str, text: str) -> ChatMessage:
        at = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        return cls(name=name, text=text, at=at.replace("+00:00", "Z"))

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


class MessageStore(Protocol):
    def add(self, message: ChatMessage) -> None: ...

    def recent(self) -> list[ChatMessage]:
        """The newest ``KEEP`` messages, oldest first."""
        ...


class MemoryMessages:
    def __init__(self) -> None:
        self._messages: deque[ChatMessage] = deque(maxlen=KEEP)
        self._lock = threading.Lock()

    def add(self, message: ChatMessage) -> None:
        with self._lock:
            self._messages.append(message)

    def recent(self) -> list[ChatMessage]:
        with self._lock:
            return list(self._messages)


class SQLiteMessages:
    """A ``chat_messages`` table in the connection store's SQLite file; keeps the last ``KEEP``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10.0)
        db.execute("PRAGMA journal_mode=WAL")  # as the connection store: readers never block
        db.execute(
            "CREATE TABLE IF NOT EXISTS chat_messages ("
            "id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
            "text TEXT NOT NULL, at TEXT NOT NULL)"
        )
        return db

    def add(self, message: ChatMessage) -> None:
        with closing(self._connect()) as db, db:  # one transaction: insert, then trim
            db.execute(
                "INSERT INTO chat_messages (name, text, at) VALUES (?, ?, ?)",
                (message.name, message.text, message.at),
            )
            db.execute(
                "DELETE FROM chat_messages WHERE id NOT IN "
                "(SELECT id FROM chat_messages ORDER BY id DESC LIMIT ?)",
                (KEEP,),
            )

    def recent(self) -> list[ChatMessage]:
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT name, text, at FROM chat_messages ORDER BY id DESC LIMIT ?", (KEEP,)
            ).fetchall()
        return [ChatMessage(name=n, text=t, at=a) for n, t, a in reversed(rows)]


class DynamoDBMessages:
    """Messages in a DynamoDB table (boto3, imported on first use)."""

    def __init__(self, table_name: str, *, client: Any = None) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("dynamodb")
        return self._client

    def add(self, message: ChatMessage) -> None:
        self.client.put_item(
            TableName=self.table_name,
            Item={
                "channel": {"S": CHANNEL},
                "sk": {"S": f"{message.at}#{uuid.uuid4().hex[:8]}"},
                "name": {"S": message.name},
                "text": {"S": message.text},
                "at": {"S": message.at},
                "_ttl": {"N": str(int(time.time()) + DYNAMODB_RETENTION_SECONDS)},
            },
        )

    def recent(self) -> list[ChatMessage]:
        items = self.client.query(
            TableName=self.table_name,
            KeyConditionExpression="channel = :c",
            ExpressionAttributeValues={":c": {"S": CHANNEL}},
            ScanIndexForward=False,
            Limit=KEEP,
        )["Items"]
        return [
            ChatMessage(name=i["name"]["S"], text=i["text"]["S"], at=i["at"]["S"])
            for i in reversed(items)
        ]


def message_store() -> MessageStore:
    """The store the environment names (see the module docstring), one per location."""
    kind = (os.environ.get(STORE_ENV) or "dynamodb").strip().lower()
    if kind == "sqlite":
        return _store(kind, os.environ.get(SQLITE_PATH_ENV) or DEFAULT_SQLITE_PATH)
    if kind in ("memory", "dynamodb"):
        return _store(kind, os.environ.get(MESSAGES_TABLE_ENV) or DEFAULT_MESSAGES_TABLE)
    raise ValueError(f"{STORE_ENV} must be dynamodb, sqlite or memory, not {kind!r}")


@functools.cache
def _store(kind: str, location: str) -> MessageStore:
    if kind == "sqlite":
        return SQLiteMessages(location)
    if kind == "memory":
        return MemoryMessages()
    return DynamoDBMessages(location)
