"""Paths compiled once at registration, matched per request: a verdict, never a response.

Paths are written as API Gateway and OpenAPI write them, ``/users/{user_id}`` and the greedy
``/files/{proxy+}`` (the rest of the path, slashes included), or as Powertools writes them,
``/users/<user_id>``. A parameter is a whole, non-empty segment, as in API Gateway. A path is
matched segment by segment with string comparisons (no regex to compile on a cold start)::

    PathTemplate("/users/{user_id}").values("/users/42") == {"user_id": "42"}
"""

from __future__ import annotations

from lambdakit.events import LambdaEvent

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _parameter(segment: str) -> tuple[str, bool] | None:
    """``(name, greedy)`` for ``{name}``, ``{name+}`` or ``<name>``; ``None`` otherwise."""
    if len(segment) > 2 and segment[0] == "{" and segment[-1] == "}":
        name = segment[1:-1]
        greedy = name.endswith("+")
        name = name[:-1] if greedy else name
    elif len(segment) > 2 and segment[0] == "<" and segment[-1] == ">":
        name, greedy = segment[1:-1], False
    else:
        return None
    if not name or any(c in name for c in "{}<>+"):
        return None  # the caller rejects a segment with a brace that is not a parameter
    return name, greedy


class PathTemplate:
    """A compiled path: its parameter names, its segments (``None`` for a parameter), and the
    form OpenAPI writes it in (``{proxy+}`` becomes ``{proxy}``)."""

    __slots__ = ("greedy", "key", "names", "openapi_path", "path", "prefix", "segments")

    def __init__(self, path: str) -> None:
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"a route path starts with '/': {path!r}")
        self.path = normalise(path)
        names: list[str] = []
        compiled: list[str | None] = []
        key, openapi = [], []
        segments = self.path.split("/")[1:] if self.path != "/" else []
        self.greedy = False
        for index, segment in enumerate(segments):
            found = _parameter(segment)
            if found is None:
                if any(c in segment for c in "{}<>"):
                    raise ValueError(
                        f"a path parameter must be a whole segment, as in API Gateway: {path!r}"
                    )
                compiled.append(segment)
                key.append(segment)
                openapi.append(segment)
                continue
            name, greedy = found
            if not name.isidentifier():
                raise ValueError(f"path parameter {name!r} in {path!r} is not a Python name")
            if name in names:
                raise ValueError(f"path parameter {name!r} appears twice in {path!r}")
            if greedy and index != len(segments) - 1:
                raise ValueError(f"a greedy parameter {{{name}+}} must end the path: {path!r}")
            names.append(name)
            self.greedy = self.greedy or greedy
            compiled.append(None)
            key.append("{+}" if greedy else "{}")
            openapi.append(f"{{{name}}}")
        self.names = tuple(names)
        self.segments = tuple(compiled)
        self.key = "/" + "/".join(key)  # the shape: two paths of one shape are one route
        self.openapi_path = "/" + "/".join(openapi)
        # The literal start of the path, a cheap first test before the segments.
        literal = self.key.split("{", 1)[0]
        self.prefix = literal if names else self.path

    def split(self, parts: list[str]) -> list[str] | None:
        """The raw (still percent-encoded) parameter values of a path split on ``/`` (once per
        request, by the caller), in the order of ``names``; ``None`` when it does not match.
        The segment count is compared first, so a long path costs each template nothing."""
        segments = self.segments
        count = len(segments)
        extra = len(parts) - 1 - count
        if extra != 0 and not (self.greedy and extra > 0):
            return None
        found: list[str] = []
        for index in range(count):
            literal, part = segments[index], parts[index + 1]
            if literal is not None:
                if part != literal:
                    return None
                continue
            if extra and index == count - 1:  # the greedy {proxy+}: the rest, slashes and all
                part = "/".join(parts[count:])
            if not part:
                return None  # a parameter is never empty
            found.append(part)
        return found

    def values(self, path: str) -> dict[str, str] | None:
        """The parameters of ``path`` (percent-decoded), or ``None`` when it does not match."""
        if not self.names:
            return {} if path == self.path else None
        found = self.split(path.split("/")) if path.startswith(self.prefix) else None
        if found is None:
            return None
        values = dict(zip(self.names, found, strict=True))
        for name, value in values.items():
            if "%" in value:
                from urllib.parse import unquote

                values[name] = unquote(value)
        return values


def normalise(path: str) -> str:
    # API Gateway removes the trailing slash before matching a resource: we do the same.
    return path.rstrip("/") or "/"


def method_and_path(event: Any) -> tuple[str, str]:
    """The method and the path to route on; REST and ALB events read directly."""
    if type(event) is dict:
        method, path = event.get("httpMethod"), event.get("path")
        if type(method) is str and type(path) is str:  # REST (v1) and ALB: the common case
            return method.upper(), path.rstrip("/") or "/"
    view = LambdaEvent.from_event(event)
    return view.http_method, request_path(view)


def request_path(view: LambdaEvent) -> str:
    """The path to route on. An HTTP API on a named stage puts the stage first in ``rawPath``
    (``/prod/users``), where a REST API does not: it is taken off, as Powertools does."""
    path = view.path
    if view.trigger == "http":
        stage = view.requestContext.stage
        if stage and stage != "$default" and path.startswith(f"/{stage}/"):
            path = path[len(stage) + 1 :]
    return normalise(path)


class Route:
    """One method on one path, the function it calls, and how it is described and served."""

    __slots__ = (
        "func",
        "handler",
        "include_in_schema",
        "method",
        "operation_id",
        "options",
        "summary",
        "tags",
        "template",
    )

    def __init__(
        self,
        method: str,
        template: PathTemplate,
        func: Callable[..., Any],
        *,
        options: Mapping[str, Any],
        summary: str | None = None,
        tags: tuple[str, ...] = (),
        include_in_schema: bool = True,
        operation_id: str | None = None,
    ) -> None:
        self.method = method
        self.template = template
        self.func = func
        self.options = dict(options)
        self.summary = summary
        self.tags = tags
        self.include_in_schema = include_in_schema
        self.operation_id = operation_id
        self.handler: Callable[[Any, Any], Any] | None = None  # composed on first request


class RouteTable:
    """Static paths in a dict; parametrised ones tried most specific first, as API Gateway
    does: segment by segment, a literal before a parameter before a greedy ``{proxy+}``
    (``/files/{id}/meta`` before ``/files/{proxy+}``, whatever the order they were added in)."""

    __slots__ = ("_dynamic", "_shapes", "_sorted", "_static")

    def __init__(self) -> None:
        self._static: dict[str, dict[str, Route]] = {}
        self._dynamic: list[tuple[PathTemplate, dict[str, Route]]] = []
        self._shapes: dict[str, PathTemplate] = {}
        self._sorted = True  # _dynamic in order of specificity; sorted on first match

    def add(self, route: Route) -> None:
        """Add ``route``; ``ValueError`` when its method and path are taken already."""
        template = route.template
        known = self._shapes.get(template.key)
        if known is not None and known.names != template.names:
            raise ValueError(
                f"{template.path!r} conflicts with {known.path!r}: one path, two parameter names"
            )
        if known is None:
            self._shapes[template.key] = template
            methods: dict[str, Route] = {}
            if not template.names:
                self._static[template.path] = methods
            else:
                self._dynamic.append((template, methods))
                self._sorted = False
        else:
            methods = self._methods(known)
        if route.method in methods:
            raise ValueError(f"a route for {route.method} {template.path} is already registered")
        methods[route.method] = route

    def _methods(self, template: PathTemplate) -> dict[str, Route]:
        if not template.names:
            return self._static[template.path]
        return next(m for t, m in self._dynamic if t is template)

    def match(self, method: str, path: str) -> tuple[Route | None, tuple[str, ...]]:
        """The route for ``method`` on ``path``; else ``None`` and the methods the path
        allows (none: no such path)."""
        methods = self._static.get(path)
        if methods is not None:
            route = methods.get(method) or _head_by_get(method, methods)
            if route is not None:
                return route, ()
            allowed = set(methods)
        else:
            allowed = set()
        if not self._sorted:
            self._sort()
        parts = path.split("/")
        for template, methods in self._dynamic:
            if path.startswith(template.prefix) and template.split(parts) is not None:
                route = methods.get(method) or _head_by_get(method, methods)
                if route is not None:
                    return route, ()
                allowed.update(methods)
        if not allowed:
            return None, ()
        if "GET" in allowed:
            allowed.add("HEAD")
        return None, tuple(m for m in METHODS if m in allowed)

    def _sort(self) -> None:
        # A new list, swapped in whole: a request on another thread keeps reading the old one
        # (sorting in place empties the list while it runs, and the GIL may switch mid-sort).
        self._dynamic = sorted(self._dynamic, key=lambda entry: _specificity(entry[0].path))
        self._sorted = True

    def __iter__(self) -> Any:
        if not self._sorted:
            self._sort()
        for methods in self._static.values():
            yield from methods.values()
        for _, methods in self._dynamic:
            yield from methods.values()


def _head_by_get(method: str, methods: dict[str, Route]) -> Route | None:
    """A ``HEAD`` with no route of its own is answered by the path's ``GET`` route, as HTTP
    asks of a server (RFC 9110, 9.3.2); the resolver drops the body."""
    return methods.get("GET") if method == "HEAD" else None


def _specificity(path: str) -> tuple[int, ...]:
    """Sort key of a path template: per segment 0 for a literal, 1 for ``{name}``, 2 for a
    greedy ``{name+}`` (Powertools' ``<name>`` is a parameter too)."""
    key = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{") and segment.endswith("+}"):
            key.append(2)
        elif segment.startswith(("{", "<")):
            key.append(1)
        else:
            key.append(0)
    return tuple(key)
