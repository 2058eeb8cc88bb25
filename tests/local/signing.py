"""SigV4 headers for a raw HTTP request to the local ``@connections``, as boto3 signs them."""

from __future__ import annotations

import pytest


def sigv4_headers(method: str, url: str, body: bytes = b"") -> dict[str, str]:
    """``Authorization``, ``X-Amz-Date`` (and the rest botocore adds), signed with dummy
    credentials for ``execute-api``: what the local gateway, like AWS, demands."""
    pytest.importorskip("botocore")
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=body)
    SigV4Auth(Credentials("local", "local"), "execute-api", "us-east-1").add_auth(request)
    return {k: str(v) for k, v in request.headers.items()}
