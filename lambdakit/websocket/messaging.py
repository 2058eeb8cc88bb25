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

    ``max_concurrency`` bounds the calls in flight during a broadcast (and the HTTP connection
    pool); ``client`` injects a boto3 ``apigatewaymanagementapi`` client.
    """

    def __init__(
        self,
        endpoint_url: str,
        *,
        on_gone: _OnGone | None = None,
        client: Any = None,
        max_concurrency: int = 32,
        region_name: str | None = None,
        max_attempts: int = 3,
        timeout: float = 5.0,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.endpoint_url = endpoint_url
        self.max_concurrency = max_concurrency
        self._on_gone = on_gone
        self._client = client
        self._region_name = region_name
        self._max_attempts = max_attempts
        self._timeout = timeout

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
                max_pool_connections=self.max_concurrency,
            )
        return self._client

    async def _run(self, operation: str, **kwargs: Any) -> Any:
        # The client is made in the worker thread too: building one must not block the loop.
        return await _async.run_blocking(lambda: getattr(self.client, operation)(**kwargs))

    def shutdown(self) -> None:
        """Nothing to release: calls run on lambdakit's shared I/O threads. Kept so code that
        closes a sender (or uses it as a context manager) keeps working."""

    def __enter__(self) -> WebSocketSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    async def send(self, connection_id: str, data: Any) -> SendResult:
        """Send ``data`` to one connection."""
        return await self._post(connection_id, _encode_message(data))

    async def broadcast(self, data: Any, connection_ids: Iterable[str]) -> list[SendResult]:
        """Send ``data`` to every connection in ``connection_ids``, ``max_concurrency`` at a
        time; one result per connection, in order."""
        import asyncio

        payload = _encode_message(data)  # checked once, before any call
        slots = asyncio.Semaphore(self.max_concurrency)

        async def post(connection_id: str) -> SendResult:
            async with slots:
                return await self._post(connection_id, payload)

        return list(await asyncio.gather(*(post(cid) for cid in connection_ids)))

    async def _post(self, connection_id: str, payload: bytes) -> SendResult:
        try:
            await self._run("post_to_connection", ConnectionId=connection_id, Data=payload)
        except Exception as error:
            return await self._failed(connection_id, error, "send")
        return SendResult(connection_id, ok=True)

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
            return SendResult(connection_id, ok=False, gone=True, error=code)
        logger.warning(
            "WebSocket %s to %s failed: %s",
            action,
            connection_id,
            code or error,
            extra={"connection_id": connection_id},
        )
        return SendResult(connection_id, ok=False, error=code or type(error).__name__)
