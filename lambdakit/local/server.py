"""How uvicorn serves the local gateway: the options the CLI and the tests share, and a
header-read deadline uvicorn lacks.

uvicorn has a keep-alive timeout but none for reading a request's headers: a client that
opens a connection and sends a byte now and then holds it forever (slow loris). The H11
protocol below closes a connection whose request headers are not complete ``header_timeout``
seconds after its first byte (or after the connection opened), with a 408. The body's deadline
is the app's (``app.py``), and ``limit_concurrency`` caps connections (503 past it).

When the app answers before the body is in (413 for a declared 10 GB), uvicorn would read and
drop the rest of the body for as long as the client sends it; closing at once instead makes
the kernel reset the connection, and most clients, still sending, never see the 413. So the
protocol lingers, as nginx does: it sends the answer and a FIN, drops what comes for up to
``LINGER_SECONDS`` or ``LINGER_BYTES``, then closes.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Final, cast

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from lambdakit.local.config import GatewayConfig

LINGER_SECONDS: Final = 2.0
LINGER_BYTES: Final = 16 * 1024 * 1024
_TIMEOUT_RESPONSE: Final = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
)


class _LingeringClose:
    """The transport uvicorn's request cycle gets: its ``close()`` while the client is still
    sending a body becomes a lingering close; everything else is the real transport's."""

    def __init__(self, transport: asyncio.Transport, protocol: GuardedH11Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    def close(self) -> None:
        if self._protocol.body_pending():
            self._protocol.linger()
        else:
            self._transport.close()

    def is_closing(self) -> bool:
        return self._protocol.lingering or self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on reading each request's headers, and a
    lingering close after an answer given before the request's body was in."""

    def __init__(self, *args: Any, header_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timeout = header_timeout
        self._header_timer: asyncio.TimerHandle | None = None
        self._real_transport: asyncio.Transport | None = None
        self._linger_timer: asyncio.TimerHandle | None = None
        self._lingered = 0
        self.lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._real_transport = transport
        self.transport = cast(asyncio.Transport, _LingeringClose(transport, self))
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.lingering:  # what is left of a body already answered: dropped
            self._lingered += len(data)
            if self._lingered > LINGER_BYTES:
                self._close()
            return
        if self._header_timer is None and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request on a kept-alive connection
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # headers complete (or an upgrade)
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.body_pending() and not self.transport.is_closing():
            self.linger()  # uvicorn would read the rest of the body, however long

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        if self._real_transport is not None:
            self.transport = self._real_transport  # the WebSocket protocol takes it over
        super().handle_websocket_upgrade(event)

    def eof_received(self) -> None:
        if self.lingering:
            self._close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._linger_timer is not None:
            self._linger_timer.cancel()
            self._linger_timer = None
        super().connection_lost(exc)

    def body_pending(self) -> bool:
        return self.conn.their_state is h11.SEND_BODY

    def linger(self) -> None:
        """Send what is queued and a FIN, then drop what comes for a while before closing:
        a client still sending gets to read the answer instead of a reset."""
        if self.lingering or self._real_transport is None:
            return
        self.lingering = True
        self._lingered = 0
        if self._real_transport.can_write_eof():
            self._real_transport.write_eof()
        self._real_transport.resume_reading()
        self._linger_timer = self.loop.call_later(LINGER_SECONDS, self._close)

    def _close(self) -> None:
        self._linger_timer = None
        if self._real_transport is not None and not self._real_transport.is_closing():
            self._real_transport.close()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self._header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            self.transport.write(_TIMEOUT_RESPONSE)
            self.transport.close()


def uvicorn_options(config: GatewayConfig) -> dict[str, Any]:
    """The ``uvicorn.Config`` keyword arguments for serving ``config`` (host, port, app and
    logging are the caller's)."""
    options = config.server
    return {
        "http": functools.partial(GuardedH11Protocol, header_timeout=options.header_timeout),
        "ws": "websockets-sansio",
        "ws_max_size": config.limits.max_message_bytes,
        "ws_ping_interval": None,
        "timeout_keep_alive": options.keep_alive_timeout,
        "limit_concurrency": options.max_connections,
        "proxy_headers": False,  # X-Forwarded-For from a client is not its address
    }
