"""A real local gateway on 127.0.0.1, served by uvicorn in a background thread."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

pytest.importorskip("uvicorn")

from lambdakit.local.config import GatewayConfig
from tests.local.server import ROOT, RunningGateway, free_port, running_gateway

__all__ = ["ROOT", "RunningGateway", "free_port"]


@pytest.fixture
def serve() -> Iterator[Callable[[GatewayConfig], RunningGateway]]:
    """``serve(config)`` starts a gateway and returns where it listens; stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(config: GatewayConfig) -> RunningGateway:
            try:
                return stack.enter_context(running_gateway(config))
            except RuntimeError as error:
                pytest.fail(str(error))

        yield start
