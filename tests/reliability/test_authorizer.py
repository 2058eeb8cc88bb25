"""The local gateway's ``$connect`` authorizer: a Lambda REQUEST authorizer run as API Gateway
runs it for a WebSocket API (``lambdakit/local/authorizer.py``).

Through a real gateway and real WebSocket handshakes: the authorizer event's shape, Allow
(``requestContext.authorizer`` in every event of the connection), Deny and a policy for another
resource (403), ``Unauthorized`` and a missing identity source (401), and an authorizer that
crashes, times out or answers nonsense (500). Then the policy evaluation on its own, the
command line and the template.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from lambdakit.local.authorizer import DENIED, FAILED, evaluate, identity_values
from lambdakit.local.config import Authorizer, FunctionRef, GatewayConfig, Limits, WebSocketApi
from lambdakit.local.template import config_from_template
from tests.reliability import authorizer_apps
from tests.reliability.authorizer_apps import policy

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import InvalidStatus  # noqa: E402

TEMPLATE = Path(__file__).parent / "fixtures" / "authorizer-template.yaml"
ARN = "arn:aws:execute-api:us-east-1:123456789012:local/local/$connect"


def config(identity_sources: tuple[str, ...] = (), timeout: float = 5) -> GatewayConfig:
    def ref(name: str) -> FunctionRef:
        return FunctionRef(f"tests.reliability.authorizer_apps:{name}", timeout)

    return GatewayConfig(
        websocket=WebSocketApi(
            routes={},
            catch_all=ref("websocket"),
            authorizer=Authorizer(ref("authorize"), identity_sources),
        )
    )


@pytest.fixture(autouse=True)
def clean():
    authorizer_apps.authorizer_events.clear()
    authorizer_apps.ws_events.clear()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def handshake_status(url: str, **options: Any) -> int:
    try:
        async with connect(url, **options):
            return 101
    except InvalidStatus as refused:
        return int(refused.response.status_code)


async def refused_body(url: str) -> Any:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url):
            pass
    return json.loads(caught.value.response.body or b"null")


# -- through the gateway -----------------------------------------------------------------------


def test_allow_passes_principal_and_context_to_every_event(serve):
    gateway = serve(config())

    async def scenario() -> Any:
        async with connect(
            gateway.ws + "?token=allow&tag=a&tag=b", additional_headers={"X-Client": "t"}
        ) as ws:
            await ws.send(json.dumps({"action": "whoami"}))
            return json.loads(await asyncio.wait_for(ws.recv(), 5))

    answer = run(scenario())
    expected = {
        "principalId": "user-ada",
        "user": "ada",
        "admin": "true",  # context values reach the integration as strings
        "level": "3",
        "ratio": "0.5",
    }
    seen = answer["authorizer"]
    assert isinstance(seen.pop("integrationLatency"), int)
    assert seen == expected

    (request,) = authorizer_apps.authorizer_events
    assert request["type"] == "REQUEST"
    assert request["methodArn"] == ARN
    assert request["headers"]["X-Client"] == "t"
    assert request["multiValueHeaders"]["X-Client"] == ["t"]
    assert request["headers"]["Sec-WebSocket-Key"]
    assert request["queryStringParameters"] == {"token": "allow", "tag": "b"}
    assert request["multiValueQueryStringParameters"]["tag"] == ["a", "b"]
    assert request["stageVariables"] == {}
    context = request["requestContext"]
    assert (context["routeKey"], context["eventType"]) == ("$connect", "CONNECT")
    assert context["stage"] == "local"
    assert "authorizer" not in context

    connect_event = authorizer_apps.ws_events[0]
    assert connect_event["requestContext"]["connectionId"] == context["connectionId"]
    for event in authorizer_apps.ws_events:  # $connect, the message, and (soon) $disconnect
        assert event["requestContext"]["authorizer"]["principalId"] == "user-ada"


@pytest.mark.parametrize(
    ("token", "status"),
    [
        pytest.param("wildcard", 101, id="allow-by-wildcard"),
        pytest.param("deny", 403, id="explicit-deny"),
        pytest.param("allow-and-deny", 403, id="deny-wins"),
        pytest.param("other-api", 403, id="allow-for-another-resource"),
        pytest.param("nobody", 401, id="unauthorized"),
        pytest.param("crash", 500, id="authorizer-raises"),
        pytest.param("no-principal", 500, id="no-principalId"),
        pytest.param("nested-context", 500, id="context-not-flat"),
    ],
)
def test_the_verdict_decides_the_handshake(serve, token, status):
    gateway = serve(config())
    assert run(handshake_status(f"{gateway.ws}?token={token}")) == status
    connected = [
        e for e in authorizer_apps.ws_events if e["requestContext"]["routeKey"] == "$connect"
    ]
    assert bool(connected) == (status == 101)  # $connect runs only when allowed


def test_refusals_carry_api_gateways_bodies(serve):
    gateway = serve(config())
    assert run(refused_body(f"{gateway.ws}?token=deny")) == {"message": "Forbidden"}
    assert run(refused_body(f"{gateway.ws}?token=nobody")) == {"message": "Unauthorized"}
    assert run(refused_body(f"{gateway.ws}?token=crash")) == {"message": "Internal server error"}


def test_an_authorizer_past_its_timeout_is_a_500(serve):
    gateway = serve(config(timeout=0.5))
    assert run(handshake_status(f"{gateway.ws}?token=slow")) == 500


def test_a_missing_identity_source_is_401_without_calling_the_authorizer(serve):
    gateway = serve(config(identity_sources=("route.request.header.Auth",)))
    assert run(handshake_status(f"{gateway.ws}?token=allow")) == 401
    assert authorizer_apps.authorizer_events == []
    status = run(handshake_status(gateway.ws, additional_headers={"auth": "allow"}))
    assert status == 101
    assert len(authorizer_apps.authorizer_events) == 1


def test_the_template_authorizer_guards_connect(serve):
    gateway = serve(config_from_template(TEMPLATE, stage="local", limits=Limits()))
    assert run(handshake_status(gateway.ws)) == 401  # no ?token=: the identity source
    assert authorizer_apps.authorizer_events == []
    assert run(handshake_status(f"{gateway.ws}?token=deny")) == 403
    assert run(handshake_status(f"{gateway.ws}?token=allow")) == 101


# -- the verdict on its own --------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource",
    [
        ARN,
        "*",
        "arn:aws:execute-api:*:*:*/*/$connect",
        "arn:aws:execute-api:us-east-1:*:local/*",
        [ARN],
    ],
)
def test_allow_matches_resources_as_iam_does(resource):
    verdict = evaluate(policy("Allow", resource), ARN)
    assert verdict.allowed
    assert verdict.authorizer is not None
    assert verdict.authorizer["principalId"] == "user-ada"


@pytest.mark.parametrize(
    "result",
    [
        policy("Allow", "arn:aws:execute-api:us-east-1:*:local/prod/$connect"),
        policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:local/local/$connect?x"),
        {
            **policy("Allow", ARN),
            "policyDocument": {"Statement": {"Action": "s3:*", "Effect": "Allow", "Resource": "*"}},
        },
    ],
)
def test_an_allow_that_does_not_cover_the_request_is_a_deny(result):
    assert evaluate(result, ARN) == DENIED


@pytest.mark.parametrize(
    "result",
    [
        None,
        "Allow",
        [],
        {"principalId": 7, "policyDocument": policy("Allow", ARN)["policyDocument"]},
        {"principalId": "p"},
        {"principalId": "p", "policyDocument": {"Statement": []}},
        {
            "principalId": "p",
            "policyDocument": {"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]},
        },
        {
            "principalId": "p",
            "policyDocument": {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
        },
        {**policy("Allow", ARN), "context": {"list": [1]}},
        {**policy("Allow", ARN), "context": "text"},
    ],
)
def test_an_answer_that_is_not_a_policy_is_a_500(result):
    assert evaluate(result, ARN) == FAILED


def test_identity_sources_are_checked_before_the_call():
    event = {
        "headers": {"Auth": "x"},
        "queryStringParameters": {"token": ""},
        "requestContext": {"connectionId": "c1"},
    }
    assert identity_values(("route.request.header.auth",), event) == ("x",)
    assert identity_values(("route.request.querystring.token",), event) is None
    assert identity_values(("context.connectionId",), event) == ("c1",)
    # A context source is a path into requestContext, as API Gateway reads it.
    nested = {"requestContext": {"identity": {"sourceIp": "10.0.0.1"}}}
    assert identity_values(("context.identity.sourceIp",), nested) == ("10.0.0.1",)
    assert identity_values(("$context.identity.sourceIp",), nested) == ("10.0.0.1",)
    assert identity_values(("context.identity.missing",), nested) is None
    assert identity_values(("context.identity.sourceIp.deeper",), nested) is None
    # REST's multi-value sources: the values joined; missing or empty, refused.
    multi = {
        "multiValueHeaders": {"X-Ids": ["a", "b"]},
        "multiValueQueryStringParameters": {"tag": ["x"]},
    }
    assert identity_values(("method.request.multivalueheader.x-ids",), multi) == ("a,b",)
    assert identity_values(("method.request.multivaluequerystring.tag",), multi) == ("x",)
    assert identity_values(("method.request.multivalueheader.absent",), multi) is None
    # A source of no form API Gateway knows is missing, never skipped (the authorizer would
    # run without it where AWS refuses the request).
    assert identity_values(("method.request.body.token",), event) is None
    # No stage variables are served locally: a source naming one is missing, as on a stage
    # without that variable (refused, never waved through).
    assert identity_values(("stageVariables.anything",), event) is None


# -- configuration -----------------------------------------------------------------------------


def test_the_command_line_takes_an_authorizer_and_survives_the_reloader():
    from lambdakit.local.cli import _parser, build_config
    from lambdakit.local.config import config_from_json, config_to_json

    args = _parser().parse_args(
        [
            "serve",
            "--websocket",
            "tests.reliability.authorizer_apps:websocket",
            "--authorizer",
            "tests.reliability.authorizer_apps:authorize",
            "--identity-source",
            "route.request.header.Auth",
        ]
    )
    built = build_config(args)
    assert built.websocket is not None
    assert built.websocket.authorizer == Authorizer(
        FunctionRef("tests.reliability.authorizer_apps:authorize", 30.0),
        ("route.request.header.Auth",),
    )
    assert config_from_json(json.loads(json.dumps(config_to_json(built)))) == built


def test_an_authorizer_needs_a_websocket_api():
    from lambdakit.local.cli import _parser, build_config

    args = _parser().parse_args(["serve", "--http", "a:b", "--authorizer", "c:d"])
    with pytest.raises(SystemExit, match="--authorizer needs a WebSocket API"):
        build_config(args)


def test_the_template_authorizer_and_whole_id_references():
    built = config_from_template(TEMPLATE, stage="local", limits=Limits())
    assert built.websocket is not None
    authorizer = built.websocket.authorizer
    assert authorizer is not None
    assert authorizer.function.handler == "tests.reliability.authorizer_apps:authorize"
    assert authorizer.identity_sources == ("route.request.querystring.token",)
    # ${Auth.Arn} is the function "Auth", not "AuthFunction", and the other way round.
    assert built.websocket.routes["whoami"].handler == "tests.reliability.authorizer_apps:websocket"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("AuthorizerType: REQUEST", "AuthorizerType: JWT"), "only REQUEST authorizers"),
        (("${AuthFunction.Arn}/invocations", "${Missing.Arn}/invocations"), "names no function"),
        (("AuthorizerId: !Ref ConnectAuthorizer", "AuthorizerId: !Ref Nothing"), "names no"),
    ],
)
def test_an_authorizer_the_gateway_cannot_run_is_an_error_not_an_open_door(
    tmp_path, change, message
):
    text = TEMPLATE.read_text().replace(*change)
    broken = tmp_path / "template.yaml"
    broken.write_text(text.replace("CodeUri: ../../..", f"CodeUri: {TEMPLATE.parents[2]}"))
    with pytest.raises(ValueError, match=re.escape(message)):
        config_from_template(broken, stage="local", limits=Limits())
