"""The ``lambdakit`` logger, imported lazily: the ``logging`` package (and the JSON handler)
load on the first record, not on import, so a request that logs nothing never pays for it."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    import logging
    from typing import Any


class _LazyLogger:
    """Stands in for ``logging.getLogger("lambdakit")``; configured on first use."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(real_logger(), name)


def real_logger() -> logging.Logger:
    from lambdakit.logs import configure_logging, get_logger

    configure_logging()
    return get_logger()


logger: Any = _LazyLogger()
