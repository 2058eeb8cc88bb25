"""``LambdaContext``: the context object a handler receives, for code that calls handlers itself
(``lambdakit.testing``'s tests, the local API Gateway's in-process path)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

__all__ = ["LambdaContext"]


@dataclass
class LambdaContext:
    """A stand-in for the context object the Lambda runtime passes to a handler."""

    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    timeout_seconds: float = 3.0
    _deadline: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))
