"""Keep secrets out of logs, error notifications and error answers.

Two rules, applied wherever lambdakit writes what a request or an exception carried:

- **By name.** Headers, query parameters and body fields whose names look secret are replaced by
  ``[REDACTED]``: anything auth (``Authorization``, ``X-Auth``, OAuth), cookies, API and access
  keys, tokens and JWTs (the ALB's ``X-Amzn-Oidc-*`` included), passwords, secrets, sessions,
  signatures, card data, plus any names the caller adds. Short words (``pin``, ``ssn``, ``key``)
  count as whole words of a name: ``user_pin`` and ``apiKey`` are secret, ``spinner`` is not.
- **By shape.** Values that are credentials whatever their name (``Bearer ...``, a JWT, an AWS
  access key id) are replaced too. In free text (exception messages, tracebacks) only the secret
  part goes: ``Bearer [REDACTED]``, ``?api_key=[REDACTED]``, ``"password": "[REDACTED]"``,
  ``https://user:[REDACTED]@host``.

Untrusted text is scanned in linear time: every pattern starts only where a token starts (a
look-behind rules out the other positions), so no input makes the scan backtrack over what it has
already read. No string is scanned past ``MAX_SCAN_CHARS``: a longer one is cut there (and says
so) before it is scanned, so what is shown has always been checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

__all__ = [
    "MAX_SCAN_CHARS",
    "REDACTED",
    "SECRET_NAMES",
    "SECRET_NAME_PARTS",
    "SECRET_VALUE",
    "SECRET_WORDS",
    "Redactor",
]

REDACTED: Final = "[REDACTED]"
#: The longest string scanned (and shown); longer ones are cut to it first.
MAX_SCAN_CHARS: Final = 65_536

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
# Names longer than this are not split into words (no real field name is).
_MAX_NAME_CHARS: Final = 256
# Words of a name: snake_case, kebab-case, dotted, and camelCase / PascalCase parts.
_WORDS: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")

# Credentials whatever the field, each anchored where a token starts (the look-behinds), which
# keeps every scan linear: a failed start never makes a later start re-read the same run.
_SCHEME: Final = r"(?<![A-Za-z0-9])(?i:bearer|basic|digest|negotiate)"
_JWT: Final = r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\."
_AWS_KEY_ID: Final = r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])"
#: A value that is a credential: an HTTP auth scheme with its credentials, a JWT, an AWS
#: access key id.
SECRET_VALUE: Final = re.compile(rf"{_SCHEME}\s+\S{{8,}}|{_JWT}|{_AWS_KEY_ID}")
# The same in free text, keeping the scheme word: group 1 is kept, the rest replaced.
_SECRET_IN_TEXT: Final = re.compile(rf"({_SCHEME}\s+)\S{{8,}}|{_JWT}[A-Za-z0-9_-]*|{_AWS_KEY_ID}")
# ``name=value``, ``name: value``, ``"name": "value"`` (query strings, reprs, JSON, YAML,
# header lines): the name and what stands between; the value is read after it (``_VALUE``), so a
# name that is not secret consumes nothing of what follows (``https://x/?api_key=...``).
_NAME_AND_SEPARATOR: Final = re.compile(
    r"(?<![A-Za-z0-9_.-])([A-Za-z_][A-Za-z0-9_.-]{0,63})([\"']?[ \t]*[=:][ \t]*)"
)
# A quoted value to its closing quote, else a bare one to the next space or separator.
_VALUE: Final = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'|[^\s&;,\"']+")
# Header lines (a name at the start of a line) whose whole value is a credential, spaces
# included (``Authorization: Token x``).
_LINE_VALUE: Final = re.compile(r"[^\r\n]+")
_WHOLE_LINE_NAMES: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
# The password of a URL's userinfo: ``scheme://user:password@host``.
_URL_PASSWORD: Final = re.compile(r"(?<=://)([^/\s:@]{0,256}):([^\s@]{1,256})@")

_MAX_DEPTH: Final = 20


def _clip(text: str) -> str:
    """``text`` cut to ``MAX_SCAN_CHARS``, saying how much was left out."""
    if len(text) <= MAX_SCAN_CHARS:
        return text
    return f"{text[:MAX_SCAN_CHARS]}...[{len(text) - MAX_SCAN_CHARS} more chars not shown]"


class Redactor:
    """Replaces secret values in mappings (nested bodies included) and in free text.

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
        if len(name) > _MAX_NAME_CHARS:
            return False
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
        if isinstance(value, str):
            value = _clip(value)
            return REDACTED if SECRET_VALUE.search(value) else value
        return value

    def redact_text(self, text: str) -> str:
        """``text`` (an exception message, a traceback) with the secrets in it replaced and the
        rest kept, cut to ``MAX_SCAN_CHARS``."""
        text = _SECRET_IN_TEXT.sub(_keep_scheme, _clip(text))
        text = _URL_PASSWORD.sub(_hide_password, text)
        return self._hide_named_values(text)

    def _hide_named_values(self, text: str) -> str:
        """Each secret-looking ``name=value`` with its value replaced (quotes kept)."""
        out: list[str] = []
        position = 0
        while (found := _NAME_AND_SEPARATOR.search(text, position)) is not None:
            name = found.group(1)
            out.append(text[position : found.end()])
            position = found.end()
            if not self.is_secret(name):
                continue
            at_line_start = found.start() == 0 or text[found.start() - 1] == "\n"
            whole_line = at_line_start and name.lower() in _WHOLE_LINE_NAMES
            reader = _LINE_VALUE if whole_line else _VALUE
            value = reader.match(text, position)
            if value is None or value.group(0) == REDACTED:
                continue
            quote = value.group(0)[0] if value.group(0)[0] in "\"'" else ""
            out.append(f"{quote}{REDACTED}{quote}")
            position = value.end()
        out.append(text[position:])
        return "".join(out)


def _keep_scheme(match: re.Match[str]) -> str:
    return f"{match.group(1) or ''}{REDACTED}"


def _hide_password(match: re.Match[str]) -> str:
    return f"{match.group(1)}:{REDACTED}@"
