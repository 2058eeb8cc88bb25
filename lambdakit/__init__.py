"""lambdakit: AWS Lambda handlers behind API Gateway, with nothing but the standard library."""

from __future__ import annotations

from lambdakit.cors import CorsConfig
from lambdakit.errors import (
    AppError,
    DynamoDBError,
    InvalidBodyError,
    LambdakitError,
    MalformedEventError,
    PayloadTooLargeError,
    RequestError,
    StoreError,
    ValidationError,
)
from lambdakit.events import LambdaEvent, RequestContext, get_body, get_headers, get_source_ip
from lambdakit.handler import aws_lambda_handler
from lambdakit.headers import Headers
from lambdakit.responses import LambdaResponse, ResponseHeaders

__version__ = "0.1.0"

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from lambdakit.router import HttpResolver, Router
    from lambdakit.websocket import WebSocketResolver

_LAZY = {
    "HttpResolver": "lambdakit.router",
    "Router": "lambdakit.router",
    "WebSocketResolver": "lambdakit.websocket",
}

__all__ = [
    "AppError",
    "CorsConfig",
    "DynamoDBError",
    "Headers",
    "HttpResolver",
    "InvalidBodyError",
    "LambdaEvent",
    "LambdaResponse",
    "LambdakitError",
    "MalformedEventError",
    "PayloadTooLargeError",
    "RequestContext",
    "RequestError",
    "ResponseHeaders",
    "Router",
    "StoreError",
    "ValidationError",
    "WebSocketResolver",
    "aws_lambda_handler",
    "get_body",
    "get_headers",
    "get_source_ip",
]


def __getattr__(name: str) -> object:
    # PEP 562: the resolvers load on first use, so ``import lambdakit`` stays the decorator's.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # __import__, not importlib.import_module: importing importlib (and warnings) costs cold
    # start, and the built-in does the same for an absolute name.
    return getattr(__import__(module, fromlist=(name,)), name)
