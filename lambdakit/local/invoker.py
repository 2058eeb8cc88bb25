"""Call the user's Lambda functions: import ``module:attribute``, then invoke it in a worker
thread with a ``LambdaContext`` and the function's timeout, as Lambda would."""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from lambdakit._logger import logger
from lambdakit.context import LambdaContext
from lambdakit.local.config import FunctionRef


class FunctionTimeout(Exception):
    """The function ran past its timeout (Lambda's "Task timed out")."""


class FunctionError(Exception):
    """The function raised (Lambda's unhandled error); the traceback is logged."""


@dataclass
class Invocation:
    request_id: str
    result: Any


def load_handler(spec: str) -> Callable[[Any, Any], Any]:
    """``"package.module:attribute"`` -> the function. Errors say which part was wrong."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"handler {spec!r} must look like 'package.module:function'")
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")  # the current folder, as `python -m` has it
    module = importlib.import_module(module_name)
    target: Any = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise ValueError(f"{module_name} has no attribute {attribute!r}") from None
    if not callable(target):
        raise ValueError(f"{spec} is not callable")
    return target  # type: ignore[no-any-return]


class Invoker:
    """Loads each function once and runs invocations in a bounded thread pool."""

    def __init__(self, max_workers: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="lambda")
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}

    def handler(self, function: FunctionRef) -> Callable[[Any, Any], Any]:
        handler = self._handlers.get(function.handler)
        if handler is None:
            handler = self._handlers[function.handler] = load_handler(function.handler)
        return handler

    async def invoke(self, function: FunctionRef, event: dict[str, Any]) -> Invocation:
        """Run the function on ``event``. Raises ``FunctionTimeout`` or ``FunctionError``."""
        handler = self.handler(function)
        request_id = str(uuid.uuid4())
        context = LambdaContext(
            function_name=function.function_name,
            aws_request_id=request_id,
            timeout_seconds=function.timeout,
            log_group_name=f"/aws/lambda/{function.function_name}",
        )
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        future = loop.run_in_executor(self._pool, handler, event, context)
        try:
            result = await asyncio.wait_for(future, timeout=function.timeout)
        except asyncio.TimeoutError:
            # The thread cannot be killed; it finishes in the background and its result is
            # dropped, as Lambda drops a timed-out invocation's.
            logger.error(
                "%s Task timed out after %.2f seconds",
                request_id,
                function.timeout,
                extra={"request_id": request_id, "function": function.function_name},
            )
            raise FunctionTimeout(request_id) from None
        except Exception as error:
            logger.error(
                "%s Unhandled error in %s: %s",
                request_id,
                function.function_name,
                error,
                exc_info=error,
                extra={"request_id": request_id, "function": function.function_name},
            )
            raise FunctionError(request_id) from error
        logger.debug(
            "%s %s took %.1f ms",
            request_id,
            function.function_name,
            (time.perf_counter() - started) * 1000,
            extra={"request_id": request_id},
        )
        return Invocation(request_id, result)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
