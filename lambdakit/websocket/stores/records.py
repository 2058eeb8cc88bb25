"""``WebSocketConnection``: one WebSocket connection, as a store keeps it and the connection
manager returns it (``ConnectionRecord`` is the same class, under the name store authors use).
"""

from __future__ import annotations

from lambdakit._frozen import Frozen

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Any, Final, Literal

    Status = Literal["connected", "disconnected"]

__all__ = ["CONNECTED", "DISCONNECTED", "ConnectionRecord", "WebSocketConnection"]

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


# What ``to_dict`` gives: the fields an application reads.
_PUBLIC_FIELDS = (
    "connection_id",
    "status",
    "connected_at",
    "last_seen",
    "client_data",
    "partition",
    "expires_at",
)


class WebSocketConnection(Frozen):
    """A connection: ``connection_id``, ``partition``, ``status`` (``"connected"`` or
    ``"disconnected"``), ``connected_at``, ``last_seen``, ``disconnected_at`` and ``ttl`` /
    ``expires_at`` (epoch seconds), ``crt`` (creation, epoch milliseconds: the store's sort
    key) and ``client_data``.

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

    @property
    def expires_at(self) -> int:
        """When the record expires (epoch seconds): ``ttl``."""
        return self.ttl

    def alive(self, now: float) -> bool:
        return self.status == CONNECTED and self.ttl > now

    def to_dict(self) -> dict[str, Any]:
        """The fields an application reads, as a dict."""
        return {name: getattr(self, name) for name in _PUBLIC_FIELDS}


#: The name store authors use for the same class.
ConnectionRecord = WebSocketConnection
