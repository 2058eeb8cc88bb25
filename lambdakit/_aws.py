"""Small helpers shared by the code that talks to AWS through boto3."""

from __future__ import annotations

import os


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
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or "us-east-1"
    )
