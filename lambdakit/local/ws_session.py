"""One WebSocket connection through the local gateway, as API Gateway runs it.

``$connect`` gets the handshake's headers and query, and its result decides the handshake (a
non-2xx result rejects it with that status); an authorizer, when the API has one, runs first
(``authorizer.py``). Each text message is routed by the route selection expression,
``$default`` as fallback; a handler's response body goes back to the client only when the
route has a route response (``WebSocketApi.responds``: two-way communication), else it is
dropped; a handler error sends API Gateway's ``Internal server error`` frame and keeps the
socket open; no matching route sends the ``Forbidden`` frame. Limits: a frame over 32 KB or a
message over 128 KB closes with 1009 (the frame limit is the server protocol's, ``server.py``),
a binary frame with 1003; idle timeout and maximum duration close with 1001. ``$disconnect``
carries the close code and reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from lambdakit._aws import region
from lambdakit._logger import logger
from lambdakit.local import sigv4
from lambdakit.local.authorizer import authorize
from lambdakit.local.config import GatewayConfig, WebSocketApi
from lambdakit.local.http_events import ACCOUNT_ID
from lambdakit.local.invoker import (
    FunctionError,
    FunctionTimeout,
    IntegrationTimeout,
    Invoker,
    invoke_within,
)
from lambdakit.local.ws_events import ConnectionInfo, new_connection_id, select_route

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

CLOSE_NORMAL: Final = 1000
CLOSE_GOING_AWAY: Final = 1001
CLOSE_UNSUPPORTED: Final = 1003
CLOSE_NO_STATUS: Final = 1005
CLOSE_TOO_BIG: Final = 1009
# Messages of one connection whose routes may run at once, as API Gateway invokes each on its
# own; past it the connection is not read until one ends (a flood queues in the client).
MAX_MESSAGES_IN_FLIGHT: Final = 64
# Every message task still running, whatever became of its connection: the event loop keeps
# only weak references to tasks.
_RUNNING: set[asyncio.Future[None]] = set()


class Session:
    """A live connection: the registry's handle for ``@connections`` to send and close."""

    def __init__(self, info: ConnectionInfo, send: Send) -> None:
        self.info = info
        self._send = send
        self._lock = asyncio.Lock()
        self.closed = False
        self.close_code = CLOSE_NO_STATUS
        self.close_reason = ""
        self.closed_event = asyncio.Event()

    async def send_message(self, data: bytes | str) -> None:
        """Send one frame: text when it is UTF-8, else binary."""
        if isinstance(data, bytes):
            try:
                frame: dict[str, Any] = {"type": "websocket.send", "text": data.decode("utf-8")}
            except UnicodeDecodeError:
                frame = {"type": "websocket.send", "bytes": data}
        else:
            frame = {"type": "websocket.send", "text": data}
        async with self._lock:
            if self.closed:
                raise ConnectionError("connection closed")
            await self._send(frame)
        self.info.touch()

    async def close(self, code: int, reason: str = "") -> None:
        """Close from the server side; the session then sends ``$disconnect``."""
        async with self._lock:
            if self.closed:
                return
            self.closed = True
            self.close_code, self.close_reason = code, reason
            try:
                await self._send({"type": "websocket.close", "code": code, "reason": reason})
            except Exception:  # the client is already gone
                logger.debug("close of %s failed", self.info.connection_id)
        self.closed_event.set()


class Registry:
    """Live connections by id."""

    def __init__(self) -> None:
        self.sessions: dict[str, Session] = {}

    def get(self, connection_id: str) -> Session | None:
        session = self.sessions.get(connection_id)
        return None if session is None or session.closed else session


async def run_session(
    scope: dict[str, Any],
    receive: Receive,
    send: Send,
    config: GatewayConfig,
    invoker: Invoker,
    registry: Registry,
    *,
    domain: str = "",
) -> None:
    api = config.websocket
    first = await receive()
    if first["type"] != "websocket.connect":
        return
    path = scope.get("path", "")
    if api is None or path.rstrip("/") != f"/{config.stage}":
        # The WebSocket API lives at /{stage} only, as on AWS.
        await _reject(scope, send, 403, b'{"message":"Forbidden"}')
        return
    client = scope.get("client") or ("127.0.0.1", 0)
    server = scope.get("server") or ("127.0.0.1", 0)
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", [])]
    host = next((v for k, v in headers if k.lower() == "host"), f"{server[0]}:{server[1]}")
    info = ConnectionInfo(
        new_connection_id(),
        stage=config.stage,
        domain=domain or host,
        source_ip=client[0],
        headers=headers,
        raw_query=scope.get("query_string", b"").decode("latin-1"),
        api_id=api.api_id,
    )
    deadline = config.limits.rest_integration_timeout  # WebSocket routes: 29 s, as REST
    accepted = await _connect(api, info, scope, send, invoker, server[1], deadline)
    if not accepted:
        return
    session = Session(info, send)
    registry.sessions[info.connection_id] = session
    logger.info(
        "WebSocket %s connected", info.connection_id, extra={"connection_id": info.connection_id}
    )
    try:
        await _serve(api, session, receive, config, invoker)
    finally:
        registry.sessions.pop(info.connection_id, None)
        await _invoke_route(
            api,
            "$disconnect",
            invoker,
            info.disconnect_event(session.close_code, session.close_reason),
        )
        logger.info(
            "WebSocket %s disconnected (%d)",
            info.connection_id,
            session.close_code,
            extra={"connection_id": info.connection_id},
        )


async def _connect(
    api: WebSocketApi,
    info: ConnectionInfo,
    scope: dict[str, Any],
    send: Send,
    invoker: Invoker,
    port: int,
    deadline: float,
) -> bool:
    function = api.function_for("$connect")
    accept_headers: list[tuple[bytes, bytes]] = []
    scheme = scope.get("scheme", "ws").replace("ws", "http")
    if api.iam_connect:
        headers = {k.lower(): v for k, v in info.headers}
        refusal = sigv4.check(headers, info.raw_query, sigv4.SERVICE)
        if refusal is not None:  # API Gateway's 403 for an unsigned IAM $connect
            await _reject(scope, send, 403, json.dumps({"message": refusal.message}).encode())
            return False
        key = sigv4.access_key(headers, info.raw_query)
        if key is not None:  # the caller's account and ARN are AWS's to know, not ours
            info.identity = {"accessKey": key, "accountId": ACCOUNT_ID}
    if api.authorizer is not None:
        verdict = await authorize(
            api.authorizer, info.connect_event(scheme, port), invoker, region()
        )
        if not verdict.allowed:
            await _reject(scope, send, verdict.status, verdict.body)
            return False
        info.authorizer = verdict.authorizer
    if function is not None:
        event = info.connect_event(scheme, port)
        try:
            result = (await invoke_within(invoker, function, event, deadline)).result
        except IntegrationTimeout:
            await _reject(scope, send, 504, b'{"message":"Endpoint request timed out"}')
            return False
        except (FunctionError, FunctionTimeout):
            await _reject(scope, send, 500, b'{"message":"Internal server error"}')
            return False
        status = result.get("statusCode", 200) if isinstance(result, dict) else 200
        if not isinstance(status, int) or not 200 <= status < 300:
            status = status if isinstance(status, int) and 100 <= status <= 599 else 502
            body = result.get("body") if isinstance(result, dict) else None
            await _reject(scope, send, status, body.encode() if isinstance(body, str) else b"")
            logger.info("WebSocket $connect rejected with %d", status)
            return False
        result_headers = result.get("headers") if isinstance(result, dict) else None
        protocol = (result_headers or {}).get("Sec-WebSocket-Protocol") or (
            result_headers or {}
        ).get("sec-websocket-protocol")
        if isinstance(protocol, str):
            accept_headers.append((b"sec-websocket-protocol", protocol.encode()))
    accept: dict[str, Any] = {"type": "websocket.accept", "headers": accept_headers}
    protocol_header = next((v for k, v in accept_headers if k == b"sec-websocket-protocol"), None)
    if protocol_header is not None:
        accept["subprotocol"] = protocol_header.decode()
        accept["headers"] = []
    await send(accept)
    return True


async def refuse_handshake(
    scope: dict[str, Any], receive: Receive, send: Send, status: int, body: bytes
) -> None:
    """Answer a handshake with an HTTP error before any function runs."""
    first = await receive()
    if first["type"] == "websocket.connect":
        await _reject(scope, send, status, body)


async def _reject(scope: dict[str, Any], send: Send, status: int, body: bytes) -> None:
    if "websocket.http.response" in scope.get("extensions", {}):
        await send(
            {
                "type": "websocket.http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008})


async def _serve(
    api: WebSocketApi, session: Session, receive: Receive, config: GatewayConfig, invoker: Invoker
) -> None:
    limits = config.limits
    deadline = time.monotonic() + limits.max_duration
    in_flight: set[asyncio.Future[None]] = set()
    while not session.closed:
        idle_left = limits.idle_timeout - (time.time() * 1000 - session.info.last_active_at) / 1000
        timeout = min(idle_left, deadline - time.monotonic())
        if timeout <= 0:
            await session.close(CLOSE_GOING_AWAY, "Going away")
            return
        closed = asyncio.ensure_future(session.closed_event.wait())
        received = asyncio.ensure_future(receive())
        done, _ = await asyncio.wait(
            {closed, received}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        closed.cancel()
        if received not in done:
            received.cancel()
            if session.closed_event.is_set():
                return  # closed by @connections DELETE
            continue  # a timer ran out: the loop closes if it is really over
        message = received.result()
        if message["type"] == "websocket.disconnect":
            session.closed = True
            session.close_code = int(message.get("code") or CLOSE_NO_STATUS)
            session.close_reason = message.get("reason") or ""
            return
        session.info.touch()
        text = message.get("text")
        if text is None:
            await session.close(CLOSE_UNSUPPORTED, "Binary frames are not supported")
            return
        if len(text.encode("utf-8")) > limits.max_message_bytes:
            await session.close(CLOSE_TOO_BIG, "Message too big")
            return
        if len(in_flight) >= MAX_MESSAGES_IN_FLIGHT:
            await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
        # Each message's route runs on its own: a slow one does not hold the next (nor the
        # close, and so $disconnect); what it sends back goes out when it ends.
        task = asyncio.ensure_future(
            _message(api, session, text, invoker, limits.rest_integration_timeout)
        )
        in_flight.add(task)
        _RUNNING.add(task)
        task.add_done_callback(lambda done: _message_done(in_flight, done))


def _message_done(in_flight: set[asyncio.Future[None]], task: asyncio.Future[None]) -> None:
    in_flight.discard(task)
    _RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("WebSocket message failed in the gateway", exc_info=task.exception())


async def _message(
    api: WebSocketApi, session: Session, text: str, invoker: Invoker, deadline: float
) -> None:
    info = session.info
    selected = select_route(api.route_selection_expression, text) or "$default"
    route_key = selected if api.function_for(selected) is not None else "$default"
    if api.catch_all is None and route_key not in api.routes:
        route_key = ""
    event = info.message_event(route_key or selected, text)
    ids = {"connectionId": info.connection_id, "requestId": event["requestContext"]["requestId"]}
    function = api.function_for(route_key) if route_key else None
    if function is None:
        await _reply(session, {"message": "Forbidden", **ids})
        return
    try:
        result = (await invoke_within(invoker, function, event, deadline)).result
    except IntegrationTimeout:
        await _reply(session, {"message": "Endpoint request timed out", **ids})
        return
    except (FunctionError, FunctionTimeout):
        await _reply(session, {"message": "Internal server error", **ids})
        return
    except Exception:  # the environment could not run the function: logged, as on HTTP
        logger.exception("Could not invoke %s", function.function_name)
        await _reply(session, {"message": "Internal server error", **ids})
        return
    if not api.responds(route_key):
        return  # one-way route: API Gateway drops the result
    body = result.get("body") if isinstance(result, dict) else None
    if isinstance(body, str) and body:
        await _reply(session, body)


async def _reply(session: Session, message: dict[str, Any] | str) -> None:
    text = message if isinstance(message, str) else json.dumps(message)
    with contextlib.suppress(ConnectionError):  # the client left while the handler ran
        await session.send_message(text)


async def _invoke_route(
    api: WebSocketApi, route_key: str, invoker: Invoker, event: dict[str, Any]
) -> None:
    function = api.function_for(route_key)
    if function is None:
        return
    # Errors are logged by the invoker; API Gateway ignores what $disconnect returns.
    with contextlib.suppress(FunctionError, FunctionTimeout):
        await invoker.invoke(function, event)
