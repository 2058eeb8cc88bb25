"""The events of a fan-out and their asynchronous invocations (``lambdakit.websocket.fan_out``
describes the design; ``WebSocketSender.fan_out`` is the way in)."""

from __future__ import annotations

import base64
import json
import math
from typing import Any, Final

from lambdakit import _async
from lambdakit._aws import client as aws_client

__all__ = ["MARKER", "MAX_EVENT_BYTES", "batch_events", "invoke_batches"]

#: The key that marks a batch event (its value names the format).
MARKER: Final = "lambdakit.websocket.fan_out"
#: Lambda's limit on the payload of an asynchronous invocation.
MAX_EVENT_BYTES: Final = 1024 * 1024


def batch_events(
    endpoint_url: str,
    payload: bytes,
    connection_ids: list[str],
    *,
    batch_size: int,
    account_rate: float,
    send_deadline: float,
) -> list[dict[str, Any]]:
    """The events of a fan-out: one per ``batch_size`` connections, each with its share of
    ``account_rate``."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if account_rate <= 0:
        raise ValueError("account_rate must be positive")
    count = math.ceil(len(connection_ids) / batch_size)
    data = base64.b64encode(payload).decode("ascii")
    return [
        {
            MARKER: 1,
            "endpoint": endpoint_url,
            "data": data,
            "connection_ids": connection_ids[start : start + batch_size],
            "rate": account_rate / count,
            "send_deadline": send_deadline,
        }
        for start in range(0, len(connection_ids), batch_size)
    ]


async def invoke_batches(
    endpoint_url: str,
    payload: bytes,
    connection_ids: list[str],
    *,
    function_name: str,
    send_deadline: float,
    batch_size: int = 1000,
    account_rate: float = 10_000.0,
    lambda_client: Any = None,
) -> int:
    """Invoke ``function_name`` once per batch (``Event``); the number of batches."""
    import asyncio

    events = batch_events(
        endpoint_url,
        payload,
        connection_ids,
        batch_size=batch_size,
        account_rate=account_rate,
        send_deadline=send_deadline,
    )
    bodies = [json.dumps(event, separators=(",", ":")).encode() for event in events]
    if any(len(body) > MAX_EVENT_BYTES for body in bodies):
        raise ValueError(f"a batch event is over {MAX_EVENT_BYTES} bytes: use a smaller batch_size")
    client = lambda_client
    if client is None:
        client = aws_client(
            "lambda",
            install_hint="Fanning out needs boto3: pip install 'lambdakit[dynamodb]'",
            max_pool_connections=_async.IO_THREADS,
        )

    def invoke(body: bytes) -> None:
        client.invoke(FunctionName=function_name, InvocationType="Event", Payload=body)

    await asyncio.gather(*(_async.run_blocking(invoke, body) for body in bodies))
    return len(bodies)
