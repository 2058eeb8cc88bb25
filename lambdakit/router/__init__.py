"""HTTP routing in one Lambda function: ``HttpResolver``, ``Router`` and parameter markers.

``lambdakit.router`` imports the route table and the resolver only; parameter binding is
compiled on a route's first request and the OpenAPI document on its first use.
"""

from __future__ import annotations

from lambdakit.router._resolver import HttpResolver, MethodNotAllowedError, RouteNotFoundError
from lambdakit.router._router import Router

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from lambdakit._middleware import Middleware
    from lambdakit.router._markers import Body, Cookie, Header, Query

# Loaded on first use (PEP 562): an app whose parameters need no marker never imports them.
_LAZY = {
    "Body": "lambdakit.router._markers",
    "Cookie": "lambdakit.router._markers",
    "Header": "lambdakit.router._markers",
    "Query": "lambdakit.router._markers",
    "Middleware": "lambdakit._middleware",
}

__all__ = [
    "Body",
    "Cookie",
    "Header",
    "HttpResolver",
    "MethodNotAllowedError",
    "Middleware",
    "Query",
    "RouteNotFoundError",
    "Router",
]


def __getattr__(name: str) -> object:
    # The middleware base class is the WebSocket resolver's; the markers are the binding's.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(__import__(module, fromlist=(name,)), name)
