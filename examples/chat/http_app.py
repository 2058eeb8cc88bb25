"""The chat's HTTP function, on ``HttpResolver``: ``GET /`` serves the page (HTML), ``GET
/api/messages`` the recent messages (the JSON envelope). Deployed behind an HTTP API or a REST
API (``template.yaml``), or served locally by ``lambdakit serve``.
"""

from __future__ import annotations

import functools
import html
import os
from pathlib import Path
from typing import Final

from examples.chat.messages import message_store
from lambdakit import AppError, HttpResolver, LambdaEvent
from lambdakit.router import MethodNotAllowedError, RouteNotFoundError

WEBSOCKET_URL_ENV: Final = "CHAT_WEBSOCKET_URL"
PAGE_PATH: Final = Path(__file__).with_name("page.html")

# The chat's own codes for a wrong path or method, expected: logged without a traceback.
app = HttpResolver(cors=False, ignore_app_errors=["B00404", "B00405"])


@functools.cache
def _page_template() -> str:
    return PAGE_PATH.read_text(encoding="utf-8")  # once per container


def websocket_url(request: LambdaEvent) -> str:
    """``CHAT_WEBSOCKET_URL`` (on AWS, the template's WebSocket stage), else the local server's
    WebSocket endpoint on the host the browser used."""
    configured = os.environ.get(WEBSOCKET_URL_ENV)
    if configured:
        return configured
    host = request.headers.get("host") or "127.0.0.1:3000"
    return f"ws://{host}/local"


@app.route("/", methods=["GET", "HEAD"], content_type="text/html")
def page(request: LambdaEvent) -> str:
    # The Host header is the client's to choose: escaped, it can only ever be an attribute value.
    url = html.escape(websocket_url(request), quote=True)
    return _page_template().replace("{{websocket_url}}", url)


@app.route("/api/messages", methods=["GET", "HEAD"])
def recent_messages() -> list[dict[str, str]]:
    return [message.to_dict() for message in message_store().recent()]


@app.exception_handler(RouteNotFoundError, MethodNotAllowedError)
def chat_codes(request: LambdaEvent, error: RouteNotFoundError | MethodNotAllowedError) -> None:
    """The router's 404 and 405 with the chat's codes, which its clients already know."""
    code = "B00404" if isinstance(error, RouteNotFoundError) else "B00405"
    raise AppError(code, error.message, status_code=error.status_code)


handler = app  # the Lambda entry point: template.yaml names examples.chat.http_app.handler
