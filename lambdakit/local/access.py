"""Who may talk to the local gateway: the ``Host`` allow-list and the WebSocket ``Origin`` check.

A page on another site can reach a server on 127.0.0.1 through the victim's browser: by DNS
rebinding (its own name made to resolve to 127.0.0.1, so the browser sends ``Host:
evil.test``) or, for WebSockets, directly (browsers do not apply the same-origin policy to
them; they send ``Origin``). Vite (CVE-2025-24010) and webpack-dev-server (CVE-2018-14732) closed
both holes the same way, and so does this module:

- ``Host`` must be a loopback name or address (``localhost``, ``*.localhost``,
  ``127.0.0.0/8``, ``[::1]``), the address the server is bound to, or one of
  ``--allowed-host``; a missing ``Host`` (HTTP/1.0) is accepted: browsers always send one.
- A WebSocket ``Origin``, when present, must be a loopback page (any scheme, any port), the
  page's own server (``Origin`` naming the same host and port as ``Host``), or one of
  ``--allow-origin``. Clients that are not browsers send no ``Origin`` and are accepted.

The checks return verdicts; ``app.py`` turns a refusal into a 403.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})  # noqa: S104 - names, not a bind


def is_loopback(host: str) -> bool:
    """``localhost``, ``x.localhost``, ``127.0.0.0/8`` or ``::1`` (brackets allowed)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def split_host(value: str) -> tuple[str, str]:
    """``"[::1]:3000"`` -> ``("::1", "3000")``; ``"Example.test."`` -> ``("example.test", "")``."""
    value = value.strip().lower()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
    else:  # no port, or an unbracketed IPv6 address
        host, port = value, ""
    return host.rstrip("."), port


def _normalise(name: str) -> str:
    return split_host(name)[0] if not name.startswith(".") else name.lower().rstrip(".")


def host_allowed(host_header: str | None, allowed: Iterable[str]) -> bool:
    """Whether a request naming ``host_header`` may be served."""
    if host_header is None:
        return True
    host, _ = split_host(host_header)
    if not host:
        return False
    if is_loopback(host):
        return True
    for entry in allowed:
        name = _normalise(entry)
        if name == "*" or name == host:
            return True
        if name.startswith(".") and (host == name[1:] or host.endswith(name)):
            return True
    return False


def _origin_key(origin: str) -> str:
    parts = urlsplit(origin.strip().lower())
    return f"{parts.scheme}://{parts.netloc}".rstrip(".") if parts.scheme else origin.strip()


def origin_allowed(origin: str | None, host_header: str | None, allowed: Iterable[str]) -> bool:
    """Whether a WebSocket handshake with this ``Origin`` may go on."""
    if origin is None:
        return True  # not a browser: nothing another site could abuse
    if origin.strip().lower() == "null":  # sandboxed frames, file:// pages
        return any(a.strip().lower() == "null" or a.strip() == "*" for a in allowed)
    parts = urlsplit(origin.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return any(a.strip() == "*" for a in allowed)
    if is_loopback(parts.hostname):
        return True
    if host_header is not None and parts.netloc == host_header.strip().lower():
        return True  # the page this server served: Host already passed the allow-list
    key = _origin_key(origin)
    return any(a.strip() == "*" or _origin_key(a) == key for a in allowed)
