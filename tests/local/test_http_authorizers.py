"""REST and HTTP API authorizers through a real local gateway and a real HTTP client, read from
a SAM template (``fixtures/apis/template.yaml``): TOKEN and REQUEST Lambda authorizers with
their IAM policies evaluated against the method ARN, caching, simple responses, and JWT
authorizers checked against a JWKS file (``--jwks``)."""

from __future__ import annotations

import base64
import dataclasses
import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from lambdakit.local.intrinsics import local_api_id
from lambdakit.local.template import read_template
from tests.local import apps, auth_apps

TEMPLATE = Path(__file__).parent / "fixtures" / "apis" / "template.yaml"


@pytest.fixture(autouse=True)
def clean() -> None:
    apps.received.clear()
    auth_apps.calls.clear()


def call(url: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, got, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, got, body = error.code, dict(error.headers), error.read()
    return status, {k.lower(): v for k, v in got.items()}, json.loads(body) if body else None


@pytest.fixture
def gateway(serve, tmp_path):
    keys = _keys()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [keys["jwk"]]}))
    config = dataclasses.replace(read_template(TEMPLATE).config, jwks=str(jwks))
    running = serve(config)
    running.sign = keys["sign"]
    return running


# -- REST API: TOKEN and REQUEST ---------------------------------------------------------------


def test_rest_token_allow_passes_principal_and_context(gateway):
    status, _, body = call(f"{gateway.http}/rest/token/42", Authorization="allow")
    assert status == 200
    authorizer = body["requestContext"]["authorizer"]
    assert authorizer["principalId"] == "user-ada"
    assert authorizer["user"] == "ada"
    assert authorizer["admin"] == "true"  # context values reach a proxy integration as strings
    assert authorizer["level"] == "3"
    assert isinstance(authorizer["integrationLatency"], int)
    (event,) = auth_apps.calls
    assert event["type"] == "TOKEN"
    assert event["authorizationToken"] == "allow"
    stage = body["requestContext"]["stage"]  # the REST API's own StageName
    assert stage == "v1"
    api_id = local_api_id("RestApi")  # the template's !Ref RestApi, as a policy writes it
    assert body["requestContext"]["apiId"] == api_id
    assert event["methodArn"] == (
        f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/{stage}/GET/rest/token/42"
    )


@pytest.mark.parametrize(
    ("token", "status", "body"),
    [
        pytest.param(
            "deny",
            403,
            {"Message": "User is not authorized to access this resource with an explicit deny"},
            id="explicit-deny",
        ),
        pytest.param(
            "elsewhere",
            403,
            {"Message": "User is not authorized to access this resource"},
            id="implicit-deny",
        ),
        pytest.param("who", 401, {"message": "Unauthorized"}, id="unauthorized-error"),
        pytest.param("nonsense", 500, {"message": None}, id="not-a-policy"),
        pytest.param("NOT VALID", 401, {"message": "Unauthorized"}, id="validation-expression"),
    ],
)
def test_rest_token_refusals(gateway, token, status, body):
    got_status, headers, got = call(f"{gateway.http}/rest/token/1", Authorization=token)
    assert (got_status, got) == (status, body)
    assert apps.received == []
    if token == "NOT VALID":
        assert auth_apps.calls == []  # refused before the function is called
    if status == 403:
        assert headers["x-amzn-errortype"] == "AccessDeniedException"


def test_rest_missing_identity_is_401_without_calling_the_authorizer(gateway):
    status, headers, body = call(f"{gateway.http}/rest/token/1")
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert headers["x-amzn-errortype"] == "UnauthorizedException"
    assert auth_apps.calls == []


def test_rest_token_results_are_cached_and_evaluated_against_each_method_arn(gateway):
    assert call(f"{gateway.http}/rest/token/1", Authorization="allow-gets")[0] == 200
    assert call(f"{gateway.http}/rest/token/2", Authorization="allow-gets")[0] == 200
    assert len(auth_apps.calls) == 1  # ReauthorizeEvery: 300, keyed by the token
    # The cached policy allows GETs only: a DELETE of the same resource is refused, uncalled.
    status, _, body = call(f"{gateway.http}/rest/token/2", "DELETE", Authorization="allow-gets")
    assert status == 403
    assert body == {"Message": "User is not authorized to access this resource"}
    assert len(auth_apps.calls) == 1


def test_rest_request_authorizer_gets_the_request(gateway):
    url = f"{gateway.http}/rest/request?q=1"
    status, _, body = call(url, "POST", Authorization="allow", **{"X-Trace": "t1"})
    assert status == 200
    assert body["requestContext"]["authorizer"]["principalId"] == "user-ada"
    status, _, _ = call(url, "POST", Authorization="allow")
    assert len(auth_apps.calls) == 2  # ReauthorizeEvery: 0: not cached
    event = auth_apps.calls[0]
    assert event["type"] == "REQUEST"
    assert event["methodArn"].endswith("/POST/rest/request")
    assert event["httpMethod"] == "POST"
    assert event["queryStringParameters"] == {"q": "1"}
    assert {k.lower(): v for k, v in event["headers"].items()}["x-trace"] == "t1"
    assert "body" not in event


def test_rest_route_with_authorizer_none_is_open(gateway):
    assert call(f"{gateway.http}/rest/open")[0] == 200
    assert auth_apps.calls == []


# -- HTTP API: Lambda authorizers -------------------------------------------------------------


def test_http_simple_response_allow_and_deny(gateway):
    status, _, body = call(f"{gateway.http}/http/simple", Authorization="allow")
    assert status == 200
    assert body["requestContext"]["authorizer"] == {"lambda": {"user": "ada", "level": 3}}
    event = auth_apps.calls[0]
    assert event["version"] == "2.0"
    assert event["type"] == "REQUEST"
    assert event["identitySource"] == ["allow"]
    assert event["routeArn"].endswith("/GET/http/simple")
    assert event["headers"]["authorization"] == "allow"
    assert call(f"{gateway.http}/http/simple", Authorization="allow")[0] == 200
    assert len(auth_apps.calls) == 1  # cached for 300 s
    status, _, body = call(f"{gateway.http}/http/simple", Authorization="no")
    assert (status, body) == (403, {"message": "Forbidden"})


def test_http_missing_identity_is_401(gateway):
    status, _, body = call(f"{gateway.http}/http/simple")
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert auth_apps.calls == []


@pytest.mark.parametrize(
    ("token", "status", "body"),
    [
        pytest.param("allow", 200, None, id="allow"),
        pytest.param("deny", 403, {"message": "Forbidden"}, id="deny"),
        pytest.param("who", 401, {"message": "Unauthorized"}, id="unauthorized"),
        pytest.param("nonsense", 500, {"message": "Internal Server Error"}, id="invalid"),
    ],
)
def test_http_iam_policy_authorizer_with_payload_1(gateway, token, status, body):
    got_status, _, got = call(f"{gateway.http}/http/policy", Authorization=token)
    assert got_status == status
    if status == 200:
        assert got["requestContext"]["authorizer"]["lambda"]["user"] == "ada"
        event = auth_apps.calls[0]
        assert event["version"] == "1.0"
        assert event["identitySource"] == "allow"
        assert event["methodArn"].endswith("/GET/http/policy")
    else:
        assert got == body


# -- HTTP API: JWT ------------------------------------------------------------------------------


def _keys() -> dict[str, Any]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    def integer(value: int) -> str:
        return b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    def sign(claims: dict[str, Any], kid: str = "k1", alg: str = "RS256") -> str:
        header = b64(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode())
        payload = b64(json.dumps(claims).encode())
        signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{b64(signature)}"

    jwk = {"kty": "RSA", "kid": "k1", "n": integer(numbers.n), "e": integer(numbers.e)}
    return {"jwk": jwk, "sign": sign}


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {
        "iss": "https://issuer.example.test",
        "aud": "local-client",
        "sub": "ada",
        "exp": now + 600,
        "iat": now - 5,
        "scope": "items.read profile",
        "groups": ["admin", "users"],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_jwt_valid_token_passes_claims_and_scopes(gateway):
    token = gateway.sign(claims())
    status, _, body = call(f"{gateway.http}/http/jwt", Authorization=f"Bearer {token}")
    assert status == 200
    jwt = body["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["sub"] == "ada"
    assert jwt["claims"]["groups"] == "[admin users]"
    assert jwt["scopes"] == ["items.read", "profile"]


def test_jwt_payload_1_context(gateway):
    token = gateway.sign(claims())
    status, _, body = call(f"{gateway.http}/http/jwt-v1", Authorization=token)
    assert status == 200
    assert body["requestContext"]["authorizer"]["claims"]["sub"] == "ada"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param({"iss": "https://evil.example.test"}, "issuer", id="issuer"),
        pytest.param({"aud": "someone-else"}, "audience", id="audience"),
        pytest.param({"exp": int(time.time()) - 10}, "expired", id="expired"),
        pytest.param({"nbf": int(time.time()) + 600}, "nbf", id="not-yet-valid"),
    ],
)
def test_jwt_claims_are_checked(gateway, changes, reason):
    token = gateway.sign(claims(**changes))
    status, headers, body = call(f"{gateway.http}/http/jwt", Authorization=f"Bearer {token}")
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert 'error="invalid_token"' in headers["www-authenticate"]
    assert reason in headers["www-authenticate"]
    assert apps.received == []


def test_jwt_client_id_stands_for_a_missing_aud(gateway):
    token = gateway.sign(claims(aud=None, client_id="local-client"))
    assert call(f"{gateway.http}/http/jwt", Authorization=token)[0] == 200


def test_jwt_bad_signature_and_unknown_key(gateway):
    token = gateway.sign(claims())
    header, payload, _ = token.split(".")
    forged = f"{header}.{payload}.{base64.urlsafe_b64encode(b'x' * 256).decode().rstrip('=')}"
    assert call(f"{gateway.http}/http/jwt", Authorization=forged)[0] == 401
    assert (
        call(f"{gateway.http}/http/jwt", Authorization=gateway.sign(claims(), kid="k2"))[0] == 401
    )
    assert call(f"{gateway.http}/http/jwt", Authorization="not-a-jwt")[0] == 401
    assert call(f"{gateway.http}/http/jwt")[0] == 401


def test_jwt_without_the_routes_scope_is_403(gateway):
    token = gateway.sign(claims(scope="profile"))
    status, headers, body = call(f"{gateway.http}/http/jwt", Authorization=token)
    assert (status, body) == (403, {"message": "Forbidden"})
    assert 'error="insufficient_scope"' in headers["www-authenticate"]
    scp = gateway.sign(claims(scope=None, scp=["items.read"]))
    assert call(f"{gateway.http}/http/jwt", Authorization=scp)[0] == 200


def test_jwt_without_jwks_refuses(serve):
    running = serve(read_template(TEMPLATE).config)  # no jwks: the issuer's keys are unknown
    token = _keys()["sign"](claims())
    status, headers, _ = call(f"{running.http}/http/jwt", Authorization=token)
    assert status == 401
    assert "--jwks" in headers["www-authenticate"]


def test_a_jwks_url_that_never_answers_holds_up_no_other_route(serve):
    """``--jwks`` at a socket that accepts and never answers: the JWT route waits for it (and is
    refused), an open route is answered at once meanwhile, and the failure is remembered."""
    import socket
    import threading

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections complete in the backlog; nothing is ever read or written
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/jwks.json"
    try:
        config = dataclasses.replace(read_template(TEMPLATE).config, jwks=url)
        running = serve(config)
        token = _keys()["sign"](claims())
        refused: list[int] = []

        def jwt_call() -> None:
            refused.append(call(f"{running.http}/http/jwt", Authorization=token)[0])

        waiting = threading.Thread(target=jwt_call)
        waiting.start()
        time.sleep(0.3)  # the JWKS is being fetched
        started = time.monotonic()
        assert call(f"{running.http}/http/open")[0] == 200
        assert time.monotonic() - started < 1.0
        waiting.join(20)
        assert refused == [401]
        started = time.monotonic()  # a failure is cached: no second wait
        assert call(f"{running.http}/http/jwt", Authorization=token)[0] == 401
        assert time.monotonic() - started < 1.0
    finally:
        silent.close()
