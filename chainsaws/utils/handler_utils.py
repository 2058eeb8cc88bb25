"""``chainsaws.utils.handler_utils``: the seed's path to lambdakit's HTTP handler names."""

from lambdakit.cors import CorsConfig
from lambdakit.errors import AppError
from lambdakit.events import LambdaEvent, RequestContext, get_body, get_headers, get_source_ip
from lambdakit.handler import aws_lambda_handler
from lambdakit.responses import LambdaResponse, ResponseHeaders

__all__ = [
    "AppError",
    "CorsConfig",
    "LambdaEvent",
    "LambdaResponse",
    "RequestContext",
    "ResponseHeaders",
    "aws_lambda_handler",
    "get_body",
    "get_headers",
    "get_source_ip",
]
