"""The chat's HTTP function: ``GET /`` serves the page, ``GET /api/messages`` the recent messages.

One decorator has one content type, so the page (HTML) and the API (the JSON envelope) are two
small decorated functions behind ``handler``, which routes by path. Deployed behind an HTTP API
or a REST API (``template.yaml``), or served locally by ``lambdakit serve``.
"""

from __future__ import annotations

import functools
import html
import os
from pathlib import Path
from typing import Any, Final

from examples.chat.messages import message_store
from lambdakit import AppError, LambdaEvent, aws_lambda_handler

WEBSOCKET_URL_ENV: Final = "CHAT_WEBSOCKET_URL"
PAGE_PATH: Final = Path(__file__).with_name("page.html")
READ_METHODS: Final = ("GET", "HEAD")


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


@aws_lambda_handler(content_type="text/html", cors=False)
def page(event: dict[str, Any], context: Any) -> str:
    url = websocket_url(LambdaEvent.from_event(event))
    # The Host header is the client's to choose: escaped, it can only ever be an attribute value.
    return _page_template().replace("{{websocket_url}}", html.escape(url, quote=True))


@aws_lambda_handler(cors=False, ignore_app_errors=["B00404", "B00405"])
def api(event: dict[str, Any], context: Any) -> list[dict[str, str]]:
    request = LambdaEvent.from_event(event)
    if request.path not in ("/", "/api/messages"):
        raise AppError("B00404", f"No route for {request.path}", status_code=404)
    if request.http_method not in READ_METHODS:
        raise AppError("B00405", f"{request.http_method} is not allowed", status_code=405)
    return [message.to_dict() for message in message_store().recent()]


def handler(event: dict[str, Any], context: Any) -> Any:
    """The Lambda entry point: ``GET /`` is the page, anything else the JSON API."""
    request = LambdaEvent.from_event(event)
    if request.path in ("", "/") and request.http_method in READ_METHODS:
        return page(event, context)
    return api(event, context)
