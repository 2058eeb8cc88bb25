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


class ConnectionRecord:
    """A stored connection. Times are epoch seconds; ``crt`` is epoch milliseconds.

    Immutable; ``replace(**changes)`` gives a changed copy. (Written by hand rather than as a
    dataclass: ``dataclasses`` costs milliseconds of cold start.)
    """

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
            object.__setattr__(self, name, value)

    def alive(self, now: float) -> bool:
        return self.status == CONNECTED and self.ttl > now

    def replace(self, **changes: Any) -> ConnectionRecord:
        return ConnectionRecord(**{**self._asdict(), **changes})

    def _asdict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _FIELDS}

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"ConnectionRecord is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"ConnectionRecord is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConnectionRecord):
            return NotImplemented
        return self._asdict() == other._asdict()

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:  # copy, deepcopy and pickle
        return (ConnectionRecord, tuple(getattr(self, name) for name in _FIELDS))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS)
        return f"ConnectionRecord({fields})"


def __getattr__(name: str) -> object:
    # PEP 562: the protocol (typing machinery) loads only when someone asks for it.
    if name == "ConnectionStore":
        from lambdakit.websocket.stores.protocol import ConnectionStore

        return ConnectionStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
