"""Settings read from the environment: their names, in one place."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Final

TRACEBACK_ENV: Final = "LAMBDAKIT_TRACEBACK"
ACCESS_LOG_ENV: Final = "LAMBDAKIT_ACCESS_LOG"
LOG_LEVEL_ENV: Final = "LAMBDAKIT_LOG_LEVEL"
# The JSON writer: "stdlib" (the default) or "orjson" (the fast extra); see lambdakit._json.
JSON_ENV: Final = "LAMBDAKIT_JSON"


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a true value (1, true, yes, on)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
