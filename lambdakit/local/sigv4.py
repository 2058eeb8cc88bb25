"""The form of a SigV4 signature, as ``@connections`` demands one.

On AWS, the Management API (``POST/GET/DELETE /{stage}/@connections/{id}``) takes only
requests signed with SigV4 for the ``execute-api`` service: an unsigned one is 403
``{"message": "Missing Authentication Token"}`` with ``x-amzn-ErrorType:
MissingAuthenticationTokenException``, an ``Authorization`` header that is not a complete
signature is 403 ``IncompleteSignatureException`` ("Authorization header requires 'Credential'
parameter. ..."). Locally any credentials do, so the key and the signature's value are not
checked, only that the request was signed: boto3 clients work, a page's ``fetch`` or ``curl``
without signing does not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs

ALGORITHM: Final = "AWS4-HMAC-SHA256"
SERVICE: Final = "execute-api"
_CREDENTIAL = re.compile(r"[^/\s]+/(\d{8})/[a-z0-9-]+/([a-z0-9-]+)/aws4_request")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")
_SIGNED_HEADERS = re.compile(r"[a-z0-9-]+(;[a-z0-9-]+)*")


@dataclass(frozen=True)
class Refusal:
    """Why a request is not signed: API Gateway's error type and message."""

    error_type: str
    message: str


MISSING: Final = Refusal("MissingAuthenticationTokenException", "Missing Authentication Token")


def _incomplete(problems: list[str]) -> Refusal:
    # AWS appends "Authorization=<the header>"; echoing a credential back is left out here.
    return Refusal("IncompleteSignatureException", " ".join(problems))


def check(headers: Mapping[str, str], raw_query: str, service: str = SERVICE) -> Refusal | None:
    """``None`` when the request carries a well-formed SigV4 signature for ``service``
    (``Authorization`` header, or the presigned ``X-Amz-*`` query form); else why not.
    ``headers`` are keyed in lower case."""
    authorization = headers.get("authorization")
    if authorization is not None:
        return _check_header(authorization, headers, service)
    query = {k.lower(): v[0] for k, v in parse_qs(raw_query).items()}
    if "x-amz-signature" in query or "x-amz-algorithm" in query:
        return _check_query(query, service)
    return MISSING


def _check_header(authorization: str, headers: Mapping[str, str], service: str) -> Refusal | None:
    algorithm, _, rest = authorization.strip().partition(" ")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, equals, value = part.strip().partition("=")
        if equals:
            fields[name] = value
    problems = []
    if "Credential" not in fields:
        problems.append("Authorization header requires 'Credential' parameter.")
    if "Signature" not in fields:
        problems.append("Authorization header requires 'Signature' parameter.")
    if "SignedHeaders" not in fields:
        problems.append("Authorization header requires 'SignedHeaders' parameter.")
    date = headers.get("x-amz-date")
    if date is None and "date" not in headers:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    if problems or algorithm != ALGORITHM:
        return _incomplete(problems or [f"Unsupported signing algorithm: use {ALGORITHM}."])
    return _check_parts(
        fields["Credential"],
        fields["SignedHeaders"],
        fields["Signature"],
        date,
        "Authorization",
        service,
    )


def _check_query(query: Mapping[str, str], service: str) -> Refusal | None:
    names = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature")
    missing = [n for n in (*names, "X-Amz-Date") if n.lower() not in query]
    if missing:
        return _incomplete([f"AWS query-string parameters must include {', '.join(missing)}."])
    if query["x-amz-algorithm"] != ALGORITHM:
        return _incomplete([f"Unsupported signing algorithm: use {ALGORITHM}."])
    return _check_parts(
        query["x-amz-credential"],
        query["x-amz-signedheaders"],
        query["x-amz-signature"],
        query["x-amz-date"],
        "X-Amz-Credential",
        service,
    )


def _check_parts(
    credential: str,
    signed_headers: str,
    signature: str,
    date: str | None,
    where: str,
    service: str,
) -> Refusal | None:
    scope = _CREDENTIAL.fullmatch(credential.strip())
    if scope is None:
        return _incomplete(
            [f"{where}: Credential must be KEY/YYYYMMDD/REGION/{service}/aws4_request."]
        )
    if scope.group(2) != service:
        return _incomplete([f"Credential should be scoped to correct service: '{service}'."])
    if date is not None and not _AMZ_DATE.fullmatch(date.strip()):
        return _incomplete(["X-Amz-Date must be in the ISO 8601 basic format YYYYMMDDTHHMMSSZ."])
    if date is not None and not date.strip().startswith(scope.group(1)):
        return _incomplete(["Date in Credential scope does not match YYYYMMDD of X-Amz-Date."])
    signed = signed_headers.strip()
    if not _SIGNED_HEADERS.fullmatch(signed) or "host" not in signed.split(";"):
        return _incomplete(["SignedHeaders must be a ';'-separated list that includes host."])
    if not _SIGNATURE.fullmatch(signature.strip()):
        return _incomplete(["Signature must be 64 hexadecimal characters."])
    return None


def access_key(headers: Mapping[str, str], raw_query: str) -> str | None:
    """The access key id a signed request names in its credential scope (header or presigned
    query), for ``requestContext.identity.accessKey``; ``None`` if it names none."""
    authorization = headers.get("authorization") or ""
    found = re.search(r"Credential=([^/\s,]+)/", authorization)
    if found is None:
        query = {k.lower(): v[0] for k, v in parse_qs(raw_query).items()}
        found = re.match(r"([^/\s]+)/", query.get("x-amz-credential", ""))
    return found.group(1) if found is not None else None
