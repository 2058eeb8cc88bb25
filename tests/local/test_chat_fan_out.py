"""The chat example served from its template by ``lambdakit serve``, with a fan-out threshold
low enough that a broadcast goes through batches: the WebSocket function hands them to the local
Invoke API (``InvocationType="Event"``), and each runs in a worker of the broadcast function."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("awslambdaric")
pytest.importorskip("boto3")
websockets = pytest.importorskip("websockets")

from tests.local.conftest import ROOT  # noqa: E402
from tests.local.servers import Served  # noqa: E402

TEMPLATE = ROOT / "examples" / "chat" / "template.yaml"
THRESHOLD = 5
LARGE_ROOM = 12  # three batches: 5, 5 and 2
BATCH_LOG = "Invoke ChatBroadcastFunction Event 202"


@pytest.fixture
def served(tmp_path: Any) -> Iterator[Served]:
    server = Served(TEMPLATE, tmp_path, "--parameter-overrides", f"FanOutThreshold={THRESHOLD}")
    try:
        server.wait_until_listening()
        yield server
    finally:
        server.stop()


async def _frames(socket: Any) -> list[dict[str, Any]]:
    """What ``socket`` receives: the first frame, then any more until a quiet second (so a
    second copy of a message would be seen)."""
    received = [json.loads(await asyncio.wait_for(socket.recv(), 30))]
    while True:
        try:
            frame = await asyncio.wait_for(socket.recv(), 1)
        except TimeoutError:
            return received
        received.append(json.loads(frame))


async def _send(sockets: list[Any], text: str) -> list[list[dict[str, Any]]]:
    """``text`` sent by the first client; what every client receives."""
    await sockets[0].send(json.dumps({"action": "sendmessage", "name": "Ada", "text": text}))
    return list(await asyncio.gather(*(_frames(socket) for socket in sockets)))


async def _chat(url: str) -> tuple[list[list[dict[str, Any]]], list[list[dict[str, Any]]]]:
    """A room at the threshold, then the same room grown past it: what each client received."""
    sockets = [await websockets.connect(url) for _ in range(THRESHOLD)]
    try:
        small = await _send(sockets, "small room")
        sockets += [await websockets.connect(url) for _ in range(LARGE_ROOM - THRESHOLD)]
        large = await _send(sockets, "large room")
    finally:
        await asyncio.gather(*(socket.close() for socket in sockets))
    return small, large


def _texts(received: list[list[dict[str, Any]]]) -> list[list[tuple[str, str, str]]]:
    return [[(f["type"], f["name"], f["text"]) for f in frames] for frames in received]


def test_a_room_past_the_threshold_is_sent_to_by_batches_of_event_invocations(served):
    small, large = asyncio.run(_chat(f"ws://127.0.0.1:{served.port}/prod"))
    log = served.log()

    # At the threshold: sent by the WebSocket function itself, once to each client.
    assert _texts(small) == [[("message", "Ada", "small room")]] * THRESHOLD, log[-4000:]
    # Past it: three batches, each an Event invocation of the broadcast function run in its
    # worker; still once to each client.
    assert _texts(large) == [[("message", "Ada", "large room")]] * LARGE_ROOM
    assert log.count(BATCH_LOG) == 3, log[-4000:]
    assert log.count('"function": "ChatBroadcastFunction"}') >= 3 * 3  # START, END, REPORT
    assert "REPORT RequestId" in log.split(BATCH_LOG, 1)[1]
