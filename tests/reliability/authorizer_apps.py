"""Lambda functions for the ``$connect`` authorizer tests: a REQUEST authorizer whose answer
is picked by the ``token`` query parameter (or the ``Auth`` header), and a WebSocket API that
records what reaches it."""

from __future__ import annotations

import time
from typing import Any

from lambdakit.websocket import WebSocketResolver

authorizer_events: list[dict[str, Any]] = []
ws_events: list[dict[str, Any]] = []
OTHER_API = "arn:aws:execute-api:us-east-1:123456789012:otherapi/local/$connect"


def policy(effect: str, resource: Any, **extra: Any) -> dict[str, Any]:
    return {
        "principalId": "user-ada",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        **extra,
    }


def authorize(event: dict[str, Any], context: Any) -> Any:
    authorizer_events.append(event)
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    token = (event.get("queryStringParameters") or {}).get("token") or headers.get("auth")
    arn = event["methodArn"]
    answers: dict[str, Any] = {
        "allow": lambda: policy(
            "Allow", arn, context={"user": "ada", "admin": True, "level": 3, "ratio": 0.5}
        ),
        "wildcard": lambda: policy("Allow", "arn:aws:execute-api:*:*:*/*/*"),
        "deny": lambda: policy("Deny", arn),
        "allow-and-deny": lambda: {
            **policy("Allow", arn),
            "policyDocument": {
                "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
                    {"Action": "execute-api:*", "Effect": "Deny", "Resource": arn},
                ]
            },
        },
        "other-api": lambda: policy("Allow", OTHER_API),
        "no-principal": lambda: {"policyDocument": policy("Allow", arn)["policyDocument"]},
        "nested-context": lambda: policy("Allow", arn, context={"user": {"name": "ada"}}),
    }
    if token == "crash":
        raise RuntimeError("authorizer bug")
    if token == "slow":
        time.sleep(3)
    if token in answers:
        return answers[token]()
    raise Exception("Unauthorized")  # what a Lambda authorizer raises for a 401


resolver = WebSocketResolver()


@resolver.on_connect()
def on_connect(event: Any, context: Any, connection_id: str) -> Any:
    ws_events.append(event)
    return {"statusCode": 200}


@resolver.on_message("whoami")
def whoami(event: Any, context: Any, connection_id: str, body: Any) -> Any:
    ws_events.append(event)
    return {"authorizer": event["requestContext"].get("authorizer")}


@resolver.on_disconnect()
def on_disconnect(event: Any, context: Any, connection_id: str) -> None:
    ws_events.append(event)


def websocket(event: Any, context: Any) -> Any:
    return resolver.resolve(event, context)
