"""Middleware, one way for every resolver (WebSocket and HTTP): the ``Middleware`` base class,
what a resolver accepts as middleware, and the chain composed once around a handler.

A middleware is ``(event, context, next_handler)``: a class (instantiated with no arguments),
an instance with ``async __call__``, or a plain function, sync or async. A sync one gets a
``next_handler`` it can call synchronously: it runs in a thread of its own while the rest of
the chain stays on the event loop (``_async.run_in_own_thread``).
"""

from __future__ import annotations

from lambdakit import _async

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterable
    from typing import Any, Protocol

    NextHandler = Callable[[Any, Any], Coroutine[Any, Any, Any]]

    class MiddlewareCallable(Protocol):
        def __call__(self, event: Any, context: Any, next_handler: NextHandler) -> Any: ...


__all__ = ["Middleware", "compose", "instance_of"]


class Middleware:
    """Base class for middleware: override ``__call__`` and await ``next_handler``.

    Example::

        @resolver.middleware
        class Timing(Middleware):
            async def __call__(self, event, context, next_handler):
                started = time.perf_counter()
                try:
                    return await next_handler(event, context)
                finally:
                    print(time.perf_counter() - started)
    """

    async def __call__(self, event: Any, context: Any, next_handler: NextHandler) -> Any:
        return await next_handler(event, context)


def instance_of(middleware: Any) -> MiddlewareCallable:
    """What a resolver's ``middleware()`` was given, as the callable to chain: a class is
    instantiated with no arguments (as in the seed's example)."""
    instance = middleware() if isinstance(middleware, type) else middleware
    if not callable(instance):
        raise TypeError("middleware must be callable: (event, context, next_handler)")
    return instance  # type: ignore[no-any-return]


def compose(middleware: Iterable[MiddlewareCallable], endpoint: NextHandler) -> NextHandler:
    """``endpoint`` inside every middleware, the first registered outermost."""
    chain = endpoint
    for item in reversed(list(middleware)):
        chain = _wrap(item, chain)
    return chain


def _wrap(middleware: MiddlewareCallable, next_handler: NextHandler) -> NextHandler:
    if _async.is_async_callable(middleware):

        async def run_async_middleware(event: Any, context: Any) -> Any:
            return await middleware(event, context, next_handler)

        return run_async_middleware

    async def run_sync_middleware(event: Any, context: Any) -> Any:
        result = await _async.run_in_own_thread(
            middleware, event, context, _async.blocking_caller(next_handler)
        )
        if _async.is_awaitable(result):  # e.g. an async middleware behind a sync decorator
            result = await result
        return result

    return run_sync_middleware
