"""Keep secrets out of logs and error notifications.

Headers, query parameters and body fields whose names look secret are replaced by
``[REDACTED]``: anything auth (``Authorization``, ``X-Auth``, OAuth), cookies, API and access
keys, tokens and JWTs (the ALB's ``X-Amzn-Oidc-*`` included), passwords, secrets, sessions,
signatures, card data, plus any names the caller adds. Short words (``pin``, ``ssn``, ``key``)
count as whole words of a name: ``user_pin`` and ``apiKey`` are secret, ``spinner`` is not.
Values that are credentials whatever their name (``Bearer ...``, a JWT, an AWS access key id)
are replaced too.
"""

from __future__ import annotations

import re
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
# ...and whole names too short to match as parts without hiding harmless fields...
SECRET_NAMES: Final = frozenset({"key", "pin", "otp", "ssn", "sig", "pwd", "pass", "x-sig"})
# ...which also count as whole words of a longer name (``new_pwd``, ``cardPin``, ``user-ssn``).
SECRET_WORDS: Final = frozenset(
    {"key", "pin", "otp", "totp", "mfa", "ssn", "sig", "pwd", "pass", "passphrase", "cvc"}
)
# Words of a name: snake_case, kebab-case, dotted, and camelCase / PascalCase parts.
_WORDS: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Values that are credentials whatever the field: an HTTP auth scheme with its credentials, a
# JWT, an AWS access key id.
SECRET_VALUE: Final = re.compile(
    r"(?i:bearer|basic|digest|negotiate)\s+\S{8,}"
    r"|eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\."
    r"|\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"
)

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
        if lowered in self._exact or any(part in lowered for part in SECRET_NAME_PARTS):
            return True
        return any(word.lower() in SECRET_WORDS for word in _WORDS.findall(name))

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
        if isinstance(value, str) and SECRET_VALUE.search(value):
            return REDACTED
        return value
