"""``invoke_within``: API Gateway's integration timeout around an invocation, the function left
running on (its outcome collected, whoever stopped waiting)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Awaitable, Callable

import pytest

from lambdakit.local.config import FunctionRef
from lambdakit.local.invoker import (
    FunctionError,
    FunctionTimeout,
    IntegrationTimeout,
    Invocation,
    invoke_within,
)


class _Scripted:
    """An invoker whose invocation takes ``delay`` seconds, then answers or raises ``error``."""

    def __init__(self, delay: float, error: Exception | None = None) -> None:
        self.delay, self.error = delay, error

    async def invoke(self, function: FunctionRef, event: object) -> Invocation:
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return Invocation("r1", {"ok": True})

    def close(self) -> None:
        pass


def _run_reporting(scenario: Callable[[], Awaitable[None]]) -> list[str]:
    reported: list[str] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: reported.append(context["message"])
        )
        await scenario()
        await asyncio.sleep(0.1)  # the abandoned invocation ends, nobody awaiting it
        gc.collect()
        await asyncio.sleep(0)

    asyncio.run(main())
    gc.collect()
    return reported


def test_an_answer_within_the_deadline_is_returned():
    function = FunctionRef("app:handler", 60)
    result = asyncio.run(invoke_within(_Scripted(0), function, {}, 1))
    assert result.result == {"ok": True}


def test_past_the_deadline_is_an_integration_timeout_and_the_outcome_is_collected():
    failing = _Scripted(0.05, FunctionError("r1", "Runtime.Error", "boom"))

    async def scenario() -> None:
        with pytest.raises(IntegrationTimeout):
            await invoke_within(failing, FunctionRef("app:handler", 60), {}, 0.01)

    assert not [m for m in _run_reporting(scenario) if "never retrieved" in m]


def test_a_cancelled_caller_leaves_no_unretrieved_exception():
    failing = _Scripted(0.05, FunctionError("r1", "Runtime.Error", "boom"))

    async def scenario() -> None:
        waiting = asyncio.ensure_future(
            invoke_within(failing, FunctionRef("app:handler", 60), {}, 29)
        )
        await asyncio.sleep(0.01)
        waiting.cancel()

    assert not [m for m in _run_reporting(scenario) if "never retrieved" in m]


@pytest.mark.parametrize(("timeout", "raised"), [(60, IntegrationTimeout), (3, FunctionTimeout)])
def test_a_function_timeout_is_the_gateways_when_it_is_no_shorter(timeout, raised):
    """A function that times out at or past the deadline: API Gateway's 504; one with a
    shorter timeout of its own: the function's failure."""
    timing_out = _Scripted(0, FunctionTimeout("r1"))
    function = FunctionRef("app:handler", timeout)
    with pytest.raises(raised):
        asyncio.run(invoke_within(timing_out, function, {}, 29))
