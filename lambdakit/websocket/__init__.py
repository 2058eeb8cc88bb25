"""WebSocket APIs on API Gateway: routing, connection state and sending to clients."""

from __future__ import annotations

from lambdakit.websocket.connections import APIGatewayWSConnectionManager, WebSocketConnection
from lambdakit.websocket.resolver import Middleware, WebSocketResolver

__all__ = [
    "APIGatewayWSConnectionManager",
    "Middleware",
    "WebSocketConnection",
    "WebSocketResolver",
]
