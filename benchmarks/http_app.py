"""The lambdakit side of the load test (``lambdakit serve --http``): a small JSON answer."""

from __future__ import annotations

from typing import Any

from lambdakit import aws_lambda_handler


@aws_lambda_handler()
def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    return {"message": "hello"}
