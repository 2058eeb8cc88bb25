"""The one seam between Lambda's synchronous entry point and async handlers.

``asyncio`` (and ``threading``) are imported only when something async actually runs, so a
synchronous handler never pays for them. Coroutines run on one event loop kept for the life of
the container (as a warm Lambda is reused; one per thread elsewhere), or, when a loop is
already running in this thread (an async test, an async caller), on a private loop in a worker
thread.
"""

from __future__ import annotations

import functools

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any, TypeVar

    T = TypeVar("T")

_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE, without importing inspect
_loops: Any = None  # threading.local(), made on first use


def _is_coroutine_function(obj: Any) -> bool:
    code = getattr(getattr(obj, "__func__", obj), "__code__", None)
    return code is not None and bool(code.co_flags & _CO_COROUTINE)


def is_async_callable(obj: Any) -> bool:
    """Whether calling ``obj`` returns a coroutine: async functions, partials of them, and
    objects whose class defines ``async def __call__``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    if _is_coroutine_function(obj):
        return True
    call = getattr(type(obj), "__call__", None)  # noqa: B004 - we want the method itself
    return not isinstance(obj, type) and _is_coroutine_function(call)


def is_awaitable(value: Any) -> bool:
    return hasattr(value, "__await__")


def _container_loop() -> Any:
    global _loops
    import asyncio

    if _loops is None:
        import threading

        _loops = threading.local()
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
