"""Keep secrets out of logs and error notifications.

Headers, query parameters and body fields whose names look secret are replaced by
``[REDACTED]``: anything auth (``Authorization``, ``X-Auth``, OAuth), cookies, API and access
keys, tokens and JWTs (the ALB's ``X-Amzn-Oidc-*`` included), passwords, secrets, sessions,
signatures, card data, plus any names the caller adds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

REDACTED: Final = "[REDACTED]"

# Substrings of lower-cased names that mark a value as secret...
SECRET_NAME_PARTS: Final = (
    "auth",
    "cookie",
    "token",
    "secret",
    "passw",
    "passwd",
    "api-key",
    "api_key",
    "apikey",
    "session",
    "credential",
    "private",
    "signature",
    "x-amz-security",
    "access_key",
    "accesskey",
    "access-key",
    "oidc",
    "jwt",
    "card",
    "cvv",
    "iban",
)
# ...and whole names too short to match as parts without hiding harmless fields.
SECRET_NAMES: Final = frozenset({"key", "pin", "otp", "ssn", "sig", "pwd", "pass", "x-sig"})

_MAX_DEPTH: Final = 20


class Redactor:
    """Replaces secret values in mappings, nested bodies included.

    ``extra_fields`` are further names (case-insensitive, exact) to redact, such as ``"ssn"``.
    """

    __slots__ = ("_exact",)

    def __init__(self, extra_fields: Iterable[str] = ()) -> None:
        if isinstance(extra_fields, str):
            raise TypeError("redact_fields must be a sequence of names, not a string")
        self._exact = SECRET_NAMES | {f.lower() for f in extra_fields}

    def is_secret(self, name: str) -> bool:
        lowered = name.lower()
        return lowered in self._exact or any(part in lowered for part in SECRET_NAME_PARTS)

    def redact(self, value: Any, _depth: int = 0) -> Any:
        """A copy of ``value`` (any JSON-like value) with secret fields replaced."""
        if _depth > _MAX_DEPTH:
            return "[...]"
        if isinstance(value, Mapping):
            return {
                k: REDACTED
                if isinstance(k, str) and self.is_secret(k)
                else self.redact(v, _depth + 1)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.redact(v, _depth + 1) for v in value]
        return value
