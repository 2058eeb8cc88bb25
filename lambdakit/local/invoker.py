"""The seam between the two halves of the local gateway: ``invoke(function, event)`` returns
the function's result, or raises ``FunctionError`` (the function failed, as Lambda reports an
unhandled error) or ``FunctionTimeout`` (it ran past its timeout).

Two implementations: ``WorkerInvoker`` (``workers.py``, the default) runs each function in
execution environments of its own on AWS's runtime client; ``InProcessInvoker`` (here) calls
the handler in this process, for lambdakit's own unit tests. It stays honest where it can: the
result goes through the runtime's JSON marshalling (an ``HTTPStatus`` becomes its number, a
``Decimal`` a JSON number, anything else not JSON is an error), as it does on Lambda.
"""

from __future__ import annotations

import asyncio
import decimal
import importlib
import json
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from lambdakit._logger import logger
from lambdakit.context import LambdaContext
from lambdakit.local.config import FunctionRef

# Lambda's synchronous response quota ("6 MB"), as its error message counts it.
MAX_RESPONSE_BYTES: Final = 6_291_556


class FunctionTimeout(Exception):
    """The function ran past its timeout (Lambda's "Task timed out")."""


class FunctionError(Exception):
    """The function failed: Lambda's ``X-Amz-Function-Error: Unhandled``. ``payload`` is the
    error document Lambda returns (``errorMessage``, ``errorType``, ``stackTrace``)."""

    def __init__(
        self,
        request_id: str,
        error_type: str = "Unhandled",
        error_message: str = "",
        payload: bytes = b"",
    ) -> None:
        super().__init__(request_id)
        self.request_id = request_id
        self.error_type = error_type
        self.error_message = error_message
        self.payload = payload or json.dumps(
            {"errorMessage": error_message, "errorType": error_type}
        ).encode("utf-8")


@dataclass
class Invocation:
    """A successful invocation: ``result`` is the decoded JSON document, ``payload`` its bytes
    as the runtime sent them."""

    request_id: str
    result: Any
    payload: bytes = b""


class Invoker(Protocol):
    """What the API Gateway half calls: HTTP routes, WebSocket routes, authorizers and the
    Invoke API all go through ``invoke``."""

    async def invoke(self, function: FunctionRef, event: Any) -> Invocation: ...

    def close(self) -> None: ...


class IntegrationTimeout(Exception):
    """API Gateway stopped waiting for the function (its integration timeout: 29 s for REST
    and WebSocket APIs, 30 s for HTTP APIs); the function runs on, as on AWS."""


async def invoke_within(
    invoker: Invoker, function: FunctionRef, event: Any, deadline: float
) -> Invocation:
    """``invoker.invoke`` as API Gateway waits for it: ``IntegrationTimeout`` after
    ``deadline`` seconds, or when the function's own timeout, no shorter, ran out first."""
    call = asyncio.ensure_future(invoker.invoke(function, event))
    try:
        return await asyncio.wait_for(asyncio.shield(call), deadline)
    except asyncio.TimeoutError:
        raise IntegrationTimeout(function.function_name) from None
    except FunctionTimeout:
        if function.timeout >= deadline:
            raise IntegrationTimeout(function.function_name) from None
        raise
    finally:
        if not call.done():  # timed out, or the caller was cancelled: the function runs on
            call.add_done_callback(_collect_outcome)


def _collect_outcome(call: asyncio.Future[Any]) -> None:
    """Collect the outcome of an invocation nobody waits for any more (logged by the invoker)."""
    if not call.cancelled():
        call.exception()


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


def _marshal_default(value: Any) -> Any:
    # The runtime client writes a Decimal as a JSON number (awslambdaric's Encoder).
    if isinstance(value, decimal.Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def marshal(result: Any) -> bytes:
    """The bytes the Lambda runtime sends for ``result`` (``TypeError`` if it cannot)."""
    return json.dumps(result, default=_marshal_default, ensure_ascii=False).encode("utf-8")


class InProcessInvoker:
    """Calls handlers in this process, in a bounded thread pool: every function shares this
    process's ``sys.path`` and environment, and a timed-out thread cannot be stopped. Meant
    for unit tests of lambdakit itself; ``WorkerInvoker`` is what ``lambdakit serve`` uses."""

    def __init__(self, max_workers: int = 32) -> None:
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="lambda")
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}

    def handler(self, function: FunctionRef) -> Callable[[Any, Any], Any]:
        key = f"{function.code_uri}|{function.handler}"
        handler = self._handlers.get(key)
        if handler is None:
            if function.code_uri and function.code_uri not in sys.path:
                sys.path.insert(0, str(Path(function.code_uri)))
            handler = self._handlers[key] = load_handler(function.handler)
        return handler

    async def invoke(self, function: FunctionRef, event: Any) -> Invocation:
        """Run the function on ``event``. Raises ``FunctionTimeout`` or ``FunctionError``."""
        request_id = str(uuid.uuid4())
        extra = {"request_id": request_id, "function": function.function_name}
        try:
            handler = self.handler(function)
        except Exception as error:
            logger.error("%s Init error in %s: %s", request_id, function.function_name, error)
            raise FunctionError(
                request_id, "Runtime.ImportModuleError", f"Unable to import module: {error}"
            ) from error
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
            payload = marshal(result)
        except asyncio.TimeoutError:
            # The thread cannot be killed; it finishes in the background and its result is
            # dropped, as Lambda drops a timed-out invocation's.
            logger.error(
                "%s Task timed out after %.2f seconds", request_id, function.timeout, extra=extra
            )
            raise FunctionTimeout(request_id) from None
        except Exception as error:
            logger.error(
                "%s Unhandled error in %s: %s",
                request_id,
                function.function_name,
                error,
                exc_info=error,
                extra=extra,
            )
            document = {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "requestId": request_id,
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
            raise FunctionError(
                request_id, type(error).__name__, str(error), json.dumps(document).encode()
            ) from error
        if len(payload) > MAX_RESPONSE_BYTES:
            message = (
                f"Response payload size ({len(payload)} bytes) exceeded maximum allowed "
                f"payload size ({MAX_RESPONSE_BYTES} bytes)."
            )
            logger.error("%s %s", request_id, message, extra=extra)
            raise FunctionError(request_id, "Function.ResponseSizeTooLarge", message)
        logger.debug(
            "%s %s took %.1f ms",
            request_id,
            function.function_name,
            (time.perf_counter() - started) * 1000,
            extra={"request_id": request_id},
        )
        return Invocation(request_id, json.loads(payload), payload)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
