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

Header names: ASGI lower-cases them, but a REST API and a WebSocket ``$connect`` pass them to
the function as the client sent them. The protocol keeps the names as sent in the scope's
``extensions`` (``HEADER_NAMES``, in the order of ``scope["headers"]``), and hands a WebSocket
upgrade its headers as sent. WebSocket frames over ``max_frame_bytes`` close the connection
with 1009, as API Gateway does (its frame quota is 32 KB; its message quota, 128 KB, is the
server's ``ws_max_size``).
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Final, cast

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame

from lambdakit.local.config import GatewayConfig
from lambdakit.local.http_events import HEADER_NAMES

LINGER_SECONDS: Final = 2.0
LINGER_BYTES: Final = 16 * 1024 * 1024
CLOSE_TOO_BIG: Final = 1009
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
        self._raw_names: list[bytes] | None = None
        next_event = self.conn.next_event

        def remember_names() -> Any:
            event = next_event()
            if isinstance(event, h11.Request):
                self._raw_names = [name for name, _ in event.headers.raw_items()]
            return event

        self.conn.next_event = remember_names  # type: ignore[method-assign]

    def handle_events(self) -> None:
        scope = self.scope
        super().handle_events()
        names, self._raw_names = self._raw_names, None
        if names is not None and self.scope is not scope and self.scope is not None:
            # The request's task is scheduled, not yet running: it sees the names.
            self.scope.setdefault("extensions", {})[HEADER_NAMES] = names

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
        # uvicorn replays the handshake to the WebSocket protocol from the lower-cased
        # names; replayed as sent, the $connect event gets them as the client sent them.
        self.headers = list(event.headers.raw_items())
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


class FrameLimitedWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, closing with 1009 on a frame over ``max_frame_bytes``
    (a message split into small frames passes, up to ``ws_max_size`` in all)."""

    def __init__(self, *args: Any, max_frame_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._max_frame_bytes = max_frame_bytes

    def handle_cont(self, event: Frame) -> None:
        if self._frame_allowed(event):
            super().handle_cont(event)

    def handle_text(self, event: Frame) -> None:
        if self._frame_allowed(event):
            super().handle_text(event)

    def handle_bytes(self, event: Frame) -> None:
        if self._frame_allowed(event):
            super().handle_bytes(event)

    def _frame_allowed(self, event: Frame) -> bool:
        if len(event.data) <= self._max_frame_bytes:
            return True
        if not self.close_sent:
            self.frames = []
            self.conn.send_close(CLOSE_TOO_BIG, "Message too big")
            self.handle_parser_exception()  # tells the app (websocket.disconnect), closes
        return False


def uvicorn_options(config: GatewayConfig) -> dict[str, Any]:
    """The ``uvicorn.Config`` keyword arguments for serving ``config`` (host, port, app and
    logging are the caller's)."""
    options = config.server
    return {
        "http": functools.partial(GuardedH11Protocol, header_timeout=options.header_timeout),
        "ws": functools.partial(
            FrameLimitedWebSocketProtocol, max_frame_bytes=config.limits.max_frame_bytes
        ),
        "ws_max_size": config.limits.max_message_bytes,
        "ws_ping_interval": None,
        "timeout_keep_alive": options.keep_alive_timeout,
        "limit_concurrency": options.max_connections,
        # Room past API Gateway's 10 KB of headers, so the app answers it as AWS does (431)
        # rather than h11 with a 400.
        "h11_max_incomplete_event_size": 64 * 1024,
        "proxy_headers": False,  # X-Forwarded-For from a client is not its address
    }
