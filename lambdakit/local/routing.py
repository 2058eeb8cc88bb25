"""Match a request to an HTTP route the way API Gateway does.

Path templates use API Gateway's syntax: ``{name}`` matches one segment, ``{name+}`` the rest of
the path (greedy), ``$default`` anything. The most specific route wins: fixed segments before
parameters, parameters before a greedy parameter; a route for the exact method before ``ANY``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lambdakit.local.config import HttpRoute

_PARAMETER = re.compile(r"^\{([A-Za-z0-9_.\-]+)(\+?)\}$")


@dataclass(frozen=True)
class Match:
    route: HttpRoute
    path_parameters: dict[str, str]


class _Compiled:
    __slots__ = ("pattern", "rank", "route")

    def __init__(self, route: HttpRoute) -> None:
        self.route = route
        if route.path == "$default":
            self.pattern = re.compile(r"^(?P<__all>.*)$")
            self.rank = (3, 0, 0)
            return
        parts, fixed, greedy = [], 0, 0
        for segment in route.path.strip("/").split("/") if route.path.strip("/") else []:
            parameter = _PARAMETER.match(segment)
            if parameter is None:
                parts.append(re.escape(segment))
                fixed += 1
            elif parameter.group(2):
                parts.append(f"(?P<{_group(parameter.group(1))}>.+)")
                greedy += 1
            else:
                parts.append(f"(?P<{_group(parameter.group(1))}>[^/]+)")
        self.pattern = re.compile("^/" + "/".join(parts) + "/?$")
        # Fewer greedy parameters, then more fixed segments, then exact method first.
        self.rank = (greedy, -fixed, 1 if route.method == "ANY" else 0)


def _group(name: str) -> str:
    return "p_" + re.sub(r"[^A-Za-z0-9_]", lambda m: f"_{ord(m.group()):x}_", name)


def _name(group: str) -> str:
    return re.sub(r"_([0-9a-f]+)_", lambda m: chr(int(m.group(1), 16)), group[2:])


class Router:
    """Routes compiled once; ``match`` returns a verdict, never a response."""

    def __init__(self, routes: tuple[HttpRoute, ...]) -> None:
        self._routes = sorted((_Compiled(r) for r in routes), key=lambda c: c.rank)

    def match(self, method: str, path: str) -> Match | None:
        for compiled in self._routes:
            if compiled.route.method not in ("ANY", method):
                continue
            found = compiled.pattern.match(path)
            if found:
                parameters = {_name(k): v for k, v in found.groupdict().items() if k != "__all"}
                return Match(compiled.route, parameters)
        return None
