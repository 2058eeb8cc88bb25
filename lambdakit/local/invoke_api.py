"""Lambda's Invoke API on the local gateway, so one function can call another as on AWS:
``boto3.client("lambda").invoke(FunctionName=..., Payload=...)`` in a worker reaches it
through ``AWS_ENDPOINT_URL_LAMBDA``.

``POST /2015-03-31/functions/{name}/invocations``, the function named by its name, its logical
id or an ARN; ``X-Amz-Invocation-Type``: ``RequestResponse`` (200 and the payload; a failed
function adds ``X-Amz-Function-Error: Unhandled`` and the error document), ``Event`` (202,
run in the background) or ``DryRun`` (204). Unknown: 404 ``ResourceNotFoundException``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Final
from urllib.parse import unquote

from lambdakit._logger import logger
from lambdakit.local.config import FunctionRef
from lambdakit.local.invoker import FunctionError, FunctionTimeout, Invoker
from lambdakit.local.proxy_result import HttpResponse

PREFIX: Final = "/2015-03-31/functions/"
SUFFIX: Final = "/invocations"
MAX_SYNC_PAYLOAD: Final = 6 * 1024 * 1024
MAX_EVENT_PAYLOAD: Final = 1024 * 1024
_background: set[asyncio.Task[None]] = set()


def function_name_from(path: str) -> str | None:
    """The ``{name}`` of ``/2015-03-31/functions/{name}/invocations``, else ``None``."""
    if not path.startswith(PREFIX) or not path.endswith(SUFFIX):
        return None
    name = unquote(path[len(PREFIX) : -len(SUFFIX)])
    return name or None


def find(functions: tuple[FunctionRef, ...], name: str) -> FunctionRef | None:
    """By name, logical id, or ARN (``arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]``
    or the partial ``ACCOUNT:function:NAME``)."""
    if ":function:" in name:
        name = name.split(":function:", 1)[1].split(":", 1)[0]
    for function in functions:
        if name in (function.function_name, function.logical_id):
            return function
    return None


def _error(status: int, error_type: str, message: str) -> HttpResponse:
    return HttpResponse(
        status,
        [("content-type", "application/json"), ("x-amzn-errortype", error_type)],
        json.dumps({"Type": "User", "message": message}).encode(),
    )


async def handle(
    name: str,
    headers: dict[str, str],
    body: bytes,
    functions: tuple[FunctionRef, ...],
    invoker: Invoker,
) -> HttpResponse:
    """The answer to one call, logged as the HTTP routes' requests are: ``Invoke NAME TYPE
    STATUS`` (an ``Event`` is logged when it is accepted, before the function runs)."""
    response = await _answer(name, headers, body, functions, invoker)
    function = find(functions, name)
    shown = function.function_name if function else repr(name[:100])  # a name, or the caller's
    kind = (headers.get("x-amz-invocation-type") or "RequestResponse")[:20]
    logger.info("Invoke %s %s %d", shown, kind, response.status, extra={"function": shown})
    return response


async def _answer(
    name: str,
    headers: dict[str, str],
    body: bytes,
    functions: tuple[FunctionRef, ...],
    invoker: Invoker,
) -> HttpResponse:
    function = find(functions, name)
    if function is None:
        return _error(404, "ResourceNotFoundException", f"Function not found: {name}")
    kind = headers.get("x-amz-invocation-type") or "RequestResponse"
    if kind not in ("RequestResponse", "Event", "DryRun"):
        return _error(400, "InvalidParameterValueException", f"Invalid invocation type {kind}")
    if kind == "DryRun":
        return HttpResponse(204, [], b"")
    limit = MAX_EVENT_PAYLOAD if kind == "Event" else MAX_SYNC_PAYLOAD
    if len(body) > limit:
        return _error(413, "RequestTooLargeException", "Request must be smaller than the quota")
    try:
        event = json.loads(body) if body else {}
    except ValueError:
        return _error(400, "InvalidRequestContentException", "Could not parse request body")
    if kind == "Event":
        task = asyncio.ensure_future(_in_background(invoker, function, event))
        _background.add(task)
        task.add_done_callback(_background.discard)
        return HttpResponse(202, [("content-type", "application/json")], b"")
    common = [("content-type", "application/json"), ("x-amz-executed-version", "$LATEST")]
    try:
        invocation = await invoker.invoke(function, event)
    except FunctionTimeout as timeout:
        document = {
            "errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {timeout} Error: Task timed out after "
            f"{function.timeout:.2f} seconds",
        }
        return HttpResponse(
            200,
            [*common, ("x-amz-function-error", "Unhandled"), ("x-amzn-requestid", str(timeout))],
            json.dumps(document).encode(),
        )
    except FunctionError as error:
        return HttpResponse(
            200,
            [
                *common,
                ("x-amz-function-error", "Unhandled"),
                ("x-amzn-requestid", error.request_id),
            ],
            error.payload,
        )
    payload = invocation.payload or json.dumps(invocation.result).encode()
    return HttpResponse(200, [*common, ("x-amzn-requestid", invocation.request_id)], payload)


async def _in_background(invoker: Invoker, function: FunctionRef, event: object) -> None:
    try:
        await invoker.invoke(function, event)
    except (FunctionError, FunctionTimeout):
        # Lambda would retry an asynchronous invocation twice; locally the failure is logged.
        logger.warning("asynchronous invocation of %s failed", function.function_name)
