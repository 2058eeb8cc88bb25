"""The one seam between sync and async on the Lambda side: the only place that makes event
loops and threads, and so the one place that decides their number, their affinity and what
cancellation becomes.

- **Sync to async**: ``run_sync`` / ``call_sync`` / ``call_async`` run a coroutine from
  Lambda's synchronous entry point on one event loop kept for the life of the container (as a
  warm Lambda is reused; one per thread elsewhere), or, when a loop is already running in this
  thread (an async test, an async caller), on a private loop in a worker thread. A cancelled
  coroutine becomes a ``RuntimeError``: cancellation never escapes a handler.
- **Blocking work off the loop**: ``run_blocking`` runs it on one shared pool of at most
  ``IO_THREADS`` threads (SDK calls, SQLite). ``run_in_own_thread`` gives a thread of its own
  to work that may wait on the loop itself (a sync middleware calling the rest of the chain),
  which on a shared pool could wait for ever; ``blocking_caller`` is how such work calls back.
- **A deadline for sync code**: ``call_with_deadline`` runs a callable in a daemon thread and
  waits at most so long (error receivers).

``asyncio`` and ``threading`` are imported only when something async actually runs, so a
synchronous handler never pays for them.
"""

from __future__ import annotations

import functools

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = [
    "IO_THREADS",
    "blocking_caller",
    "call_async",
    "call_sync",
    "call_with_deadline",
    "is_async_callable",
    "is_awaitable",
    "run_blocking",
    "run_fresh",
    "run_in_own_thread",
    "run_sync",
]

#: Threads of the shared pool for blocking I/O (made as needed, reused): enough for a
#: broadcast's calls in flight (``WebSocketSender(max_concurrency=32)``) beside store calls.
IO_THREADS = 64

_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE, without importing inspect
_loops: Any = None  # threading.local(), made on first use
_io_pool: Any = None  # concurrent.futures.ThreadPoolExecutor, made on first use


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


def run_fresh(awaitable: Awaitable[T]) -> T:
    """Run ``awaitable`` on a new event loop in this thread, closed after it (for a thread that
    will not live on, such as ``call_with_deadline``'s)."""
    import asyncio

    async def wrapper() -> T:
        return await awaitable

    return asyncio.run(wrapper())


async def run_blocking(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` on the shared I/O pool, awaited without blocking the loop."""
    import asyncio

    global _io_pool
    if _io_pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _io_pool = ThreadPoolExecutor(IO_THREADS, thread_name_prefix="lambdakit-io")
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_io_pool, functools.partial(func, *args))


async def run_in_own_thread(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in a daemon thread of its own, awaited without blocking the loop. For work
    that may wait on this loop (through ``blocking_caller``): on a shared pool, concurrent
    requests could wait on each other for ever."""
    import asyncio
    import threading

    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)

    def work() -> None:
        try:
            result = func(*args)
        except BaseException as error:  # handed to the awaiting task, raised there
            loop.call_soon_threadsafe(settle, None, error)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=work, name="lambdakit-worker", daemon=True).start()
    return await done


def blocking_caller(func: Callable[..., Awaitable[T]]) -> Callable[..., Any]:
    """A synchronous stand-in for the async ``func``, to hand to code running in
    ``run_in_own_thread``: called from that thread it runs ``func`` on the current loop and
    waits for the result; called on the loop's own thread it returns the coroutine (to await).
    Call it inside a coroutine: it binds to the running loop."""
    import asyncio
    import threading

    loop = asyncio.get_running_loop()
    loop_thread = threading.current_thread()

    def call(*args: Any) -> Any:
        if threading.current_thread() is loop_thread:
            return func(*args)
        return asyncio.run_coroutine_threadsafe(func(*args), loop).result()  # type: ignore[arg-type]

    return call


def call_with_deadline(func: Callable[[], Any], timeout: float, *, name: str) -> bool:
    """Run ``func()`` in a daemon thread and wait for it at most ``timeout`` seconds; whether
    it finished (well or not) in time. Past the deadline it is left to finish on its own.
    ``func`` handles its own errors."""
    import threading

    finished = threading.Event()

    def run() -> None:
        try:
            func()
        finally:
            finished.set()

    threading.Thread(target=run, name=name, daemon=True).start()
    return finished.wait(min(timeout, threading.TIMEOUT_MAX))
