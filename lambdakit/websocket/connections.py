"""``APIGatewayWSConnectionManager``: WebSocket connection state, with a TTL, in a store.

The store is DynamoDB by default (the seed's table layout; see ``stores/dynamodb.py``); the
environment can choose another without a code change (``stores.store_from_env``). Every method
is async and never blocks the event loop.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping

from lambdakit import _json
from lambdakit._logger import logger
from lambdakit.websocket.stores import store_from_env
from lambdakit.websocket.stores.records import CONNECTED, WebSocketConnection

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Any

    from lambdakit.websocket.messaging import SendResult, WebSocketSender
    from lambdakit.websocket.stores.protocol import ConnectionStore

__all__ = ["APIGatewayWSConnectionManager", "WebSocketConnection"]


class APIGatewayWSConnectionManager:
    """Connection state for a WebSocket API: connect, disconnect, look up, track, list.

    ``partition`` separates record sets sharing one table (records of another partition are
    never returned). ``connection_ttl`` (seconds) is how long a record lives after it was last
    seen; past it, the connection reads as gone even before DynamoDB deletes the item.
    ``store`` overrides the store chosen from the environment; ``management_client`` (a boto3
    ``apigatewaymanagementapi`` client) the one ``send`` and ``broadcast`` would make.
    """

    def __init__(
        self,
        table_name: str,
        partition: str = "websocket_status",
        connection_ttl: int = 7200,
        *,
        store: ConnectionStore | None = None,
        clock: Callable[[], float] = time.time,
        management_client: Any = None,
    ) -> None:
        if not isinstance(table_name, str) or not table_name:
            raise ValueError("table_name must be a non-empty string")
        if not isinstance(partition, str) or not partition:
            raise ValueError("partition must be a non-empty string")
        if type(connection_ttl) is not int or connection_ttl <= 0:
            raise ValueError("connection_ttl must be a positive number of seconds")
        self.table_name = table_name
        self.partition = partition
        self.connection_ttl = connection_ttl
        self._store = store
        self._clock = clock
        self._senders: dict[str, WebSocketSender] = {}
        self._management_client = management_client

    @property
    def store(self) -> ConnectionStore:
        # Chosen on first use: constructing a manager at import time does no I/O.
        if self._store is None:
            self._store = store_from_env(self.table_name)
        return self._store

    async def init_table(self) -> None:
        """Create the table (or file) with what listing needs, and TTL; idempotent."""
        await self.store.init()

    async def connect(
        self, connection_id: str, client_data: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Record a new connection. Returns a 200 result a ``$connect`` handler can return."""
        _check_id(connection_id)
        data = _json_object(client_data)
        now = self._clock()
        await self.store.put(
            WebSocketConnection(
                connection_id=connection_id,
                partition=self.partition,
                crt=int(now * 1000),
                status=CONNECTED,
                connected_at=now,
                last_seen=now,
                ttl=int(now) + self.connection_ttl,
                client_data=data,
            )
        )
        return {"statusCode": 200, "body": _json.dumps({"message": "Connected"})}

    async def disconnect(self, connection_id: str) -> dict[str, Any]:
        """Mark a connection disconnected (idempotent). Returns a 200 result a
        ``$disconnect`` handler can return."""
        _check_id(connection_id)
        await self.store.disconnect(self.partition, connection_id, self._clock())
        return {"statusCode": 200, "body": _json.dumps({"message": "Disconnected"})}

    async def get_connection(
        self, connection_id: str, *, include_disconnected: bool = False
    ) -> WebSocketConnection | None:
        """The connection, or ``None`` if it is unknown, expired or (unless asked for)
        disconnected."""
        _check_id(connection_id)
        record = await self.store.get(self.partition, connection_id, self._clock())
        if record is None or (record.status != CONNECTED and not include_disconnected):
            return None
        return record

    async def update_last_seen(self, connection_id: str) -> bool:
        """Note activity and extend the TTL. On an unknown, expired or disconnected connection
        nothing changes, and it returns ``False`` (and logs it) instead of raising."""
        _check_id(connection_id)
        now = self._clock()
        updated = await self.store.touch(
            self.partition, connection_id, now, int(now) + self.connection_ttl
        )
        if not updated:
            logger.info(
                "update_last_seen: connection %s is not connected",
                connection_id,
                extra={"connection_id": connection_id, "partition": self.partition},
            )
        return updated

    async def list_connections(self) -> list[WebSocketConnection]:
        """Every connected, unexpired connection of this partition (oldest first)."""
        return await self.store.list_connected(self.partition, self._clock())

    # -- sending -------------------------------------------------------------------------------

    def sender(
        self, event: Mapping[str, Any] | None = None, *, endpoint_url: str | None = None
    ) -> WebSocketSender:
        """The ``WebSocketSender`` for the API stage of ``event`` (or ``endpoint_url``, or
        ``LAMBDAKIT_WS_ENDPOINT``); a connection found gone is marked disconnected here."""
        from lambdakit.websocket.messaging import WebSocketSender, resolve_endpoint

        endpoint = resolve_endpoint(endpoint_url, event)
        sender = self._senders.get(endpoint)
        if sender is None:
            sender = self._senders[endpoint] = WebSocketSender(
                endpoint, on_gone=self.disconnect, client=self._management_client
            )
        return sender

    async def send(
        self,
        connection_id: str,
        data: Any,
        *,
        event: Mapping[str, Any] | None = None,
        endpoint_url: str | None = None,
    ) -> SendResult:
        """Send ``data`` (JSON value, text or bytes) to one connection."""
        _check_id(connection_id)
        return await self.sender(event, endpoint_url=endpoint_url).send(connection_id, data)

    async def broadcast(
        self,
        data: Any,
        *,
        connection_ids: list[str] | None = None,
        event: Mapping[str, Any] | None = None,
        endpoint_url: str | None = None,
    ) -> list[SendResult]:
        """Send ``data`` to ``connection_ids``, or to every connection of this partition."""
        sender = self.sender(event, endpoint_url=endpoint_url)
        if connection_ids is None:
            connection_ids = [c.connection_id for c in await self.list_connections()]
        return await sender.broadcast(data, connection_ids)


def _json_object(data: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``client_data`` as every store keeps it: a JSON object, checked before any write."""
    if data is None:
        return None
    if not isinstance(data, Mapping):
        raise TypeError("client_data must be a mapping (a dict)")
    try:
        plain = json.loads(json.dumps(data, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"client_data must be JSON (strings, numbers, lists, dicts): {error}"
        ) from None
    _check_storable(plain, 1)
    return plain  # type: ignore[no-any-return]


# What every store can keep: DynamoDB's limits (32 levels, 38 digits, 1e-130 to 1e126).
_MAX_DEPTH = 32
_MAX_INT = 10**38 - 1


def _check_storable(value: Any, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise TypeError(f"client_data is nested more than {_MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        for item in value.values():
            _check_storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_storable(item, depth + 1)
    elif isinstance(value, bool) or value is None or isinstance(value, str):
        return
    elif isinstance(value, int):
        if abs(value) > _MAX_INT:
            raise TypeError("client_data holds an integer of more than 38 digits")
    elif isinstance(value, float) and value != 0 and not 1e-130 <= abs(value) < 1e126:
        raise TypeError("client_data holds a number outside 1e-130 to 1e126")


def _check_id(connection_id: Any) -> None:
    if not isinstance(connection_id, str) or not connection_id:
        raise ValueError("connection_id must be a non-empty string")
