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

__all__ = [
    "AppError",
    "CorsConfig",
    "DynamoDBError",
    "Headers",
    "InvalidBodyError",
    "LambdaEvent",
    "LambdaResponse",
    "LambdakitError",
    "MalformedEventError",
    "PayloadTooLargeError",
    "RequestContext",
    "RequestError",
    "ResponseHeaders",
    "StoreError",
    "ValidationError",
    "aws_lambda_handler",
    "get_body",
    "get_headers",
    "get_source_ip",
]
