"""HTTP routing in one Lambda function: ``HttpResolver``, ``Router`` and parameter markers.

``lambdakit.router`` imports the route table and the resolver only; parameter binding is
compiled on a route's first request and the OpenAPI document on its first use.
"""

from __future__ import annotations

from lambdakit.router._markers import Body, Cookie, Header, Query
from lambdakit.router._resolver import HttpResolver, MethodNotAllowedError, RouteNotFoundError
from lambdakit.router._router import Router

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from lambdakit._middleware import Middleware

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
    # PEP 562: the middleware base class is the WebSocket resolver's, imported on first use.
    if name == "Middleware":
        from lambdakit._middleware import Middleware

        return Middleware
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
