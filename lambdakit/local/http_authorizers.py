"""REST and HTTP API authorizers, run before a route's function as API Gateway runs them.

REST APIs (``TOKEN``, ``REQUEST`` Lambda authorizers):

- an identity source missing or empty (or a token that does not match the TOKEN authorizer's
  ``ValidationExpression``): 401 ``{"message":"Unauthorized"}``, the function not called;
- the function gets ``{"type": "TOKEN", "authorizationToken", "methodArn"}`` or the request as a
  ``REQUEST`` event with ``methodArn``: ``arn:aws:execute-api:REGION:ACCOUNT:APIID/STAGE/METHOD/
  PATH``; its IAM policy is evaluated against that ARN (IAM wildcards): an explicit ``Deny``
  403 ``{"Message":"User is not authorized to access this resource with an explicit deny"}``,
  no matching ``Allow`` 403 ``{"Message":"User is not authorized to access this resource"}``;
- the function failing with ``Unauthorized``: 401; any other failure, or an answer that is not
  a policy: 500 ``{"message":null}`` (AuthorizerConfigurationException);
- allowed: ``requestContext.authorizer`` is ``principalId``, ``integrationLatency`` and the
  ``context`` keys (strings).

An authorizer the local server cannot run (Cognito, IAM, unknown, unbuildable) answers as a
broken one: 500 as above (``--skip-unsupported-auth`` serves its routes without it instead); a
Cognito authorizer first refuses a request without its token header (401), as on AWS.

HTTP APIs: Lambda ``REQUEST`` authorizers with payload 1.0 or 2.0 and IAM or simple
(``{"isAuthorized": bool, "context": {...}}``) responses; refused: 401 / 403
``{"message":"Forbidden"}`` / 500 ``{"message":"Internal Server Error"}``; the context reaches the
integration as ``requestContext.authorizer.lambda``. JWT authorizers (``jwt_tokens``): 401 with a
``www-authenticate`` header saying why, 403 when the token has none of the route's scopes;
``requestContext.authorizer.jwt`` (payload 1.0: ``authorizer``) carries ``claims`` and ``scopes``.

Results are cached for the authorizer's TTL, keyed by the identity values (a cached policy is
evaluated again against each request's ARN, as on AWS).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Final

from lambdakit._aws import region
from lambdakit._logger import logger
from lambdakit.local.authorizer import UNAUTHORIZED, identity_values, read_policy_answer
from lambdakit.local.config import HttpAuthorizer, HttpRoute
from lambdakit.local.http_events import (
    ACCOUNT_ID,
    HttpRequest,
    http_api_event,
    http_api_v1_event,
    rest_event,
)
from lambdakit.local.invoker import FunctionError, FunctionTimeout, Invoker
from lambdakit.local.proxy_result import HttpResponse
from lambdakit.local.routing import Match

JSON: Final = ("content-type", "application/json")


def _response(status: int, body: Any, *headers: tuple[str, str]) -> HttpResponse:
    return HttpResponse(status, [JSON, *headers], json.dumps(body, separators=(",", ":")).encode())


REST_UNAUTHORIZED: Final = _response(
    401, {"message": "Unauthorized"}, ("x-amzn-ErrorType", "UnauthorizedException")
)
REST_EXPLICIT_DENY: Final = _response(
    403,
    {"Message": "User is not authorized to access this resource with an explicit deny"},
    ("x-amzn-ErrorType", "AccessDeniedException"),
)
REST_IMPLICIT_DENY: Final = _response(
    403,
    {"Message": "User is not authorized to access this resource"},
    ("x-amzn-ErrorType", "AccessDeniedException"),
)
REST_FAILED: Final = _response(
    500, {"message": None}, ("x-amzn-ErrorType", "AuthorizerConfigurationException")
)
HTTP_UNAUTHORIZED: Final = _response(401, {"message": "Unauthorized"})
HTTP_FORBIDDEN: Final = _response(403, {"message": "Forbidden"})
HTTP_FAILED: Final = _response(500, {"message": "Internal Server Error"})
JWKS_RETRY: Final = 30.0  # seconds a JWKS that could not be read is not asked for again


@dataclass(frozen=True)
class Decision:
    """``response`` when the request is refused; else the integration's ``event``, with its
    ``requestContext.authorizer``."""

    event: dict[str, Any]
    response: HttpResponse | None = None


class Authorizers:
    """Runs routes' authorizers; holds their cache (and the JWKS, loaded once: a file at
    start-up, a URL off the event loop when a JWT first needs it)."""

    def __init__(self, invoker: Invoker, jwks: str = "") -> None:
        self.invoker = invoker
        self.jwks = jwks
        self._keys: dict[str, Any] | None = None
        self._keys_lock = asyncio.Lock()
        self._keys_retry_at = 0.0  # after a failed load, not before
        self._cache: dict[tuple[str, ...], tuple[float, Any]] = {}
        if jwks:
            from lambdakit.local.jwt_tokens import is_url

            if not is_url(jwks):
                self._keys = self._load_keys()

    async def check(
        self, route: HttpRoute, request: HttpRequest, match: Match, event: dict[str, Any]
    ) -> Decision:
        authorizer = route.authorizer
        if authorizer is None:
            return Decision(event)
        if authorizer.kind == "JWT":
            return await self._jwt(authorizer, route, event)
        identity = identity_values(authorizer.identity_sources, event)
        refused = HTTP_UNAUTHORIZED if authorizer.api_kind == "HTTP" else REST_UNAUTHORIZED
        if identity is None and (authorizer.kind != "UNSUPPORTED" or authorizer.identity_sources):
            logger.info("%s: identity source missing: 401", authorizer.name)
            return Decision(event, refused)
        if authorizer.kind == "UNSUPPORTED" or identity is None:  # fails closed, as on AWS
            return Decision(event, _failed(authorizer))
        expression = authorizer.validation_expression
        if authorizer.kind == "TOKEN" and expression and not re.fullmatch(expression, identity[0]):
            return Decision(event, refused)
        arn = _method_arn(event)
        key = (authorizer.name, route.api, *identity)
        cached = self._cache.get(key)
        started = time.perf_counter()
        if cached is not None and cached[0] > time.monotonic():
            result = cached[1]
        else:
            payload = _authorizer_event(authorizer, request, match, event, arn, identity)
            if authorizer.function is None:  # a Lambda authorizer always has one
                return Decision(event, _failed(authorizer))
            try:
                invocation = await self.invoker.invoke(authorizer.function, payload)
            except FunctionTimeout:
                return Decision(event, _failed(authorizer))
            except FunctionError as error:
                if error.error_message == UNAUTHORIZED:
                    return Decision(event, refused)
                return Decision(event, _failed(authorizer))
            result = invocation.result
            if authorizer.ttl > 0 and authorizer.identity_sources:
                self._cache[key] = (time.monotonic() + authorizer.ttl, result)
        latency = round((time.perf_counter() - started) * 1000)
        return _decide(authorizer, result, arn, event, latency)

    async def _jwt(
        self, authorizer: HttpAuthorizer, route: HttpRoute, event: dict[str, Any]
    ) -> Decision:
        from lambdakit.local.jwt_tokens import InvalidToken, claim_strings, scopes_of, verify

        sources = authorizer.identity_sources or ("$request.header.Authorization",)
        identity = identity_values(sources, event)
        if identity is None:
            return Decision(event, HTTP_UNAUTHORIZED)
        try:
            claims = verify(
                identity[0],
                await self._jwks_keys(),
                issuer=authorizer.issuer,
                audience=authorizer.audience,
            )
        except InvalidToken as refused:
            challenge = f'Bearer scope="" error="invalid_token" error_description="{refused}"'
            return Decision(event, _with_header(HTTP_UNAUTHORIZED, challenge))
        scopes = scopes_of(claims)
        if route.scopes and not set(route.scopes) & set(scopes):
            wanted = " ".join(route.scopes)
            challenge = (
                f'Bearer scope="{wanted}" error="insufficient_scope" '
                f'error_description="expected scopes: [{wanted}]"'
            )
            return Decision(event, _with_header(HTTP_FORBIDDEN, challenge))
        jwt = {"claims": claim_strings(claims), "scopes": scopes or None}
        context = {"jwt": jwt} if route.payload_version == "2.0" else jwt
        return Decision(_with_authorizer(event, context))

    async def _jwks_keys(self) -> dict[str, Any]:
        from lambdakit.local.jwt_tokens import InvalidToken

        if self._keys is not None:
            return self._keys
        if not self.jwks:
            raise InvalidToken("no --jwks: the issuer's keys are unknown locally")
        async with self._keys_lock:  # one load at a time; the others wait for its keys
            if self._keys is None and time.monotonic() >= self._keys_retry_at:
                self._keys = await asyncio.to_thread(self._load_keys)
        if self._keys is None:
            raise InvalidToken("the issuer's keys cannot be read")
        return self._keys

    def _load_keys(self) -> dict[str, Any] | None:
        """The JWKS's keys, or ``None`` (logged; not tried again for ``JWKS_RETRY`` s)."""
        from lambdakit.local.jwt_tokens import load_jwks

        try:
            return load_jwks(self.jwks)
        except (OSError, ValueError) as error:
            logger.error("--jwks %s cannot be read: %s", self.jwks, error)
            self._keys_retry_at = time.monotonic() + JWKS_RETRY
            return None


def _with_header(response: HttpResponse, challenge: str) -> HttpResponse:
    return HttpResponse(
        response.status, [*response.headers, ("www-authenticate", challenge)], response.body
    )


def _failed(authorizer: HttpAuthorizer) -> HttpResponse:
    return HTTP_FAILED if authorizer.api_kind == "HTTP" else REST_FAILED


def _method_arn(event: dict[str, Any]) -> str:
    """``arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}``."""
    context = event["requestContext"]
    if event.get("version") == "2.0":
        method, path = context["http"]["method"], context["http"]["path"]
    else:
        method, path = event["httpMethod"], event["path"]
    account = context.get("accountId") or ACCOUNT_ID
    return (
        f"arn:aws:execute-api:{region()}:{account}:{context['apiId']}/{context['stage']}"
        f"/{method}/{path.lstrip('/')}"
    )


def _authorizer_event(
    authorizer: HttpAuthorizer,
    request: HttpRequest,
    match: Match,
    event: dict[str, Any],
    arn: str,
    identity: tuple[str, ...],
) -> dict[str, Any]:
    """The event the authorizer function gets."""
    if authorizer.kind == "TOKEN":
        return {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": arn}
    stage = event["requestContext"]["stage"]
    if authorizer.api_kind == "HTTP" and authorizer.payload_version == "2.0":
        base = event if event.get("version") == "2.0" else http_api_event(request, match, stage)
        shaped = {k: v for k, v in base.items() if k not in ("body", "isBase64Encoded")}
        return {
            **shaped,
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": arn,
            "identitySource": list(identity),
        }
    if event.get("version") != "2.0":
        base = event
    elif authorizer.api_kind == "HTTP":  # a 1.0 authorizer on a 2.0 route: HTTP API's 1.0
        base = http_api_v1_event(request, match, stage)
    else:
        base = rest_event(request, match, stage)
    shaped = {k: v for k, v in base.items() if k not in ("body", "isBase64Encoded")}
    extra: dict[str, Any] = {}
    if authorizer.api_kind == "HTTP":
        joined = ",".join(identity)
        extra = {"version": "1.0", "identitySource": joined, "authorizationToken": joined}
    return {"type": "REQUEST", "methodArn": arn, **shaped, **extra}


def _decide(
    authorizer: HttpAuthorizer, result: Any, arn: str, event: dict[str, Any], latency: int
) -> Decision:
    http = authorizer.api_kind == "HTTP"
    if http and authorizer.simple_responses:
        if not isinstance(result, dict) or not isinstance(result.get("isAuthorized"), bool):
            return _invalid(authorizer, event, "isAuthorized is missing or not a boolean")
        context = result.get("context") or {}
        if not isinstance(context, dict):
            return _invalid(authorizer, event, "context is not an object")
        if not result["isAuthorized"]:
            return Decision(event, HTTP_FORBIDDEN)
        return Decision(_with_authorizer(event, {"lambda": context}))
    answer = read_policy_answer(result, arn)
    if isinstance(answer, str):
        return _invalid(authorizer, event, answer)
    if "Deny" in answer.effects:
        return Decision(event, HTTP_FORBIDDEN if http else REST_EXPLICIT_DENY)
    if "Allow" not in answer.effects:
        return Decision(event, HTTP_FORBIDDEN if http else REST_IMPLICIT_DENY)
    if http:
        return Decision(_with_authorizer(event, {"lambda": answer.context}))
    return Decision(_with_authorizer(event, answer.request_context(latency)))


def _invalid(authorizer: HttpAuthorizer, event: dict[str, Any], reason: str) -> Decision:
    # API Gateway logs this as AuthorizerConfigurationException.
    logger.error("%s: the authorizer's result is not valid: %s", authorizer.name, reason)
    return Decision(event, _failed(authorizer))


def _with_authorizer(event: dict[str, Any], authorizer: dict[str, Any]) -> dict[str, Any]:
    return {**event, "requestContext": {**event["requestContext"], "authorizer": authorizer}}
