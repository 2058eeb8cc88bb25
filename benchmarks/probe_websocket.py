"""Probe (lambdakit's venv): ``WebSocketResolver.resolve`` for a message route, µs per call,
with a sync handler, an async one, and an async one behind one async middleware; a
hand-written dispatch as the floor. Run as ``python -m benchmarks.probe_websocket``."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.events import websocket_event
from benchmarks.runner import probe_main
from benchmarks.warm import Handler, measure_one
from lambdakit.websocket import Middleware, WebSocketResolver

Next = Callable[[Any, Any], Awaitable[Any]]


def raw(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """What one writes without a library: route by key, parse the body, answer."""
    if event["requestContext"]["routeKey"] == "chat":
        body = json.loads(event["body"])
        return {"statusCode": 200, "body": json.dumps({"echo": body["message"]})}
    return {"statusCode": 403}


def _sync_resolver() -> WebSocketResolver:
    resolver = WebSocketResolver()

    @resolver.on_message("chat")
    def chat(event: Any, context: Any, connection_id: str, body: Any) -> dict[str, Any]:
        return {"echo": body["message"]}

    return resolver


def _async_resolver(middleware: bool) -> WebSocketResolver:
    resolver = WebSocketResolver()

    @resolver.on_message("chat")
    async def chat(event: Any, context: Any, connection_id: str, body: Any) -> dict[str, Any]:
        return {"echo": body["message"]}

    if middleware:

        class PassThrough(Middleware):
            async def __call__(self, event: Any, context: Any, next_handler: Next) -> Any:
                return await next_handler(event, context)

        resolver.middleware(PassThrough)
    return resolver


def measure(settings: dict[str, Any]) -> dict[str, Any]:
    event = websocket_event()
    subjects: dict[str, Handler] = {
        "raw": raw,
        "sync": _sync_resolver().resolve,
        "async": _async_resolver(middleware=False).resolve,
        "async_middleware": _async_resolver(middleware=True).resolve,
    }
    return {
        name: measure_one(h, event, "Hello from client", settings) for name, h in subjects.items()
    }


if __name__ == "__main__":
    probe_main(measure)
