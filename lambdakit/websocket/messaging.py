"""Send to WebSocket clients through the API Gateway Management API (``@connections``).

``WebSocketSender`` wraps boto3's ``apigatewaymanagementapi`` client (imported lazily):
``send``, ``broadcast`` (bounded concurrency, not one by one), ``close`` and
``connection_info``. A ``GoneException`` (the client left) calls ``on_gone`` — the connection
manager marks the connection disconnected — and is reported in the result, not raised. A
payload over 128 KB is refused before any call.

The endpoint is, in order: the ``endpoint_url`` given, ``LAMBDAKIT_WS_ENDPOINT`` (set by the
local API Gateway), or derived from the event: ``https://{domainName}/{stage}``, or for a
custom domain ``https://{apiId}.execute-api.{region}.amazonaws.com/{stage}``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from lambdakit import _async, _json
from lambdakit._aws import client as aws_client
from lambdakit._aws import dns_suffix, error_code, region
from lambdakit._logger import logger
from lambdakit.errors import PayloadTooLargeError
from lambdakit.events import LambdaEvent
from lambdakit.settings import ENDPOINT_ENV
from lambdakit.websocket._sigv4 import path_segment

__all__ = [
    "MAX_PAYLOAD_BYTES",
    "PayloadTooLargeError",
    "SendResult",
    "WebSocketSender",
    "endpoint_from_event",
    "resolve_endpoint",
]

#: API Gateway's limit on one WebSocket message.
MAX_PAYLOAD_BYTES: Final = 128 * 1024

_OnGone = Callable[[str], Awaitable[Any]]


@dataclass(frozen=True)
class SendResult:
    """What happened to one message: sent (``ok``), ``gone`` (the client left), or ``error``."""

    connection_id: str
    ok: bool
    gone: bool = False
    error: str | None = None


def endpoint_from_event(event: Mapping[str, Any] | LambdaEvent) -> str:
    """The Management API endpoint of the API that sent ``event``."""
    context = LambdaEvent.from_event(event).requestContext
    domain, stage, api_id = context.domain_name, context.stage, context.api_id
    if not domain or not stage:
        raise ValueError("the event has no requestContext.domainName and stage")
    if ".execute-api." in domain or not api_id:
        return f"https://{domain}/{stage}"
    # A custom domain maps paths to stages; the management API lives on the API's own domain.
    name = region()
    return f"https://{api_id}.execute-api.{name}.{dns_suffix(name)}/{stage}"


def resolve_endpoint(
    endpoint_url: str | None = None, event: Mapping[str, Any] | LambdaEvent | None = None
) -> str:
    """The endpoint to use: given, else ``LAMBDAKIT_WS_ENDPOINT``, else from ``event``."""
    endpoint = endpoint_url or os.environ.get(ENDPOINT_ENV)
    if endpoint:
        return endpoint.rstrip("/")
    if event is None:
        raise ValueError(
            f"No Management API endpoint: pass endpoint_url or the event, or set {ENDPOINT_ENV}"
        )
    return endpoint_from_event(event)


def _encode_message(data: Any) -> bytes:
    """The frame's bytes: ``bytes`` as they are, ``str`` as UTF-8, anything else as JSON."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        payload = bytes(data)
    elif isinstance(data, str):
        payload = data.encode("utf-8")
    else:
        payload = _json.dumps(data).encode("utf-8")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLargeError(
            f"message is {len(payload)} bytes; API Gateway accepts at most {MAX_PAYLOAD_BYTES}"
        )
    return payload


class WebSocketSender:
    """Sends to the clients of one WebSocket API stage.

    Messages go out on lambdakit's own signed HTTP path (SigV4, keep-alive connections on the
    event loop: no thread, no botocore per call); ``client`` injects a boto3
    ``apigatewaymanagementapi`` client instead, called on the I/O threads. ``close`` and
    ``connection_info`` always use boto3.

    ``max_concurrency`` bounds the calls in flight. Throttling (429
    ``LimitExceededException``) is paced by a token bucket that learns the account's limit
    from the 429s and retried until ``send_deadline`` seconds after the call began; past it
    the connection's result says ``LimitExceededException``. ``max_rate`` caps the pace (a
    fan-out batch's share of the limit). Other transient failures (5xx, network) are tried
    ``max_attempts`` times in all.
    """

    def __init__(
        self,
        endpoint_url: str,
        *,
        on_gone: _OnGone | None = None,
        client: Any = None,
        max_concurrency: int = 128,
        region_name: str | None = None,
        max_attempts: int = 3,
        timeout: float = 5.0,
        send_deadline: float = 30.0,
        max_rate: float | None = None,
    ) -> None:
        from lambdakit.websocket._pacing import Pacer

        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        if send_deadline <= 0:
            raise ValueError("send_deadline must be positive")
        self.endpoint_url = endpoint_url
        self.max_concurrency = max_concurrency
        self.send_deadline = send_deadline
        self.pacer = Pacer(max_rate=max_rate)
        self._on_gone = on_gone
        self._client = client
        self._injected = client is not None
        self._region_name = region_name
        self._max_attempts = max(1, max_attempts)
        self._timeout = timeout
        self._fast: Any = None  # (loop, HttpPool, Signer, base path), made on first send

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws_client(
                "apigatewaymanagementapi",
                install_hint="Sending to WebSocket clients needs boto3: "
                "pip install 'lambdakit[dynamodb]'",
                region_name=self._region_name,
                endpoint_url=self.endpoint_url,
                max_attempts=self._max_attempts,
                timeout=self._timeout,
                max_pool_connections=min(self.max_concurrency, _async.IO_THREADS),
            )
        return self._client

    async def _run(self, operation: str, **kwargs: Any) -> Any:
        # The client is made in the worker thread too: building one must not block the loop.
        return await _async.run_blocking(lambda: getattr(self.client, operation)(**kwargs))

    def shutdown(self) -> None:
        """Close the idle HTTP connections (boto3 calls run on lambdakit's shared threads)."""
        if self._fast is not None:
            self._fast[1].close()
            self._fast = None

    def __enter__(self) -> WebSocketSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    async def send(self, connection_id: str, data: Any) -> SendResult:
        """Send ``data`` to one connection."""
        payload = _encode_message(data)
        return await self._deliver(connection_id, payload, _now() + self.send_deadline)

    async def broadcast(self, data: Any, connection_ids: Iterable[str]) -> list[SendResult]:
        """Send ``data`` to every connection in ``connection_ids``, ``max_concurrency`` at a
        time; one result per connection, in order."""
        import asyncio

        payload = _encode_message(data)  # checked once, before any call
        ids = list(connection_ids)
        results: list[SendResult] = [None] * len(ids)  # type: ignore[list-item]
        deadline = _now() + self.send_deadline
        turns = iter(range(len(ids)))

        async def worker() -> None:
            for index in turns:  # one iterator shared by the workers: each takes the next
                results[index] = await self._deliver(ids[index], payload, deadline)

        await asyncio.gather(*(worker() for _ in range(min(self.max_concurrency, len(ids)))))
        return results

    async def fan_out(
        self,
        data: Any,
        connection_ids: Iterable[str],
        *,
        function_name: str,
        batch_size: int = 1000,
        account_rate: float = 10_000.0,
        lambda_client: Any = None,
    ) -> int:
        """Hand ``connection_ids`` to other invocations of ``function_name`` in batches of
        ``batch_size`` (``lambda.invoke``, ``InvocationType="Event"``), each pacing itself at
        its share of ``account_rate``; the number of batches. The function runs them with
        ``lambdakit.websocket.fan_out.handle_batch``. See ``lambdakit.websocket.fan_out``."""
        from lambdakit.websocket._batches import invoke_batches

        return await invoke_batches(
            self.endpoint_url,
            _encode_message(data),
            list(connection_ids),
            function_name=function_name,
            send_deadline=self.send_deadline,
            batch_size=batch_size,
            account_rate=account_rate,
            lambda_client=lambda_client,
        )

    async def _deliver(self, connection_id: str, payload: bytes, deadline: float) -> SendResult:
        """One message, paced, retried while throttled until ``deadline``."""
        import asyncio

        failures = 0
        while True:
            started = await self.pacer.wait(deadline)
            if started is None:  # its turn would come past the deadline
                return self._failed_code(connection_id, "LimitExceededException", "send")
            try:
                status, code = await self._post_once(connection_id, payload)
            except Exception as error:
                failures += 1
                if failures >= self._max_attempts or _now() >= deadline:
                    return await self._failed(connection_id, error, "send")
                await asyncio.sleep(_backoff(failures))
                continue
            if status < 300:
                self.pacer.succeeded()
                return SendResult(connection_id, ok=True)
            if status == 429 or code == "LimitExceededException":
                self.pacer.throttled(started)
                continue
            failures += 1
            retry = status >= 500 and not self._injected  # boto3 retried it already
            if retry and failures < self._max_attempts and _now() < deadline:
                await asyncio.sleep(_backoff(failures))
                continue
            if code == "GoneException" or status == 410:
                return await self._gone(connection_id)
            return self._failed_code(connection_id, code or f"HTTP {status}", "send")

    async def _post_once(self, connection_id: str, payload: bytes) -> tuple[int, str | None]:
        """One ``PostToConnection``: its HTTP status and error code."""
        if self._injected:
            try:
                await self._run("post_to_connection", ConnectionId=connection_id, Data=payload)
            except Exception as error:
                code = error_code(error)
                if code is None:
                    raise
                meta = getattr(error, "response", {}).get("ResponseMetadata", {})
                return int(meta.get("HTTPStatusCode") or 400), code
            return 200, None
        pool, signer, base = self._fast_path()
        path = f"{base}/@connections/{path_segment(connection_id)}"
        signed = signer.headers(pool.host, path, payload)
        status, headers, _ = await pool.post(path, signed, payload)
        if status < 300:
            return status, None
        return status, headers.get("x-amzn-errortype", "").split(":", 1)[0] or None

    def _fast_path(self) -> Any:
        import asyncio

        from lambdakit.websocket._http import HttpPool
        from lambdakit.websocket._sigv4 import Signer, resolve_credentials

        loop = asyncio.get_running_loop()
        if self._fast is None or self._fast[0] is not loop:  # connections live on one loop
            pool = HttpPool(self.endpoint_url, size=self.max_concurrency, timeout=self._timeout)
            name = _region_of(pool.hostname) or region(self._region_name)
            signer = Signer(resolve_credentials(), name, "execute-api")
            self._fast = (loop, pool, signer, pool.base_path)
        return self._fast[1:]

    async def close(self, connection_id: str) -> SendResult:
        """Close a connection (API Gateway then sends ``$disconnect``)."""
        try:
            await self._run("delete_connection", ConnectionId=connection_id)
        except Exception as error:
            return await self._failed(connection_id, error, "close")
        return SendResult(connection_id, ok=True)

    async def connection_info(self, connection_id: str) -> dict[str, Any] | None:
        """``connectedAt``, ``lastActiveAt`` (datetimes) and ``identity`` (``sourceIp``,
        ``userAgent``) of a connection, or ``None`` when it is gone."""
        try:
            response = await self._run("get_connection", ConnectionId=connection_id)
        except Exception as error:
            result = await self._failed(connection_id, error, "connection_info")
            if result.gone:
                return None
            raise
        identity = response.get("Identity", {})
        return {
            "connectedAt": response.get("ConnectedAt"),
            "lastActiveAt": response.get("LastActiveAt"),
            "identity": {
                "sourceIp": identity.get("SourceIp"),
                "userAgent": identity.get("UserAgent"),
            },
        }

    async def _failed(self, connection_id: str, error: Exception, action: str) -> SendResult:
        code = error_code(error)
        if code == "GoneException":
            return await self._gone(connection_id)
        return self._failed_code(connection_id, code or _error_name(error), action, error)

    async def _gone(self, connection_id: str) -> SendResult:
        logger.info(
            "WebSocket connection %s is gone",
            connection_id,
            extra={"connection_id": connection_id},
        )
        if self._on_gone is not None:
            try:
                await self._on_gone(connection_id)
            except Exception:
                logger.exception(
                    "Could not mark connection %s as gone",
                    connection_id,
                    extra={"connection_id": connection_id},
                )
        return SendResult(connection_id, ok=False, gone=True, error="GoneException")

    def _failed_code(
        self, connection_id: str, code: str, action: str, error: Exception | None = None
    ) -> SendResult:
        logger.warning(
            "WebSocket %s to %s failed: %s",
            action,
            connection_id,
            code if error is None else (error_code(error) or error),
            extra={"connection_id": connection_id},
        )
        return SendResult(connection_id, ok=False, error=code)


def _now() -> float:
    import time

    return time.monotonic()


def _backoff(failures: int) -> float:
    """Exponential backoff with full jitter, as botocore's ``standard`` mode: up to 20 s."""
    import random

    return random.uniform(0, min(20.0, 0.05 * 2**failures))  # noqa: S311 - not for secrets


def _region_of(hostname: str) -> str | None:
    """The region of ``{api}.execute-api.{region}.amazonaws.com``, else ``None``."""
    parts = hostname.split(".")
    if len(parts) >= 4 and parts[1] == "execute-api":
        return parts[2]
    return None


# What the fast path's network failures are called in a ``SendResult``: botocore's names, so a
# result reads the same whichever path sent it.
_BOTOCORE_NAMES: Final = {
    "TimeoutError": "ReadTimeoutError",
    "ConnectionRefusedError": "EndpointConnectionError",
    "ConnectionResetError": "ConnectionClosedError",
    "IncompleteReadError": "ConnectionClosedError",
    "gaierror": "EndpointConnectionError",
}


def _error_name(error: BaseException) -> str:
    name = type(error).__name__
    return _BOTOCORE_NAMES.get(name, name)
