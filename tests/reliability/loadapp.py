"""The small app ``scripts/load`` serves with ``python -m lambdakit serve``.

HTTP (``--http tests.reliability.loadapp:http``): ``GET /ping`` answers a small JSON envelope;
``POST /size`` the number of bytes it received; ``/crash`` raises.

WebSocket (``--websocket tests.reliability.loadapp:websocket``): ``$connect`` / ``$disconnect``
keep the connection in the manager's store (the embedded SQLite store under ``lambdakit
serve``); ``{"action": "broadcast", "seq": n}`` sends ``{"type": "broadcast", "seq": n}`` to every
connection through ``@connections`` (``manager.broadcast``) and answers with the counts;
``{"action": "count"}`` answers how many connections the store lists.
"""

from __future__ import annotations

from typing import Any

from lambdakit import aws_lambda_handler, get_body
from lambdakit.websocket import APIGatewayWSConnectionManager, WebSocketResolver

manager = APIGatewayWSConnectionManager("load-connections", partition="load")
resolver = WebSocketResolver()


@aws_lambda_handler()
def http(event: dict[str, Any], context: Any) -> Any:
    path = event.get("path") or event.get("rawPath")
    if path == "/size":
        return {"bytes": len(event.get("body") or "")}
    if path == "/crash":
        raise RuntimeError("boom: an internal detail")
    if path == "/echo":
        return {"body": get_body(event)}
    return {"pong": True}


@resolver.on_connect()
async def on_connect(event: Any, context: Any, connection_id: str) -> Any:
    return await manager.connect(connection_id)


@resolver.on_disconnect()
async def on_disconnect(event: Any, context: Any, connection_id: str) -> Any:
    return await manager.disconnect(connection_id)


@resolver.on_message("broadcast")
async def on_broadcast(event: Any, context: Any, connection_id: str, body: Any) -> Any:
    results = await manager.broadcast({"type": "broadcast", "seq": body["seq"]}, event=event)
    return {
        "type": "result",
        "seq": body["seq"],
        "sent": sum(r.ok for r in results),
        "gone": sum(r.gone for r in results),
        "failed": sum(not r.ok and not r.gone for r in results),
    }


@resolver.on_message("count")
async def on_count(event: Any, context: Any, connection_id: str, body: Any) -> Any:
    return {"type": "count", "connections": len(await manager.list_connections())}


def websocket(event: Any, context: Any) -> Any:
    return resolver.resolve(event, context)
