"""Broadcast past one invocation: batches of connections handed to other invocations.

One invocation sends at most a few thousand messages a second (one vCPU, and each call a round
trip); API Gateway's account limit for ``@connections`` is 10,000 calls a second in most
regions. ``WebSocketSender.fan_out`` splits the connections into batches and hands each to an
asynchronous invocation (``lambda.invoke``, ``InvocationType="Event"``) of a function whose
handler runs them with ``handle_batch``. The account limit is a budget the batches share: each
paces itself at ``account_rate / batches`` (and slower if 429s say so), so together they
approach the limit without a coordinator.

Limits, by design:

- **At least once.** Lambda retries a failed asynchronous invocation (twice by default), and a
  batch cut short (timeout, crash) is retried whole: a client may get a message twice.
  ``handle_batch`` reports per-connection failures in its result rather than raising, so a
  throttled or gone connection does not make Lambda send the whole batch again.
- **No order across batches.** Batches run in parallel; two fan-outs of consecutive messages
  may reach a client in either order. Within a batch, one message per connection.
- **A budget, not a meter.** The share assumes the batches run at once and nothing else uses
  the limit; the 429 pacing covers the rest (the API's own calls, overlapping fan-outs).
- **Payload.** One event carries the message (base64) and the batch's ids: at most 1 MB, the
  limit of an asynchronous invocation.
"""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

from lambdakit import _async
from lambdakit.websocket._batches import MARKER, MAX_EVENT_BYTES, batch_events

TYPE_CHECKING = False
if TYPE_CHECKING:
    from lambdakit.websocket.messaging import _OnGone

__all__ = ["MARKER", "MAX_EVENT_BYTES", "batch_events", "handle_batch", "is_batch", "run_batch"]


def is_batch(event: Any) -> bool:
    """Whether ``event`` is a fan-out batch (for a handler that also serves other events)."""
    return isinstance(event, dict) and MARKER in event


async def run_batch(
    event: dict[str, Any],
    *,
    on_gone: _OnGone | None = None,
    client: Any = None,
    max_concurrency: int = 128,
) -> dict[str, Any]:
    """Send one batch; a summary: ``sent``, ``gone``, ``failed`` and ``failures`` by error."""
    from lambdakit.websocket.messaging import WebSocketSender

    if not is_batch(event):
        raise ValueError("not a fan-out batch event")
    sender = WebSocketSender(
        event["endpoint"],
        on_gone=on_gone,
        client=client,
        max_concurrency=max_concurrency,
        send_deadline=float(event["send_deadline"]),
        max_rate=float(event["rate"]),
    )
    with sender:
        results = await sender.broadcast(
            base64.b64decode(event["data"]), list(event["connection_ids"])
        )
    failed = [r for r in results if not r.ok and not r.gone]
    return {
        "sent": sum(r.ok for r in results),
        "gone": sum(r.gone for r in results),
        "failed": len(failed),
        "failures": dict(Counter(str(r.error) for r in failed)),
    }


def handle_batch(event: dict[str, Any], **options: Any) -> dict[str, Any]:
    """``run_batch`` from a synchronous Lambda handler::

    def handler(event, context):
        if fan_out.is_batch(event):
            return fan_out.handle_batch(event)
        return app(event, context)
    """
    result: dict[str, Any] = _async.run_sync(run_batch(event, **options))
    return result
