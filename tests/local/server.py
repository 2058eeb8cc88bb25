"""A real local gateway on 127.0.0.1, served by uvicorn in a background thread: what the
``serve`` fixture starts, and what other test folders start for a module."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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


@contextlib.contextmanager
def running_gateway(config: GatewayConfig) -> Iterator[RunningGateway]:
    """Start a gateway for ``config``; stop it, and restore the environment, on exit."""
    from lambdakit.local.cli import prepare_environment

    saved_environment = dict(os.environ)  # prepare_environment() sets variables for handlers
    port = free_port()
    for name in ("LAMBDAKIT_WS_ENDPOINT", "LAMBDAKIT_CONNECTION_STORE"):
        os.environ.pop(name, None)
    os.environ["LAMBDAKIT_CONNECTION_STORE"] = "memory"
    prepare_environment("127.0.0.1", port, config.stage)
    # In-process: the tests read what the handlers recorded (tests.local.apps).
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
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the local gateway did not start")
            time.sleep(0.01)
        yield RunningGateway(port, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        os.environ.clear()
        os.environ.update(saved_environment)
