"""``Router``: routes written down where they are declared, to be added to an ``HttpResolver``
(which is one): the decorators, the checks made where a route is written, and the options a
route may override."""

from __future__ import annotations

from lambdakit.router._routes import METHODS, PathTemplate

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])

# The decorator's options, which an app takes and a route may override.
OPTION_NAMES = frozenset(
    {
        "error_receiver",
        "content_type",
        "ignore_app_errors",
        "traceback",
        "cors",
        "charset",
        "access_log",
        "redact_fields",
        "error_status_code",
        "error_message",
        "error_receiver_timeout",
    }
)


class Router:
    """Routes to be added to an ``HttpResolver``: ``app.include_router(router, prefix=...)``."""

    def __init__(self) -> None:
        self._entries: list[tuple[str, str, Callable[..., Any], dict[str, Any]]] = []

    def route(
        self,
        path: str,
        methods: Iterable[str] = ("GET",),
        *,
        summary: str | None = None,
        tags: Iterable[str] = (),
        include_in_schema: bool = True,
        operation_id: str | None = None,
        **options: Any,
    ) -> Callable[[F], F]:
        """Register the decorated function for ``methods`` on ``path``. ``options`` are
        ``aws_lambda_handler``'s (``content_type``, ``cors``, ...), overriding the app's."""
        if isinstance(methods, str):
            raise TypeError("methods must be a list of methods, such as ['GET', 'POST']")
        wanted = [m.upper() for m in methods]
        unknown = [m for m in wanted if m not in METHODS]
        if unknown or not wanted:
            raise ValueError(f"methods must be among {', '.join(METHODS)}, got {unknown or '[]'}")
        misnamed = sorted(set(options) - OPTION_NAMES)
        if misnamed:
            raise TypeError(f"unknown route options: {', '.join(misnamed)}")
        meta = {
            "path": path,
            "template": PathTemplate(path),  # a bad path fails here, where it is written
            "options": options,
            "summary": summary,
            "tags": tuple(tags),
            "include_in_schema": include_in_schema,
            "operation_id": operation_id,
        }

        def decorate(func: F) -> F:
            if not callable(func):
                raise TypeError(f"the handler for {path} must be callable")
            for method in wanted:
                self._add(method, path, func, meta)
            return func

        return decorate

    def get(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.route(path, ("GET",), **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.route(path, ("POST",), **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.route(path, ("PUT",), **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.route(path, ("PATCH",), **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.route(path, ("DELETE",), **kwargs)

    def head(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.route(path, ("HEAD",), **kwargs)

    def options(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.route(path, ("OPTIONS",), **kwargs)

    def _add(self, method: str, path: str, func: Callable[..., Any], meta: dict[str, Any]) -> None:
        self._entries.append((method, path, func, meta))


def check_parameter_names(func: Callable[..., Any], template: PathTemplate) -> None:
    """Each path parameter must be a parameter of the function: checked at registration from
    the code object (the full binding, with type hints, is compiled on first request)."""
    code = getattr(func, "__code__", None)
    if code is None or code.co_flags & 0x08:  # not a plain function, or **kwargs
        return
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    for name in template.names:
        if name not in names:
            qualname = getattr(func, "__qualname__", func)
            raise TypeError(f"{qualname} has no parameter for the path parameter {name!r}")
