"""AWS Signature Version 4 for one kind of request: a ``POST`` of a body to a path, as the
Management API (``execute-api``) and Lambda's Invoke API take them. The stdlib only.

botocore's ``SigV4Auth`` gives the same signature (``tests/websocket/test_fast_send.py`` holds
them equal) but costs about 60 µs a request with its ``AWSRequest``; here the signing key is
derived once a day and a request costs two SHA-256 and one HMAC (about 10 µs), which matters
at thousands of messages a second on Lambda's one vCPU.

Credentials: Lambda puts them in the environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``), read without importing botocore; anywhere
else botocore's credential chain (profiles, SSO, instance roles) resolves them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from urllib.parse import quote

__all__ = ["Credentials", "Signer", "path_segment", "resolve_credentials"]


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None


def resolve_credentials() -> Credentials:
    """The environment's credentials, else botocore's chain (frozen for this use)."""
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        return Credentials(key, secret, os.environ.get("AWS_SESSION_TOKEN") or None)
    try:
        import botocore.session
    except ImportError:
        raise ImportError(
            "No AWS credentials in the environment, and resolving them needs botocore: "
            "pip install 'lambdakit[dynamodb]'"
        ) from None
    found = botocore.session.get_session().get_credentials()
    if found is None:
        raise RuntimeError("No AWS credentials found (environment, profile or role)")
    frozen = found.get_frozen_credentials()
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def path_segment(value: str) -> str:
    """A value in a URL path, encoded as botocore encodes a URI label (``=`` is ``%3D``)."""
    return quote(value, safe="")


class Signer:
    """Signs ``POST`` requests for one service and region with one set of credentials."""

    def __init__(self, credentials: Credentials, region: str, service: str) -> None:
        self.credentials = credentials
        self.region = region
        self.service = service
        self._day = ""
        self._key = b""

    def _signing_key(self, day: str) -> bytes:
        if day != self._day:
            key = _hmac(("AWS4" + self.credentials.secret_key).encode("utf-8"), day)
            for part in (self.region, self.service, "aws4_request"):
                key = _hmac(key, part)
            self._day, self._key = day, key
        return self._key

    def headers(
        self, host: str, path: str, body: bytes, now: float | None = None
    ) -> dict[str, str]:
        """The headers that sign ``POST {host}{path}`` with ``body``: ``X-Amz-Date``,
        ``X-Amz-Security-Token`` with a session token, and ``Authorization``. ``path`` is as
        sent (labels encoded by ``path_segment``); SigV4 signs it encoded once more, as botocore
        does for every service but S3. ``host`` is the ``Host`` header sent."""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        day = stamp[:8]
        token = self.credentials.token
        signed = "host;x-amz-date;x-amz-security-token" if token else "host;x-amz-date"
        canonical_headers = f"host:{host}\nx-amz-date:{stamp}\n"
        if token:
            canonical_headers += f"x-amz-security-token:{token}\n"
        digest = hashlib.sha256(body).hexdigest()
        canonical = f"POST\n{quote(path, safe='/~')}\n\n{canonical_headers}\n{signed}\n{digest}"
        scope = f"{day}/{self.region}/{self.service}/aws4_request"
        to_sign = (
            f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n"
            f"{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
        )
        signature = hmac.new(
            self._signing_key(day), to_sign.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        headers = {
            "X-Amz-Date": stamp,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={self.credentials.access_key}/"
            f"{scope}, SignedHeaders={signed}, Signature={signature}",
        }
        if token:
            headers["X-Amz-Security-Token"] = token
        return headers
