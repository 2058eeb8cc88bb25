"""A small HTTP/1.1 client on asyncio streams: ``POST`` over keep-alive connections to one
origin, a pool of them for calls in flight. The stdlib only; no thread, no loop of its own.

Enough HTTP for AWS's JSON APIs: a ``Content-Length`` or chunked answer, ``Connection: close``
honoured. ``https`` verifies against ``AWS_CA_BUNDLE`` when it is set (as botocore does, and
as the local gateway's HTTPS listener needs), else the system's store. A call that outlives
``timeout`` aborts its connection and raises ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from urllib.parse import urlsplit

__all__ = ["HttpPool", "HttpResponse"]

HttpResponse = tuple[int, dict[str, str], bytes]  # status, headers (lower-case names), body


def ssl_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """Verification as botocore does it: ``ca_bundle``, else ``AWS_CA_BUNDLE``, else the system."""
    return ssl.create_default_context(cafile=ca_bundle or os.environ.get("AWS_CA_BUNDLE") or None)


class HttpPool:
    """Keep-alive connections to the origin of ``url``, at most ``size`` of them idle."""

    def __init__(
        self,
        url: str,
        *,
        size: int = 64,
        timeout: float = 5.0,
        ca_bundle: str | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.tls = parts.scheme == "https"
        self.hostname = parts.hostname
        self.port = parts.port or (443 if self.tls else 80)
        default = 443 if self.tls else 80
        #: The ``Host`` header, as botocore sends it (and signs it): the port only when not
        #: the scheme's default.
        self.host = self.hostname if self.port == default else f"{self.hostname}:{self.port}"
        self.base_path = parts.path.rstrip("/")
        self.size = size
        self.timeout = timeout
        self._ssl = ssl_context(ca_bundle) if self.tls else None
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.wait_for(
            asyncio.open_connection(
                self.hostname,
                self.port,
                ssl=self._ssl,
                server_hostname=self.hostname if self.tls else None,
            ),
            self.timeout,
        )

    async def post(self, path: str, headers: dict[str, str], body: bytes) -> HttpResponse:
        """``POST`` ``body`` to ``path`` (already encoded) with ``headers``. A reused
        connection the server has closed meanwhile is replaced once."""
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        while self._idle:
            reader, writer = self._idle.pop()
            try:
                return await self._exchange(reader, writer, request, fresh=False)
            except _StaleConnection:
                continue
        reader, writer = await self._connect()
        return await self._exchange(reader, writer, request, fresh=True)

    async def _exchange(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: bytes,
        *,
        fresh: bool,
    ) -> HttpResponse:
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.timeout, writer.transport.abort)
        answered = False
        try:
            writer.write(request)
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionResetError("the server closed the connection")
            answered = True
            status = int(status_line.split(b" ", 2)[1])
            headers: dict[str, str] = {}
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n"):
                    break
                if not line:
                    raise ConnectionResetError("the answer ended in its headers")
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            if headers.get("transfer-encoding", "").lower() == "chunked":
                body = await _read_chunked(reader)
            else:
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
            writer.transport.abort()
            if timer.cancelled() is False and loop.time() >= timer.when():
                raise TimeoutError(f"no answer within {self.timeout} s") from None
            if not fresh and not answered:
                raise _StaleConnection from error
            if isinstance(error, OSError):
                raise
            raise ConnectionError(f"a malformed answer: {error}") from None
        finally:
            timer.cancel()
        if headers.get("connection", "").lower() == "close" or len(self._idle) >= self.size:
            writer.close()
        else:
            self._idle.append((reader, writer))
        return status, headers, body

    def close(self) -> None:
        """Close the idle connections, also after their event loop has ended."""
        while self._idle:
            writer = self._idle.pop()[1]
            # Its loop may have ended (asyncio.run returned): the transport then closes its
            # socket when it is collected.
            with contextlib.suppress(RuntimeError):
                writer.close()


class _StaleConnection(Exception):
    """A kept-alive connection closed before it answered: try a new one."""


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    while True:
        size = int((await reader.readline()).split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        parts.append(await reader.readexactly(size))
        await reader.readline()
