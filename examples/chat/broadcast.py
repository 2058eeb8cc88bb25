"""The chat's broadcast function: one batch of a large room's fan-out.

The WebSocket function (``ws_app.py``) sends a message to a room of up to
``FAN_OUT_THRESHOLD`` connections itself. A larger room is more than one invocation should
send to: it splits the connections into batches of that many and hands each batch to an
asynchronous invocation of this function (``lambda.invoke``, ``InvocationType="Event"``;
``BROADCAST_FUNCTION`` names it), which sends at its share of the account's ``@connections``
limit (``lambdakit.websocket.fan_out``). Without ``BROADCAST_FUNCTION`` every room is sent
to in-process.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Final

from chainsaws.aws.lambda_client.event_handler.websocket_connection import (
    APIGatewayWSConnectionManager,
)
from lambdakit.websocket import fan_out

logger = logging.getLogger(__name__)
FUNCTION_ENV: Final = "BROADCAST_FUNCTION"
THRESHOLD_ENV: Final = "FAN_OUT_THRESHOLD"
DEFAULT_THRESHOLD: Final = 1000

# The WebSocket function's table and partition: a connection found gone is marked disconnected.
connection_manager = APIGatewayWSConnectionManager(
    table_name=os.environ.get("CONNECTIONS_TABLE", "chat-connections"),
    partition="chat",
    connection_ttl=7200,
)


@dataclass(frozen=True)
class FanOut:
    """Where a large room's batches go (``function_name``; empty: nowhere) and how large a
    room one invocation sends to itself (``threshold``, also the size of a batch)."""

    function_name: str
    threshold: int

    @classmethod
    def from_env(cls) -> FanOut:
        raw = os.environ.get(THRESHOLD_ENV) or str(DEFAULT_THRESHOLD)
        try:
            threshold = int(raw)
        except ValueError:
            threshold = 0
        if threshold < 1:
            raise ValueError(f"{THRESHOLD_ENV} must be a whole number of at least 1, not {raw!r}")
        return cls(function_name=os.environ.get(FUNCTION_ENV, ""), threshold=threshold)

    def applies(self, room_size: int) -> bool:
        return bool(self.function_name) and room_size > self.threshold


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Send one batch; its summary (``sent``, ``gone``, ``failed``, ``failures``).

    Failures are reported, not raised: Lambda would retry the whole batch, and clients that
    already have the message would get it twice."""
    if not fan_out.is_batch(event):
        raise ValueError("not a fan-out batch: this function only sends the chat's batches")
    summary = fan_out.handle_batch(event, on_gone=connection_manager.disconnect)
    if summary["failed"]:
        logger.warning("chat batch: %d sends failed: %s", summary["failed"], summary["failures"])
    return summary
