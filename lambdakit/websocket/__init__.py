"""WebSocket APIs on API Gateway: routing, connection state and sending to clients.

The resolver imports on its own: connection state (and its stores) loads only when a name
from it is first used, so a function that only routes pays for nothing else.
"""

from __future__ import annotations

from lambdakit.websocket.resolver import Middleware, WebSocketResolver

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from lambdakit.websocket.connections import (
        APIGatewayWSConnectionManager,
        WebSocketConnection,
    )

__all__ = [
    "APIGatewayWSConnectionManager",
    "Middleware",
    "WebSocketConnection",
    "WebSocketResolver",
]


def __getattr__(name: str) -> object:
    # PEP 562: the connection manager is imported on first use.
    if name in ("APIGatewayWSConnectionManager", "WebSocketConnection"):
        from lambdakit.websocket import connections

        return getattr(connections, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
