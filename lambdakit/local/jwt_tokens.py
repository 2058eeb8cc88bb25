"""JSON Web Tokens checked as an HTTP API JWT authorizer checks them, offline.

API Gateway's order: the token (``Bearer`` prefix allowed) is decoded; its ``alg`` must be an
RSA one and its ``kid`` a key of the issuer's JWKS, which must verify the signature; then
``iss`` must equal the authorizer's issuer, ``aud`` (else ``client_id``) match one of its
audiences, ``exp`` be in the future and ``nbf`` / ``iat`` not. Any failure is a 401 whose
``www-authenticate`` header says why. Keys come from ``--jwks`` (a JWKS file, or a URL) instead
of the issuer's discovery document, so tests and offline work need no identity provider.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import urllib.request
from pathlib import Path
from typing import Any, Final

_HASHES: Final = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}
MAX_JWKS_BYTES: Final = 1024 * 1024  # a JWKS is a few KB; a larger answer is refused
JWKS_TIMEOUT: Final = 5.0  # seconds to connect to, then between bytes of, a JWKS URL


class InvalidToken(Exception):
    """The token is refused; the message is API Gateway's ``error_description``."""


def _b64(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("the token is not a valid JWT") from None


def _integer(value: str) -> int:
    return int.from_bytes(_b64(value), "big")


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def load_jwks(source: str) -> dict[str, Any]:
    """The RSA public keys of a JWKS (by ``kid``), from a file or an ``http(s)://`` URL (blocking:
    call it off the event loop). ``ValueError`` for a document over ``MAX_JWKS_BYTES``."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

    if is_url(source):
        with urllib.request.urlopen(source, timeout=JWKS_TIMEOUT) as response:  # noqa: S310 - http(s) only
            raw = response.read(MAX_JWKS_BYTES + 1)
    else:
        with Path(source).open("rb") as file:
            raw = file.read(MAX_JWKS_BYTES + 1)
    if len(raw) > MAX_JWKS_BYTES:
        raise ValueError(f"the JWKS is over {MAX_JWKS_BYTES} bytes")
    document = json.loads(raw)
    if not isinstance(document, dict):
        raise ValueError("the JWKS is not a JSON object")
    keys: dict[str, Any] = {}
    for key in document.get("keys") or []:
        if key.get("kty") == "RSA" and "n" in key and "e" in key:
            numbers = RSAPublicNumbers(_integer(key["e"]), _integer(key["n"]))
            keys[str(key.get("kid", ""))] = numbers.public_key()
    return keys


def verify(
    token: str,
    keys: dict[str, Any],
    *,
    issuer: str,
    audience: tuple[str, ...],
    now: float | None = None,
) -> dict[str, Any]:
    """The token's claims, or ``InvalidToken``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("the token is not a valid JWT")
    try:
        header = json.loads(_b64(parts[0]))
        claims = json.loads(_b64(parts[1]))
    except ValueError:
        raise InvalidToken("the token is not a valid JWT") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken("the token is not a valid JWT")
    algorithm = _HASHES.get(str(header.get("alg")))
    if algorithm is None:
        raise InvalidToken("the token's signing algorithm is not supported")
    key = keys.get(str(header.get("kid", "")))
    if key is None:
        raise InvalidToken("the token's key id is not in the issuer's key set")
    try:
        key.verify(
            _b64(parts[2]),
            f"{parts[0]}.{parts[1]}".encode("ascii"),
            padding.PKCS1v15(),
            getattr(hashes, algorithm)(),
        )
    except (InvalidSignature, UnicodeEncodeError):
        raise InvalidToken("the token's signature is not valid") from None
    if claims.get("iss") != issuer:
        raise InvalidToken("the token does not have a valid issuer")
    audiences = claims.get("aud", claims.get("client_id"))
    given = audiences if isinstance(audiences, list) else [audiences]
    if not audience or not any(a in audience for a in given):
        raise InvalidToken("the token does not have a valid audience")
    moment = time.time() if now is None else now
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= moment:
        raise InvalidToken("the token has expired")
    for name in ("nbf", "iat"):
        if isinstance(claims.get(name), (int, float)) and claims[name] > moment:
            raise InvalidToken(f"the token's {name} is in the future")
    return claims


def scopes_of(claims: dict[str, Any]) -> list[str]:
    """``scope`` (space-separated) or ``scp`` (a list or a string)."""
    value = claims.get("scope", claims.get("scp"))
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def claim_strings(claims: dict[str, Any]) -> dict[str, str]:
    """Claims as API Gateway passes them to the integration: every value a string, a list as
    ``[a b]``."""

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "[" + " ".join(text(v) for v in value) + "]"
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"))
        return str(value)

    return {str(k): text(v) for k, v in claims.items()}
