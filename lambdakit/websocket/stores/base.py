"""What the connection manager needs from a store, and the record it keeps.

A store keeps one record per WebSocket connection, keyed by the connection id as API Gateway
gives it plus ``crt`` (creation time, epoch milliseconds): DynamoDB's ``connection_id`` /
``_crt`` key. Every read treats a record whose ``ttl`` (epoch seconds) has passed as gone, even
before the backing store deletes it. Writes that must not bring back a disconnected connection
are conditional: they change a record only while it is ``connected`` and unexpired.

Implementations: ``MemoryStore`` (tests), ``SQLiteStore`` (the embedded default for local
development), ``DynamoDBStore`` (AWS). One contract test suite runs against all three.
"""

from __future__ import annotations

from lambdakit._frozen import Frozen

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Any, Final, Literal

    from lambdakit.websocket.stores.protocol import ConnectionStore as ConnectionStore

    Status = Literal["connected", "disconnected"]

CONNECTED: Final = "connected"
DISCONNECTED: Final = "disconnected"

_FIELDS = (
    "connection_id",
    "partition",
    "crt",
    "status",
    "connected_at",
    "last_seen",
    "ttl",
    "client_data",
    "disconnected_at",
)


class ConnectionRecord(Frozen):
    """A stored connection. Times are epoch seconds; ``crt`` is epoch milliseconds.

    Immutable; ``replace(**changes)`` gives a changed copy.
    """

    _fields = _FIELDS
    __slots__ = _FIELDS

    connection_id: str
    partition: str
    crt: int
    status: Status
    connected_at: float
    last_seen: float
    ttl: int
    client_data: dict[str, Any] | None
    disconnected_at: float | None

    def __init__(
        self,
        connection_id: str,
        partition: str,
        crt: int,
        status: Status,
        connected_at: float,
        last_seen: float,
        ttl: int,
        client_data: dict[str, Any] | None = None,
        disconnected_at: float | None = None,
    ) -> None:
        values = (
            connection_id,
            partition,
            crt,
            status,
            connected_at,
            last_seen,
            ttl,
            client_data,
            disconnected_at,
        )
        for name, value in zip(_FIELDS, values, strict=True):
            self._set(name, value)

    def alive(self, now: float) -> bool:
        return self.status == CONNECTED and self.ttl > now


def __getattr__(name: str) -> object:
    # PEP 562: the protocol (typing machinery) loads only when someone asks for it.
    if name == "ConnectionStore":
        from lambdakit.websocket.stores.protocol import ConnectionStore

        return ConnectionStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
