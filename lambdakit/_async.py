"""The one seam between Lambda's synchronous entry point and async handlers.

``asyncio`` is imported only when something async actually runs, so a synchronous handler
never pays for it. Coroutines run on one event loop kept for the life of the container (as a
warm Lambda is reused; one per thread elsewhere), or, when a loop is already running in this
thread (an async test, an async caller), on a private loop in a worker thread.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

# One event loop per thread, created on first use and kept: on Lambda that is the container's
# one loop; under the local server each worker thread gets its own.
_loops = threading.local()


def is_async_callable(obj: Any) -> bool:
    """Whether calling ``obj`` returns a coroutine: async functions, partials of them, and
    objects whose class defines ``async def __call__``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    if inspect.iscoroutinefunction(obj):
        return True
    call = getattr(type(obj), "__call__", None)  # noqa: B004 - we want the method itself
    return not isinstance(obj, type) and inspect.iscoroutinefunction(call)


def _container_loop() -> Any:
    import asyncio

    loop = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _loops.loop = asyncio.new_event_loop()
    return loop


def run_sync(awaitable: Awaitable[T]) -> T:
    """Run ``awaitable`` to completion from synchronous code and return its result. A
    cancelled coroutine becomes a ``RuntimeError``: cancellation must not escape a handler."""
    import asyncio

    try:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            loop = _container_loop()
            return loop.run_until_complete(awaitable)  # type: ignore[no-any-return]
        return _run_in_thread(awaitable)
    except asyncio.CancelledError:
        raise RuntimeError("the async handler was cancelled") from None


def _run_in_thread(awaitable: Awaitable[T]) -> T:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    async def wrapper() -> T:
        return await awaitable

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambdakit-async") as pool:
        return pool.submit(asyncio.run, wrapper()).result()


def call_sync(func: Callable[..., Any], *args: Any) -> Any:
    """Call ``func`` from synchronous code, running its result to completion if it is
    awaitable (a plain function may still return a coroutine)."""
    result = func(*args)
    if hasattr(result, "__await__"):
        result = run_sync(result)
    return result


def call_async(func: Callable[..., Awaitable[T]], *args: Any) -> T:
    """Call an async function from synchronous code and wait for its result."""
    return run_sync(func(*args))
