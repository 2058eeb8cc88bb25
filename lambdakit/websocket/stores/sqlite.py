"""``SQLiteStore``: connection records in a SQLite file, the embedded default for local work.

Safe across processes: the database runs in WAL mode with a busy timeout, and every
conditional write is a single ``UPDATE ... WHERE status = 'connected' AND ttl > now``, which
SQLite applies atomically. Calls run in worker threads, so the event loop never blocks.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

from lambdakit import _async
from lambdakit.errors import StoreError
from lambdakit.websocket.stores.records import CONNECTED, DISCONNECTED, ConnectionRecord

_T = TypeVar("_T")

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS connections (
    partition TEXT NOT NULL,
    connection_id TEXT NOT NULL,
    crt INTEGER NOT NULL,
    status TEXT NOT NULL,
    connected_at REAL NOT NULL,
    last_seen REAL NOT NULL,
    ttl INTEGER NOT NULL,
    client_data TEXT,
    disconnected_at REAL,
    PRIMARY KEY (partition, connection_id)
);
CREATE INDEX IF NOT EXISTS connections_by_status ON connections (partition, status, crt);
CREATE INDEX IF NOT EXISTS connections_by_ttl ON connections (ttl);
"""
_SETUP_LOCK = threading.Lock()
_COLUMNS: Final = (
    "connection_id, partition, crt, status, connected_at, last_seen, ttl, "
    "client_data, disconnected_at"
)

__all__ = ["SQLiteStore"]


class SQLiteStore:
    """Keeps records in the SQLite database at ``path`` (created with its folder)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._ready = False

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # Private to the user: the folder 0700 when created here, the file 0600 (an older
            # one too); SQLite gives its -wal and -shm files the database file's mode.
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                os.fchmod(descriptor, 0o600)
            finally:
                os.close(descriptor)
            connection = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None
            )  # autocommit statements
            self._local.connection = connection
        if not self._ready:
            with _SETUP_LOCK:
                if not self._ready:
                    self._set_up(connection)
                    self._ready = True
        return connection

    def _set_up(self, connection: sqlite3.Connection) -> None:
        # Switching to WAL can fail at once with "database is locked" while another process
        # opens the file (SQLite's busy handler does not cover it): retry for a while.
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                connection.executescript(_SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    async def _run(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        try:
            return await _async.run_blocking(lambda: work(self._connection()))
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"SQLite store {str(self.path)!r} failed: {error}", error) from error

    async def init(self) -> None:
        await self._run(lambda db: None)

    async def put(self, record: ConnectionRecord) -> None:
        def write(db: sqlite3.Connection) -> None:
            db.execute(
                f"INSERT OR REPLACE INTO connections ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)",  # noqa: S608
                (
                    record.connection_id,
                    record.partition,
                    record.crt,
                    record.status,
                    record.connected_at,
                    record.last_seen,
                    record.ttl,
                    None if record.client_data is None else json.dumps(record.client_data),
                    record.disconnected_at,
                ),
            )
            # Expired rows are gone for every read already; sweep them out now and then.
            db.execute("DELETE FROM connections WHERE ttl <= ?", (int(record.connected_at),))

        await self._run(write)

    async def get(self, partition: str, connection_id: str, now: float) -> ConnectionRecord | None:
        def read(db: sqlite3.Connection) -> ConnectionRecord | None:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM connections "  # noqa: S608
                "WHERE partition = ? AND connection_id = ? AND ttl > ?",
                (partition, connection_id, now),
            ).fetchone()
            return None if row is None else _record(row)

        return await self._run(read)

    async def touch(self, partition: str, connection_id: str, now: float, ttl: int) -> bool:
        return await self._update(
            "SET last_seen = ?, ttl = ?", (now, ttl), partition, connection_id, now
        )

    async def disconnect(self, partition: str, connection_id: str, now: float) -> bool:
        return await self._update(
            "SET status = ?, disconnected_at = ?",
            (DISCONNECTED, now),
            partition,
            connection_id,
            now,
        )

    async def _update(
        self,
        assignments: str,
        values: tuple[Any, ...],
        partition: str,
        connection_id: str,
        now: float,
    ) -> bool:
        def write(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                f"UPDATE connections {assignments} "
                "WHERE partition = ? AND connection_id = ? AND status = ? AND ttl > ?",
                (*values, partition, connection_id, CONNECTED, now),
            )
            return cursor.rowcount == 1

        return await self._run(write)

    async def list_connected(self, partition: str, now: float) -> list[ConnectionRecord]:
        def read(db: sqlite3.Connection) -> list[ConnectionRecord]:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM connections "  # noqa: S608
                "WHERE partition = ? AND status = ? AND ttl > ? ORDER BY crt",
                (partition, CONNECTED, now),
            ).fetchall()
            return [_record(row) for row in rows]

        return await self._run(read)


def _record(row: tuple[Any, ...]) -> ConnectionRecord:
    (
        connection_id,
        partition,
        crt,
        status,
        connected_at,
        last_seen,
        ttl,
        client_data,
        disconnected_at,
    ) = row
    return ConnectionRecord(
        connection_id=connection_id,
        partition=partition,
        crt=crt,
        status=status,
        connected_at=connected_at,
        last_seen=last_seen,
        ttl=ttl,
        client_data=None if client_data is None else json.loads(client_data),
        disconnected_at=disconnected_at,
    )
