"""A real local gateway on 127.0.0.1, served by uvicorn in a background thread."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("uvicorn")

import uvicorn

from lambdakit.local.app import LocalGateway
from lambdakit.local.config import GatewayConfig
from lambdakit.local.invoker import InProcessInvoker
from lambdakit.local.server import uvicorn_options

ROOT = Path(__file__).resolve().parents[2]
# Function environments and the local CA of the tests: made once, kept out of ~/.cache.
os.environ.setdefault("LAMBDAKIT_CACHE_DIR", str(ROOT / ".cache" / "lambdakit"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningGateway:
    port: int
    app: LocalGateway

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/{self.app.config.stage}"

    @property
    def management(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.app.config.stage}"


@pytest.fixture
def serve(monkeypatch) -> Iterator[Callable[[GatewayConfig], RunningGateway]]:
    """``serve(config)`` starts a gateway and returns where it listens; stopped after the test."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []
    saved_environment = dict(os.environ)  # prepare_environment() sets variables for handlers

    def start(config: GatewayConfig) -> RunningGateway:
        port = free_port()
        from lambdakit.local.cli import prepare_environment

        for name in ("LAMBDAKIT_WS_ENDPOINT", "LAMBDAKIT_CONNECTION_STORE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "memory")
        prepare_environment("127.0.0.1", port, config.stage)
        # In-process: these tests read what the handlers recorded (tests.local.apps).
        app = LocalGateway(config, InProcessInvoker())
        server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=port,
                log_level="warning",
                lifespan="on",
                **uvicorn_options(config),  # as `lambdakit serve` runs it
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                pytest.fail("the local gateway did not start")
            time.sleep(0.01)
        servers.append((server, thread))
        return RunningGateway(port, app)

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)
    os.environ.clear()
    os.environ.update(saved_environment)
