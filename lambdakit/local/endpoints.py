"""Where the workers find the services the gateway stands in for, and the rewriting of an
``execute-api`` URL of a locally served API into the local server's."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

LOCAL_API_ID_PREFIX: Final = "lk"
# An API id the template reader made up (``lk`` + 8 hex digits), in an execute-api host name.
_EXECUTE_API = re.compile(
    r"(?P<scheme>https|wss)://(?P<id>lk[0-9a-f]{8})\.execute-api\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
)


@dataclass(frozen=True)
class Endpoints:
    """The local server as the workers call it. ``http``: ``http://127.0.0.1:PORT`` (the Invoke
    API, and the WebSocket API as ``ws://``); ``https``: the TLS listener (``@connections`` for
    senders that build ``https://{domainName}/{stage}``), empty without TLS; ``ca_bundle``: the
    local CA's certificate, for ``AWS_CA_BUNDLE``; ``dynamodb``: DynamoDB's endpoint, if any."""

    http: str = ""
    https: str = ""
    ca_bundle: str = ""
    dynamodb: str = ""

    @property
    def https_domain(self) -> str:
        """``127.0.0.1:PORT`` of the TLS listener: a WebSocket event's ``domainName``."""
        return self.https.removeprefix("https://")


def localize(value: str, endpoints: Endpoints) -> str:
    """``https://lk0123abcd.execute-api.us-east-1.amazonaws.com/prod`` -> the TLS listener
    (``https://127.0.0.1:3443/prod``: boto3 in a worker trusts it through ``AWS_CA_BUNDLE``);
    ``wss://...`` -> ``ws://127.0.0.1:3000/prod`` (a browser does not trust the local CA).
    Other values are returned unchanged."""

    def replace(match: re.Match[str]) -> str:
        if match.group("scheme") == "wss":
            return endpoints.http.replace("http://", "ws://", 1) if endpoints.http else match[0]
        return endpoints.https or endpoints.http or match[0]

    return _EXECUTE_API.sub(replace, value)
