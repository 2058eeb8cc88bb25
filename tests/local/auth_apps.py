"""Lambda authorizers for the REST and HTTP API authorizer tests: the answer is picked by the
token (``Authorization`` header). Each call is recorded, so caching can be seen."""

from __future__ import annotations

from typing import Any

calls: list[dict[str, Any]] = []


def _policy(effect: str, resource: Any, context: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "principalId": "user-ada",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context is not None:
        answer["context"] = context
    return answer


def _token(event: dict[str, Any]) -> str:
    if event["type"] == "TOKEN":
        return str(event["authorizationToken"])
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    return str(headers.get("authorization", ""))


def policy_authorizer(event: dict[str, Any], context: Any) -> Any:
    """REST TOKEN / REQUEST and HTTP IAM-policy authorizer."""
    calls.append(event)
    token = _token(event)
    arn = event.get("methodArn") or event["routeArn"]
    api = arn.split("/", 1)[0]
    if token == "allow":
        return _policy("Allow", arn, {"user": "ada", "admin": True, "level": 3})
    if token == "allow-gets":  # a wildcard policy: every GET of this API and stage
        return _policy("Allow", f"{api}/*/GET/*")
    if token == "deny":
        return _policy("Deny", arn)
    if token == "elsewhere":
        return _policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:other/*")
    if token == "nonsense":
        return {"nothing": "useful"}
    raise Exception("Unauthorized")


def simple_authorizer(event: dict[str, Any], context: Any) -> Any:
    """HTTP API authorizer with simple responses (payload 2.0)."""
    calls.append(event)
    token = _token(event)
    return {"isAuthorized": token == "allow", "context": {"user": "ada", "level": 3}}
