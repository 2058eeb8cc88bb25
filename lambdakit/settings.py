"""Settings read from the environment: every variable lambdakit reads, named in one place.

lambdakit's own (``LAMBDAKIT_*``) and the ones Lambda, API Gateway and the AWS SDKs define,
which lambdakit reads as AWS documents them.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Final

__all__ = [
    "ACCESS_LOG_ENV",
    "AWS_DEFAULT_REGION_ENV",
    "AWS_LAMBDA_LOG_LEVEL_ENV",
    "AWS_REGION_ENV",
    "ENDPOINT_ENV",
    "JSON_ENV",
    "LOCAL_CONFIG_ENV",
    "LOG_LEVEL_ENV",
    "RECEIVER_TIMEOUT_ENV",
    "SQLITE_PATH_ENV",
    "STORE_ENV",
    "TRACEBACK_ENV",
    "env_flag",
]

#: ``1`` puts tracebacks into error answers (never in production).
TRACEBACK_ENV: Final = "LAMBDAKIT_TRACEBACK"
#: ``1`` logs one access line per invocation.
ACCESS_LOG_ENV: Final = "LAMBDAKIT_ACCESS_LOG"
#: The ``lambdakit`` logger's level (else ``AWS_LAMBDA_LOG_LEVEL``, else ``INFO``).
LOG_LEVEL_ENV: Final = "LAMBDAKIT_LOG_LEVEL"
#: Seconds an answer waits for the ``error_receiver`` (default 2).
RECEIVER_TIMEOUT_ENV: Final = "LAMBDAKIT_ERROR_RECEIVER_TIMEOUT"
#: The JSON writer: ``stdlib`` (the default) or ``orjson`` (the ``fast`` extra).
JSON_ENV: Final = "LAMBDAKIT_JSON"
#: The connection store: ``dynamodb`` (default), ``sqlite`` or ``memory``.
STORE_ENV: Final = "LAMBDAKIT_CONNECTION_STORE"
#: The SQLite store's file.
SQLITE_PATH_ENV: Final = "LAMBDAKIT_SQLITE_PATH"
#: The ``@connections`` endpoint, when the event does not give it.
ENDPOINT_ENV: Final = "LAMBDAKIT_WS_ENDPOINT"
#: The local API Gateway's configuration, handed by ``lambdakit serve`` to its reloader.
LOCAL_CONFIG_ENV: Final = "LAMBDAKIT_LOCAL_CONFIG"
#: Set by Lambda: the function's region, then the SDKs' default.
AWS_REGION_ENV: Final = "AWS_REGION"
AWS_DEFAULT_REGION_ENV: Final = "AWS_DEFAULT_REGION"
#: Set by Lambda's advanced logging controls.
AWS_LAMBDA_LOG_LEVEL_ENV: Final = "AWS_LAMBDA_LOG_LEVEL"


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a true value (1, true, yes, on)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
