"""CORS headers that browsers accept.

The default answers every origin with ``Access-Control-Allow-Origin: *`` and no credentials:
browsers reject ``*`` together with ``Access-Control-Allow-Credentials: true``. A ``CorsConfig``
with explicit origins reflects a matching ``Origin`` (adding ``Vary: Origin``), may allow
credentials, and never reflects an origin it does not list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lambdakit._frozen import Frozen

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Final

__all__ = ["DEFAULT_CORS", "CorsConfig"]

_FIELDS = (
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "expose_headers",
    "allow_credentials",
    "max_age",
)


class CorsConfig(Frozen):
    """Which cross-origin requests the browser may make. Immutable.

    ``allow_origins`` is ``("*",)`` (any origin, never with credentials) or the exact origins
    allowed, such as ``("https://app.example.com",)``.
    """

    _fields = _FIELDS
    __slots__ = (*_FIELDS, "_origins", "_static")

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...]
    allow_headers: tuple[str, ...]
    expose_headers: tuple[str, ...]
    allow_credentials: bool
    max_age: int | None
    _origins: frozenset[str]
    _static: dict[str, str]

    def __init__(
        self,
        allow_origins: Iterable[str] = ("*",),
        allow_methods: Iterable[str] = ("*",),
        allow_headers: Iterable[str] = ("*",),
        expose_headers: Iterable[str] = (),
        allow_credentials: bool = False,
        max_age: int | None = None,
    ) -> None:
        setter = object.__setattr__
        for name, value in (
            ("allow_origins", allow_origins),
            ("allow_methods", allow_methods),
            ("allow_headers", allow_headers),
            ("expose_headers", expose_headers),
        ):
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise TypeError(f"CorsConfig.{name} must be a sequence of strings")
            setter(self, name, tuple(value))
        setter(self, "allow_credentials", allow_credentials)
        setter(self, "max_age", max_age)
        if not self.allow_origins:
            raise ValueError("CorsConfig.allow_origins must name at least one origin, or '*'")
        if self.allow_credentials and (
            self.wildcard or "*" in self.allow_headers or "*" in self.allow_methods
        ):
            # With credentials, browsers take "*" literally instead of as a wildcard.
            raise ValueError(
                "CorsConfig: allow_credentials=True needs explicit origins, methods and headers; "
                "browsers reject '*' on credentialed requests"
            )
        setter(self, "_origins", frozenset(o.rstrip("/") for o in self.allow_origins))
        static = {
            "Access-Control-Allow-Headers": ", ".join(self.allow_headers),
            "Access-Control-Allow-Methods": ", ".join(self.allow_methods),
        }
        if self.expose_headers:
            static["Access-Control-Expose-Headers"] = ", ".join(self.expose_headers)
        if self.allow_credentials:
            static["Access-Control-Allow-Credentials"] = "true"
        setter(self, "_static", static)

    def __hash__(self) -> int:  # type: ignore[override]  # fields all hashable, unlike most
        return hash(self._values())

    @property
    def wildcard(self) -> bool:
        return "*" in self.allow_origins

    def allowed_origin(self, origin: str | None) -> str | None:
        """The value for ``Access-Control-Allow-Origin``, or ``None`` when not allowed."""
        if self.wildcard:
            return "*"
        if origin and origin.rstrip("/") in self._origins:
            return origin
        return None

    def headers_for(self, origin: str | None) -> dict[str, str]:
        """The CORS headers of an actual (non-preflight) response to a request from ``origin``."""
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return {"Vary": "Origin"}
        if allowed == "*":
            return {"Access-Control-Allow-Origin": "*", **self._static}
        return {"Access-Control-Allow-Origin": allowed, "Vary": "Origin", **self._static}

    def preflight_headers(self, origin: str | None, request_headers: str | None) -> dict[str, str]:
        """The headers of the answer to a preflight ``OPTIONS`` request."""
        headers = self.headers_for(origin)
        if "Access-Control-Allow-Origin" not in headers:
            return headers
        if "*" in self.allow_headers and request_headers:
            headers["Access-Control-Allow-Headers"] = request_headers
        if self.max_age is not None:
            headers["Access-Control-Max-Age"] = str(self.max_age)
        return headers


DEFAULT_CORS: Final = CorsConfig()


def _is_preflight_request(method: str, headers: Mapping[str, str]) -> bool:
    """A CORS preflight: ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``."""
    return (
        method == "OPTIONS" and "origin" in headers and "access-control-request-method" in headers
    )
