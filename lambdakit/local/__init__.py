"""The local API Gateway: serve Lambda handlers over HTTP and WebSocket on localhost.

Needs the ``local`` extra (uvicorn, websockets, PyYAML, watchfiles). Start it with
``lambdakit serve`` or ``python -m lambdakit serve``; embed it with ``LocalGateway(config)``,
an ASGI application.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: the package is imported before its modules
if TYPE_CHECKING:
    from lambdakit.local.app import LocalGateway
    from lambdakit.local.config import GatewayConfig
    from lambdakit.local.template import config_from_template

__all__ = ["GatewayConfig", "LocalGateway", "config_from_template"]


def __getattr__(name: str) -> object:
    # PEP 562: the server stack loads when one of its names is asked for, not on import.
    if name == "LocalGateway":
        from lambdakit.local.app import LocalGateway

        return LocalGateway
    if name == "GatewayConfig":
        from lambdakit.local.config import GatewayConfig

        return GatewayConfig
    if name == "config_from_template":
        from lambdakit.local.template import config_from_template

        return config_from_template
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
