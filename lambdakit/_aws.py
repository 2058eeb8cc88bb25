"""Small helpers shared by the code that talks to AWS through boto3."""

from __future__ import annotations

import os
from typing import Any

from lambdakit.settings import AWS_DEFAULT_REGION_ENV, AWS_REGION_ENV


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ``ClientError`` (``"GoneException"``...), else None."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return code if isinstance(code, str) else None
    return None


def region(explicit: str | None = None) -> str:
    """The region to use: given, else Lambda's ``AWS_REGION``, else ``AWS_DEFAULT_REGION``,
    else ``us-east-1``."""
    return (
        explicit
        or os.environ.get(AWS_REGION_ENV)
        or os.environ.get(AWS_DEFAULT_REGION_ENV)
        or "us-east-1"
    )


def client(
    service: str,
    *,
    install_hint: str,
    region_name: str | None = None,
    endpoint_url: str | None = None,
    max_attempts: int = 3,
    timeout: float = 5.0,
    max_pool_connections: int = 10,
) -> Any:
    """A boto3 client with botocore's ``standard`` retries (backoff with jitter, throttling
    included) over ``max_attempts`` attempts in all, and connect/read timeouts."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ImportError(install_hint) from None
    config = Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=timeout,
        read_timeout=timeout,
        max_pool_connections=max_pool_connections,
    )
    return boto3.session.Session().client(
        service, config=config, region_name=region(region_name), endpoint_url=endpoint_url
    )


def dns_suffix(region_name: str) -> str:
    """``amazonaws.com``, or ``amazonaws.com.cn`` in the China regions."""
    return "amazonaws.com.cn" if region_name.startswith("cn-") else "amazonaws.com"
