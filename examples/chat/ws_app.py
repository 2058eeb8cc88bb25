"""The chat's WebSocket function, written with the seed's API as its README shows it.

Routes: ``$connect`` records the connection, ``$disconnect`` marks it gone, ``sendmessage``
(``{"action": "sendmessage", "name": ..., "text": ...}``) validates, stores and broadcasts the
message to every connection, ``$default`` answers anything else with an error. A room larger
than ``FAN_OUT_THRESHOLD`` is handed in batches to the broadcast function (``broadcast.py``).

The connections table is never created per connection: on AWS ``template.yaml`` creates it at
deploy time (so the function needs no ``CreateTable`` permission), and locally the SQLite store
creates its schema on first use. Call ``connection_manager.init_table()`` once yourself only for
a DynamoDB without the template (DynamoDB Local).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Final

from chainsaws.aws.lambda_client.event_handler.websocket import Middleware, WebSocketResolver
from chainsaws.aws.lambda_client.event_handler.websocket_connection import (
    APIGatewayWSConnectionManager,
)
from examples.chat.broadcast import FanOut
from examples.chat.messages import ChatMessage, message_store

logger = logging.getLogger(__name__)
MAX_NAME: Final = 40
MAX_TEXT: Final = 1000

connection_manager = APIGatewayWSConnectionManager(
    table_name=os.environ.get("CONNECTIONS_TABLE", "chat-connections"),
    partition="chat",
    connection_ttl=7200,
)
resolver = WebSocketResolver()


@resolver.middleware
class ConnectionTrackingMiddleware(Middleware):
    async def __call__(self, event, context, next_handler):
        if event["requestContext"]["routeKey"] != "$connect":
            await connection_manager.update_last_seen(event["requestContext"]["connectionId"])
        return await next_handler(event, context)


@resolver.on_connect()
async def handle_connect(event, context, connection_id):
    identity = event["requestContext"].get("identity") or {}
    return await connection_manager.connect(
        connection_id, client_data={"ip": identity.get("sourceIp")}
    )


@resolver.on_disconnect()
async def handle_disconnect(event, context, connection_id):
    return await connection_manager.disconnect(connection_id)


USAGE: Final = 'send {"action": "sendmessage", "name": "...", "text": "..."}'


def parse_message(body: Any) -> ChatMessage | str:
    """The message ``body`` carries, or what is wrong with it."""
    if not isinstance(body, dict):
        return USAGE
    name, text = body.get("name") or "", body.get("text")
    if not isinstance(name, str) or len(name.strip()) > MAX_NAME:
        return f"name must be text of at most {MAX_NAME} characters"
    if not isinstance(text, str) or not text.strip() or len(text.strip()) > MAX_TEXT:
        return f"text must be 1 to {MAX_TEXT} characters"
    return ChatMessage.now(name=name.strip() or "anonymous", text=text.strip())


def error(message: str) -> dict[str, Any]:
    """A 400 route response: its body reaches the sender on a two-way route."""
    return {"statusCode": 400, "type": "error", "message": message}


@resolver.on_message("sendmessage")
async def handle_send(event, context, connection_id, body):
    message = parse_message(body)
    if isinstance(message, str):
        return error(message)
    fan_out = FanOut.from_env()  # a bad setting fails before anything is stored
    await asyncio.to_thread(message_store().add, message)
    data = {"type": "message", **message.to_dict()}
    room = [c.connection_id for c in await connection_manager.list_connections()]
    if fan_out.applies(len(room)):  # too many for one invocation: batches, sent elsewhere
        batches = await connection_manager.sender(event).fan_out(
            data, room, function_name=fan_out.function_name, batch_size=fan_out.threshold
        )
        logger.info("chat: %d connections handed to %d batches", len(room), batches)
        return None
    results = await connection_manager.broadcast(data, connection_ids=room, event=event)
    failed = [r.connection_id for r in results if not r.ok and not r.gone]
    if failed:
        logger.warning("chat: %d of %d sends failed", len(failed), len(results))
    return None  # nothing back: the sender gets the broadcast like everyone else


@resolver.on_message("$default")
async def handle_other(event, context, connection_id, body):
    return error(f"unknown action: {USAGE}")


def handler(event, context):
    return resolver.resolve(event, context)
