"""The ``$connect`` authorizer: a Lambda REQUEST authorizer, run as API Gateway runs it for a
WebSocket API.

Before ``$connect``, API Gateway checks the authorizer's identity sources (one missing or empty:
401, the function is not called), calls the function with a ``REQUEST`` event (the handshake's
headers and query, a ``methodArn`` ending in ``/$connect``, the connection's ``requestContext``)
and reads the IAM policy it returns:

- an ``Allow`` of ``execute-api:Invoke`` on the ``methodArn``, and no ``Deny``: the handshake goes
  on, and every event of the connection carries ``requestContext.authorizer``: ``principalId``,
  ``integrationLatency`` and the ``context`` keys, their values as strings (as API Gateway
  passes them to a proxy integration);
- an explicit ``Deny``, or no ``Allow`` that matches: 403;
- the function fails with the message ``Unauthorized``: 401;
- any other error, a timeout, or an answer that is not a valid policy (no ``principalId``, a
  ``context`` value that is an object or a list...): 500.

The verdict is worked out by ``evaluate`` (no I/O); ``authorize`` calls the function.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Final

from lambdakit._logger import logger
from lambdakit.local.config import Authorizer
from lambdakit.local.invoker import FunctionError, FunctionTimeout, Invoker

UNAUTHORIZED: Final = "Unauthorized"
# Identity sources as each kind of API writes them: ``route.request.header.Auth`` (WebSocket),
# ``method.request.header.Auth`` (REST), ``$request.header.Auth`` (HTTP API), and
# ``context.x`` / ``stageVariables.x`` (``$context.x`` / ``$stageVariables.x`` for HTTP APIs).
_SOURCE = re.compile(
    r"^(?:route\.request\.|method\.request\.|\$request\.)"
    r"(header|querystring|multivalueheader|multivaluequerystring)\.(.+)$"
    r"|^\$?(context|stageVariables)\.(.+)$"
)


@dataclass(frozen=True)
class Verdict:
    """What the authorizer decided: the handshake's status when refused (``body`` is what API
    Gateway answers), or ``authorizer``, the ``requestContext.authorizer`` of the connection."""

    allowed: bool
    status: int
    body: bytes
    authorizer: dict[str, Any] | None = None


def _refused(status: int, message: str) -> Verdict:
    return Verdict(False, status, json.dumps({"message": message}).encode())


DENIED: Final = _refused(403, "Forbidden")
NOT_AUTHENTICATED: Final = _refused(401, UNAUTHORIZED)
FAILED: Final = _refused(500, "Internal server error")


def method_arn(connect_event: dict[str, Any], region: str) -> str:
    """``arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/$connect``."""
    context = connect_event["requestContext"]
    account = context.get("accountId") or "123456789012"
    return f"arn:aws:execute-api:{region}:{account}:{context['apiId']}/{context['stage']}/$connect"


def authorizer_event(connect_event: dict[str, Any], arn: str) -> dict[str, Any]:
    """The ``REQUEST`` event API Gateway sends a WebSocket authorizer for ``$connect``."""
    event: dict[str, Any] = {
        "type": "REQUEST",
        "methodArn": arn,
        "headers": dict(connect_event.get("headers") or {}),
        "multiValueHeaders": {k: list(v) for k, v in connect_event["multiValueHeaders"].items()},
        "queryStringParameters": dict(connect_event.get("queryStringParameters") or {}),
        "multiValueQueryStringParameters": {
            k: list(v)
            for k, v in (connect_event.get("multiValueQueryStringParameters") or {}).items()
        },
        "stageVariables": {},
        "requestContext": dict(connect_event["requestContext"]),
    }
    return event


def identity_values(sources: tuple[str, ...], event: dict[str, Any]) -> tuple[str, ...] | None:
    """The values of the identity sources in the request, or ``None`` when one is missing or
    empty (API Gateway's 401, the authorizer not called). Header names are matched without
    regard to case; a multi-value source is its values joined with commas. A source of no form
    API Gateway knows is missing: refused, never skipped."""
    headers = {str(k).lower(): v for k, v in (event.get("headers") or {}).items()}
    query = event.get("queryStringParameters") or {}
    multi_headers = {str(k).lower(): v for k, v in (event.get("multiValueHeaders") or {}).items()}
    multi_query = event.get("multiValueQueryStringParameters") or {}
    variables = event.get("stageVariables") or {}
    context = event.get("requestContext") or {}
    values: list[str] = []
    for source in sources:
        found = _SOURCE.match(source.strip())
        if found is None:
            return None
        kind, name, other, other_name = found.groups()
        if kind == "header":
            value = headers.get(name.lower())
        elif kind == "querystring":
            value = query.get(name)
        elif kind == "multivalueheader":
            value = ",".join(multi_headers.get(name.lower()) or ())
        elif kind == "multivaluequerystring":
            value = ",".join(multi_query.get(name) or ())
        elif other == "context":
            value = _dotted(context, other_name)  # context.identity.sourceIp: a path
        else:
            value = variables.get(other_name)
        if not value:
            return None
        values.append(str(value))
    return tuple(values)


def _dotted(data: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


@dataclass(frozen=True)
class PolicyAnswer:
    """A Lambda authorizer's valid IAM-policy answer: who, what its statements say of the
    route's ARN (``Allow``, ``Deny``), and its ``context``."""

    principal_id: str
    effects: frozenset[str]
    context: dict[str, Any]

    @property
    def allowed(self) -> bool:
        return "Allow" in self.effects and "Deny" not in self.effects

    def request_context(self, latency_ms: int) -> dict[str, Any]:
        """``requestContext.authorizer`` as a REST or WebSocket proxy integration gets it:
        the ``context`` values as strings, ``principalId``, ``integrationLatency``."""
        return {
            **{str(k): _as_string(v) for k, v in self.context.items()},
            "principalId": self.principal_id,
            "integrationLatency": latency_ms,
        }


def read_policy_answer(result: Any, arn: str) -> PolicyAnswer | str:
    """The answer in ``result``, or why it is not a valid one (API Gateway's 500)."""
    if not isinstance(result, dict):
        return "the result is not an object"
    principal = result.get("principalId")
    if not isinstance(principal, str):
        return "principalId is missing or not a string"
    statements = _statements(result.get("policyDocument"))
    if statements is None:
        return "policyDocument has no valid Statement"
    context = result.get("context")
    if context is None:
        context = {}
    if not isinstance(context, dict) or not all(
        isinstance(v, (str, int, float, bool)) for v in context.values()
    ):
        return "context values must be strings, numbers or booleans"
    return PolicyAnswer(principal, frozenset(_policy_effects(statements, arn)), context)


def evaluate(result: Any, arn: str, latency_ms: int = 0) -> Verdict:
    """The verdict for what the authorizer function returned."""
    answer = read_policy_answer(result, arn)
    if isinstance(answer, str):
        return _invalid(answer)
    if not answer.allowed:
        return DENIED
    return Verdict(True, 200, b"", answer.request_context(latency_ms))


async def authorize(
    authorizer: Authorizer, connect_event: dict[str, Any], invoker: Invoker, region: str
) -> Verdict:
    """Run the authorizer for a ``$connect`` whose event would be ``connect_event``."""
    if identity_values(authorizer.identity_sources, connect_event) is None:
        logger.info("WebSocket $connect: identity source missing: 401")
        return NOT_AUTHENTICATED
    arn = method_arn(connect_event, region)
    started = time.perf_counter()
    try:
        invocation = await invoker.invoke(authorizer.function, authorizer_event(connect_event, arn))
    except FunctionTimeout:
        return FAILED
    except FunctionError as error:
        # A Lambda authorizer says "no credentials" by failing with this exact message.
        if error.error_message == UNAUTHORIZED:
            return NOT_AUTHENTICATED
        return FAILED
    verdict = evaluate(invocation.result, arn, round((time.perf_counter() - started) * 1000))
    if not verdict.allowed:
        logger.info(
            "WebSocket $connect refused by the authorizer: %d",
            verdict.status,
            extra={"request_id": invocation.request_id},
        )
    return verdict


def _policy_effects(statements: list[dict[str, Any]], arn: str) -> set[str]:
    """The effects (``Allow``, ``Deny``) of the statements that say something about
    ``execute-api:Invoke`` on ``arn`` (IAM wildcards: ``*`` and ``?``)."""
    return {
        statement["Effect"]
        for statement in statements
        if _any_match(statement["Action"], "execute-api:Invoke", ignore_case=True)
        and _any_match(statement["Resource"], arn, ignore_case=False)
    }


def _invalid(reason: str) -> Verdict:
    # API Gateway logs this as AuthorizerConfigurationException and answers 500.
    logger.error("Authorizer result is not valid: %s", reason)
    return FAILED


def _statements(document: Any) -> list[dict[str, Any]] | None:
    if not isinstance(document, dict):
        return None
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return None
    for statement in statements:
        if not (
            isinstance(statement, dict)
            and statement.get("Effect") in ("Allow", "Deny")
            and _strings(statement.get("Action"))
            and _strings(statement.get("Resource"))
        ):
            return None
    return statements


def _strings(value: Any) -> bool:
    """A policy element: a string, or a non-empty list of strings."""
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _any_match(patterns: str | list[str], value: str, *, ignore_case: bool) -> bool:
    """IAM matching: ``*`` is any run of characters, ``?`` any one."""
    flags = re.IGNORECASE if ignore_case else 0
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        if re.fullmatch(regex, value, flags | re.DOTALL):
            return True
    return False


def _as_string(value: str | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
