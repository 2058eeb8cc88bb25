"""The APIs of a SAM template served as API Gateway serves them, through a real local gateway
and real clients (``fixtures/apis``): ``AWS::Serverless::Api`` / ``HttpApi`` with ``StageName``,
``Cors``, ``BinaryMediaTypes`` and ``Auth``; OpenAPI ``DefinitionBody`` inline and included
(``AWS::Include``); ``AWS::Serverless::WebSocketApi`` with its authorizer; and everything the
local server cannot honour, listed once at start-up."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from lambdakit.local.config import FunctionRef, config_from_json, config_to_json
from lambdakit.local.template import read_template
from tests.local import apps, auth_apps
from tests.local.conftest import ROOT, free_port
from tests.local.test_http_authorizers import call

TEMPLATE = Path(__file__).parent / "fixtures" / "apis" / "template.yaml"
ORIGIN = "https://app.example.test"


@pytest.fixture(autouse=True)
def clean() -> None:
    apps.received.clear()
    auth_apps.calls.clear()


@pytest.fixture
def gateway(serve):
    return serve(read_template(TEMPLATE).config)


# -- reading ------------------------------------------------------------------------------------


def test_api_settings_are_read():
    config = read_template(TEMPLATE).config
    rest = config.api("RestApi")
    assert rest is not None
    assert rest.stage_name == "v1"
    assert rest.binary_media_types == ("image/png", "application/octet-stream")
    http = config.api("HttpApi")
    assert http is not None
    assert http.stage_name == "$default"
    assert http.cors is not None
    assert http.cors.allow_origins == (ORIGIN,)
    assert config.api("InlineRestApi").stage_name == "inline"  # type: ignore[union-attr]
    assert config.stage == "live"  # the WebSocket API's stage


def test_the_configuration_survives_the_reloaders_json():
    config = read_template(TEMPLATE).config
    assert config_from_json(json.loads(json.dumps(config_to_json(config)))) == config


def test_what_cannot_be_honoured_is_listed():
    warnings = read_template(TEMPLATE).warnings
    expected = [
        "RestApi: MethodSettings is not honoured locally: ignored",
        "InlineRestApi GET /mocked: integration type 'mock' is not served locally",
        "RestApi: authorizer PoolAuth (Cognito or IAM) is not run locally",
        "Plan (AWS::ApiGateway::UsagePlan) is not served locally: ignored",
    ]
    for line in expected:
        assert any(w.startswith(line) for w in warnings), line


def test_start_up_lists_each_warning_once(tmp_path):
    port = free_port()
    command = [
        sys.executable, "-m", "lambdakit", "serve", "--template", str(TEMPLATE), "--in-process",
        "--no-reload", "--no-tls", "--port", str(port),
    ]  # fmt: skip
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "Uvicorn running" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=15)
    text = log.read_text()
    assert text.count("warning: Plan (AWS::ApiGateway::UsagePlan) is not served locally") == 1
    assert text.count("warning: RestApi: MethodSettings is not honoured locally") == 1


# -- OpenAPI --------------------------------------------------------------------------------------


def test_included_openapi_routes_are_served(gateway):
    status, _, body = call(f"{gateway.http}/included/7")
    assert status == 200
    assert body["version"] == "2.0"  # payloadFormatVersion: "2.0"
    assert body["pathParameters"] == {"id": "7"}


def test_openapi_security_runs_its_authorizer(gateway):
    assert call(f"{gateway.http}/included-secured", "POST")[0] == 401
    status, _, body = call(f"{gateway.http}/included-secured", "POST", Authorization="allow")
    assert status == 200
    assert body["requestContext"]["authorizer"]["lambda"]["user"] == "ada"


def test_inline_openapi_routes_are_served_and_mock_integrations_are_not(gateway):
    status, _, body = call(f"{gateway.http}/inline/3")
    assert status == 200
    assert body["resource"] == "/inline/{id}"
    assert call(f"{gateway.http}/mocked")[0] in (403, 404)


# -- CORS ---------------------------------------------------------------------------------------


def test_http_api_preflight_is_answered_by_the_gateway(gateway):
    status, headers, body = call(
        f"{gateway.http}/http/simple",  # an authorizer on GET does not guard the preflight
        "OPTIONS",
        Origin=ORIGIN,
        **{"Access-Control-Request-Method": "GET"},
    )
    assert (status, body) == (204, None)
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-allow-methods"] == "GET,POST"
    assert headers["access-control-allow-headers"] == "authorization"
    assert headers["access-control-max-age"] == "300"
    assert auth_apps.calls == []
    assert apps.received == []


def test_http_api_preflight_from_another_origin_gets_no_cors_headers(gateway):
    status, headers, _ = call(
        f"{gateway.http}/http/open",
        "OPTIONS",
        Origin="https://evil.example.test",
        **{"Access-Control-Request-Method": "GET"},
    )
    assert status == 204
    assert "access-control-allow-origin" not in headers


def test_http_api_responses_carry_the_configured_headers(gateway):
    status, headers, _ = call(f"{gateway.http}/http/open", Origin=ORIGIN)
    assert status == 200
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-expose-headers"] == "x-request-id"
    assert "access-control-allow-origin" not in call(f"{gateway.http}/http/open")[1]


def test_included_openapi_cors_allows_any_origin(gateway):
    _, headers, _ = call(f"{gateway.http}/included/1", Origin="https://elsewhere.test")
    assert headers["access-control-allow-origin"] == "*"


def test_rest_api_preflight_is_sams_options_method(gateway):
    status, headers, _ = call(f"{gateway.http}/rest/token/1", "OPTIONS")
    assert status == 200
    assert headers["access-control-allow-origin"] == ORIGIN
    assert headers["access-control-allow-headers"] == "Content-Type, Authorization"  # as written
    assert headers["access-control-max-age"] == "600"
    methods = headers["access-control-allow-methods"].split(",")
    assert "OPTIONS" in methods
    assert "GET" in methods
    assert auth_apps.calls == []  # AddDefaultAuthorizerToCorsPreflight: false


def test_rest_api_preflight_at_the_stage_url_is_sams_options_method(gateway):
    # The URL a deployed front end calls: the API's stage first.
    status, headers, _ = call(f"{gateway.http}/v1/rest/token/1", "OPTIONS")
    assert status == 200
    assert headers["access-control-allow-origin"] == ORIGIN
    assert auth_apps.calls == []


def test_each_kind_of_api_answers_a_missing_route_its_own_way(gateway):
    status, headers, _ = call(f"{gateway.http}/v1/nothing/here")  # the REST API's stage
    assert (status, headers["x-amzn-errortype"]) == (403, "MissingAuthenticationTokenException")
    assert call(f"{gateway.http}/nothing/here")[0] == 404  # the template's HTTP API


def test_rest_api_responses_are_the_functions_own(gateway):
    _, headers, _ = call(f"{gateway.http}/rest/open", Origin=ORIGIN)
    assert "access-control-allow-origin" not in headers  # a proxy integration sets its own


# -- WebSocketApi -------------------------------------------------------------------------------


def test_sam_websocket_api_routes_and_authorizer(serve):
    websockets = pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    config = read_template(TEMPLATE).config
    assert config.websocket is not None
    # Without a route response AWS sends nothing back: answer two-way (--route-responses all).
    two_way = dataclasses.replace(config.websocket, all_route_responses=True)
    gateway = serve(dataclasses.replace(config, websocket=two_way))

    async def scenario() -> tuple[int, str]:
        try:
            async with connect(gateway.ws):
                pass
            refused = 101
        except websockets.exceptions.InvalidStatus as error:
            refused = error.response.status_code
        async with connect(gateway.ws, additional_headers={"Authorization": "allow"}) as socket:
            await socket.send(json.dumps({"action": "echo", "text": "hi"}))
            answer = await asyncio.wait_for(socket.recv(), 5)
        return refused, str(answer)

    refused, answer = asyncio.run(scenario())
    assert refused == 401  # identity source missing
    assert gateway.ws.endswith("/live")
    assert "hi" in answer


# -- plain CloudFormation APIs ------------------------------------------------------------------

RAW = Path(__file__).parent / "fixtures" / "apis" / "raw.yaml"


def test_cloudformation_rest_and_http_apis_are_read():
    local = read_template(RAW)
    routes = {(r.method, r.path): r for r in local.config.http_routes}
    item = routes[("GET", "/items/{id}")]
    assert item.authorizer is not None
    assert item.authorizer.kind == "TOKEN"
    assert item.authorizer.ttl == 0
    assert routes[("GET", "/v2/items")].authorizer.simple_responses  # type: ignore[union-attr]
    rest = local.config.api("Rest")
    assert rest is not None
    assert rest.stage_name == "dev"
    assert rest.binary_media_types == ("image/gif",)
    assert not any("is not served locally" in w for w in local.warnings)


def test_cloudformation_apis_run_their_authorizers(serve):
    gateway = serve(read_template(RAW).config)
    assert call(f"{gateway.http}/items/1")[0] == 401
    status, _, body = call(f"{gateway.http}/items/1", Authorization="allow")
    assert status == 200
    assert body["requestContext"]["authorizer"]["principalId"] == "user-ada"
    assert call(f"{gateway.http}/items/1", Authorization="deny")[0] == 403
    assert call(f"{gateway.http}/v2/items", Authorization="nope")[0] == 403
    status, _, body = call(f"{gateway.http}/v2/items", Authorization="allow")
    assert status == 200
    assert body["requestContext"]["authorizer"]["lambda"]["user"] == "ada"
    assert call(f"{gateway.http}/items/1", "PUT")[0] == 401  # Cognito: no token
    assert call(f"{gateway.http}/items/1", "PUT", Authorization="eyJ.a.b")[0] == 500


def test_a_route_whose_authorizer_cannot_run_fails_closed(gateway):
    """``/rest/pool`` names a Cognito authorizer: 500 as API Gateway answers for a broken
    authorizer, the function not called; without its token header, 401 first, as on AWS."""
    status, headers, body = call(f"{gateway.http}/rest/pool")
    assert (status, body) == (401, {"message": "Unauthorized"})
    assert headers["x-amzn-errortype"] == "UnauthorizedException"
    status, headers, body = call(f"{gateway.http}/rest/pool", Authorization="eyJ.a.b")
    assert (status, body) == (500, {"message": None})
    assert headers["x-amzn-errortype"] == "AuthorizerConfigurationException"
    assert apps.received == []


def test_skip_unsupported_auth_serves_such_a_route_without_it(serve):
    from lambdakit.local.cli import _parser, build_config

    args = _parser().parse_args(["serve", "--template", str(TEMPLATE), "--skip-unsupported-auth"])
    running = serve(build_config(args))
    assert call(f"{running.http}/rest/pool")[0] == 200
    assert call(f"{running.http}/rest/token/1")[0] == 401  # a Lambda authorizer still runs


# -- AWS_IAM on $connect ------------------------------------------------------------------------

_SAM_IAM_WEBSOCKET = """\
Resources:
  Chat:
    Type: AWS::Serverless::WebSocketApi
    Properties:
      StageName: live
      Auth: {AuthType: AWS_IAM}
      Routes:
        $default: {FunctionArn: !GetAtt Fn.Arn}
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler}
"""

_V2_IAM_WEBSOCKET = """\
Resources:
  Chat:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: chat
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Connect:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Chat
      RouteKey: $connect
      AuthorizationType: AWS_IAM
      Target: !Sub integrations/${Integration}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Chat
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/\
        functions/${Fn.Arn}/invocations"
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler}
"""


@pytest.mark.parametrize(
    "template", [_SAM_IAM_WEBSOCKET, _V2_IAM_WEBSOCKET], ids=["sam", "cloudformation"]
)
def test_aws_iam_on_connect_is_read_and_announced(tmp_path, template):
    path = tmp_path / "template.yaml"
    path.write_text(template)
    local = read_template(path)
    assert local.config.websocket is not None
    assert local.config.websocket.iam_connect
    assert any("AWS_IAM" in w and "SigV4" in w for w in local.warnings)
    # --reload hands the configuration to the server process as JSON: the check survives it.
    assert config_from_json(json.loads(json.dumps(config_to_json(local.config)))) == local.config


def test_aws_iam_on_connect_refuses_an_unsigned_handshake(serve):
    """As on AWS, a ``$connect`` with ``AuthorizationType: AWS_IAM`` takes only a SigV4-signed
    handshake (header or presigned query): unsigned is 403, never silently open."""
    websockets = pytest.importorskip("websockets")
    pytest.importorskip("botocore")
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from websockets.asyncio.client import connect

    from tests.local.signing import sigv4_headers

    config = read_template(TEMPLATE).config
    assert config.websocket is not None
    recorded = {**config.websocket.routes, "$connect": FunctionRef("tests.local.apps:echo")}
    iam = dataclasses.replace(config.websocket, routes=recorded, authorizer=None, iam_connect=True)
    gateway = serve(dataclasses.replace(config, websocket=iam))
    http_url = gateway.ws.replace("ws://", "http://", 1)
    presign = AWSRequest(method="GET", url=http_url)
    SigV4QueryAuth(Credentials("local", "local"), "execute-api", "us-east-1", 60).add_auth(presign)
    presigned = presign.url.replace("http://", "ws://", 1)

    async def status(url: str, headers: dict[str, str] | None = None) -> int:
        try:
            async with connect(url, additional_headers=headers or {}):
                return 101
        except websockets.exceptions.InvalidStatus as error:
            return int(error.response.status_code)

    async def scenario() -> list[int]:
        return [
            await status(gateway.ws),
            await status(gateway.ws, {"Authorization": "Bearer token"}),
            await status(gateway.ws, sigv4_headers("GET", http_url)),
            await status(presigned),
        ]

    apps.received.clear()
    assert asyncio.run(scenario()) == [403, 403, 101, 101]
    identities = [event["requestContext"]["identity"] for event in apps.received]
    assert [i.get("accessKey") for i in identities] == ["local", "local"]  # header, presigned
    assert identities[0]["accountId"] == "123456789012"


_V2_CONNECT_AUTH = """\
Parameters:
  ConnectAuth: {{Type: String, Default: AWS_IAM}}
Conditions:
  Always: !Equals [a, a]
Resources:
  Chat:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: chat
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Connect:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Chat
      RouteKey: $connect
      AuthorizationType: {auth}
      Target: !Sub integrations/${{Integration}}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Chat
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub "arn:aws:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/\\
        functions/${{Fn.Arn}}/invocations"
  Fn:
    Type: AWS::Serverless::Function
    Properties: {{Handler: app.handler}}
"""


@pytest.mark.parametrize(
    "auth",
    ["AWS_IAM", "aws_iam", "!Ref ConnectAuth", "!If [Always, AWS_IAM, NONE]", "!Sub AWS_IAM"],
)
def test_aws_iam_on_connect_is_read_through_intrinsics(tmp_path, auth):
    path = tmp_path / "template.yaml"
    path.write_text(_V2_CONNECT_AUTH.format(auth=auth))
    websocket = read_template(path).config.websocket
    assert websocket is not None
    assert websocket.iam_connect


@pytest.mark.parametrize("auth", ["AWS_IAM_", "COGNITO_USER_POOLS", "CUSTOM"])
def test_a_connect_authorization_the_gateway_cannot_honour_stops_the_start(tmp_path, auth):
    """Never served open: a type API Gateway does not take, or CUSTOM with no authorizer."""
    path = tmp_path / "template.yaml"
    path.write_text(_V2_CONNECT_AUTH.format(auth=auth))
    with pytest.raises(ValueError, match="AuthorizationType"):
        read_template(path)


@pytest.mark.parametrize("auth", ["AWS_IAM_", "IAM", "COGNITO"])
def test_a_sam_websocket_auth_type_the_gateway_cannot_honour_stops_the_start(tmp_path, auth):
    path = tmp_path / "template.yaml"
    path.write_text(_SAM_IAM_WEBSOCKET.replace("AuthType: AWS_IAM", f"AuthType: {auth}"))
    with pytest.raises(ValueError, match="AuthType"):
        read_template(path)


def test_the_websocket_flag_over_a_template_says_its_connect_auth_is_not_applied(tmp_path):
    from lambdakit.local.cli import _parser, build_config, template_warnings

    path = tmp_path / "template.yaml"
    path.write_text(_SAM_IAM_WEBSOCKET)
    args = _parser().parse_args(
        ["serve", "--template", str(path), "--websocket", "tests.local.apps:websocket"]
    )
    assert build_config(args).websocket.iam_connect is False  # type: ignore[union-attr]
    notes = template_warnings(args)
    assert not any("must be SigV4-signed" in note for note in notes)
    assert any(note.startswith("--websocket replaces") for note in notes)


def test_cors_with_credentials_and_any_origin_is_announced(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::HttpApi\n"
        "    Properties:\n"
        "      CorsConfiguration: {AllowOrigins: ['*'], AllowCredentials: true}\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Events:\n"
        "        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /a, Method: get}}\n"
    )
    warnings = read_template(path).warnings
    assert any("credentials" in w and "'*'" in w for w in warnings), warnings


# -- HTTP API routes on payload format 1.0 ------------------------------------------------------

_HTTP_API_V1 = """\
Resources:
  Rest:
    Type: AWS::Serverless::Api
    Properties: {StageName: Prod}
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: tests.local.apps.echo
      CodeUri: CODE
      Events:
        V1:
          Type: HttpApi
          Properties: {Path: "/v1/{id}", Method: ANY, PayloadFormatVersion: "1.0"}
        Legacy:
          Type: Api
          Properties: {RestApiId: !Ref Rest, Path: /legacy, Method: get}
"""


def _post(url: str, body: bytes, content_type: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - our own 127.0.0.1
        url, body, {"Content-Type": content_type, "X-Custom": "A"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def test_an_http_api_route_on_payload_1_0_gets_the_http_apis_event(tmp_path, serve):
    """Not the REST API's event: lower-case header names, a binary body base64-encoded without
    any binary media type, the $default stage, served at the HTTP API's URL (no /Prod)."""
    path = tmp_path / "template.yaml"
    path.write_text(_HTTP_API_V1.replace("CODE", str(ROOT)))
    gateway = serve(read_template(path).config)
    event = _post(f"{gateway.http}/v1/7?a=1&a=2", b"\x89PNG\x00\xff", "image/png")
    assert event["version"] == "1.0"
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/v1/{id}", "/v1/7", "POST")
    assert event["headers"]["x-custom"] == "A"
    assert "X-Custom" not in event["headers"]
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\x00\xff"
    context = event["requestContext"]
    assert (context["stage"], context["resourceId"], context["resourcePath"]) == (
        "$default",
        None,
        "/v1/{id}",
    )
    assert _post(f"{gateway.http}/v1/7", b'{"a": 1}', "application/json")["body"] == '{"a": 1}'
    assert call(f"{gateway.http}/Prod/v1/7")[0] == 403  # the REST API's stage, not the HTTP API's
    legacy = call(f"{gateway.http}/Prod/legacy", **{"X-Custom": "B"})[2]
    assert (legacy["headers"]["X-Custom"], legacy["requestContext"]["stage"]) == ("B", "Prod")


def test_ways_in_the_server_does_not_serve_are_named(tmp_path):
    """A function's SQS/Schedule events, its function URL, an AWS::Lambda::Url and a Lambda
    target group: each said at start-up, with the Invoke API as the way to drive the function."""
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      FunctionUrlConfig: {AuthType: NONE}\n"
        "      Events:\n"
        "        Queue: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:1:q}}\n"
        "        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}\n"
        "        Get: {Type: HttpApi, Properties: {Path: /x, Method: get}}\n"
        "  Url:\n"
        "    Type: AWS::Lambda::Url\n"
        "    Properties: {TargetFunctionArn: !GetAtt Fn.Arn, AuthType: NONE}\n"
        "  Targets:\n"
        "    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n"
        "    Properties: {TargetType: lambda}\n"
        "  Instances:\n"
        "    Type: AWS::ElasticLoadBalancingV2::TargetGroup\n"
        "    Properties: {TargetType: instance}\n"
    )
    warnings = read_template(path).warnings
    invoke = "POST /2015-03-31/functions/Fn/invocations"
    assert (
        f"Fn: its SQS, Schedule events are not triggered locally (send such an event through "
        f"the Invoke API: {invoke})"
    ) in warnings
    assert any(w.startswith("Fn: its function URL (FunctionUrlConfig)") for w in warnings)
    assert "Url (AWS::Lambda::Url) is not served locally: ignored" in warnings
    assert "Targets (AWS::ElasticLoadBalancingV2::TargetGroup) is not served locally: ignored" in (
        warnings
    )
    assert not any(w.startswith("Instances") for w in warnings)
    assert not any("HttpApi" in w for w in warnings)


# -- inline code and plain AWS::Lambda::Function ------------------------------------------------

_INLINE = """\
Resources:
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      InlineCode: |
        def handler(event, context):
            return {"statusCode": 200, "body": "sam inline " + event["path"]}
      Events:
        Get: {Type: Api, Properties: {Path: /sam, Method: get}}
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: python3.12
      Role: arn:aws:iam::123456789012:role/x
      Environment: {Variables: {GREETING: zipfile}}
      Code:
        ZipFile: |
          import os
          def handler(event, context):
              return {"statusCode": 200, "body": os.environ["GREETING"] + " " + event["path"]}
  InS3:
    Type: AWS::Lambda::Function
    Properties:
      Handler: app.handler
      Code: {S3Bucket: bucket, S3Key: key.zip}
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: plain}
  Resource:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Rest, ParentId: !GetAtt Rest.RootResourceId, PathPart: plain}
  Method:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Rest
      ResourceId: !Ref Resource
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/\\
          ${Plain.Arn}/invocations
"""


def test_inline_code_and_plain_lambda_functions_are_served(tmp_path):
    """SAM's InlineCode and CloudFormation's Code.ZipFile run as index.py (Lambda's file for
    inline code), each in its own environment; an AWS::Lambda::Function is routed to by the
    API resources that name it; code in S3 is named as not local."""
    from tests.local.servers import Served

    runtime = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    path = tmp_path / "template.yaml"
    path.write_text(_INLINE.replace("python3.12", runtime))
    named = "InS3: its Code (S3Bucket, S3Key) is not local"
    assert any(w.startswith(named) for w in read_template(path).warnings)
    server = Served(path, tmp_path)
    try:
        server.wait_until_listening()
        assert server.get("/sam") == (200, b"sam inline /sam"), server.log()[-2000:]
        assert server.get("/plain") == (200, b"zipfile /plain")
    finally:
        server.stop()


def test_a_websocket_apis_events_carry_the_id_its_ref_gives(tmp_path):
    """requestContext.apiId is what !Ref of the API gives, so an endpoint or an authorizer's
    policy built from either (https://${Api}.execute-api..., arn:...:${Api}/*) agrees."""
    from lambdakit.local.intrinsics import local_api_id
    from lambdakit.local.ws_events import ConnectionInfo

    sam = tmp_path / "sam.yaml"
    sam.write_text(_SAM_IAM_WEBSOCKET)
    raw = tmp_path / "raw.yaml"
    raw.write_text(_V2_CONNECT_AUTH.format(auth="NONE"))
    for path, logical_id in ((sam, "Chat"), (raw, "Chat")):
        websocket = read_template(path).config.websocket
        assert websocket is not None
        assert websocket.api_id == local_api_id(logical_id)
    info = ConnectionInfo(
        "abc=",
        stage="live",
        domain="127.0.0.1:3443",
        source_ip="127.0.0.1",
        headers=[],
        raw_query="",
        api_id=local_api_id("Chat"),
    )
    assert info.message_event("send", "{}")["requestContext"]["apiId"] == local_api_id("Chat")


def test_an_http_api_on_a_named_stage_answers_under_it(tmp_path, serve):
    """An HttpApi with StageName prod answers at /prod/... as on AWS (rawPath with the stage,
    requestContext.stage prod), and at /... as behind a custom domain."""
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  Api:\n"
        "    Type: AWS::Serverless::HttpApi\n"
        "    Properties: {StageName: prod}\n"
        "  Echo:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        f"      Handler: tests.local.apps.echo\n      CodeUri: {ROOT}\n"
        "      Events:\n"
        "        Get:\n"
        "          Type: HttpApi\n"
        "          Properties: {ApiId: !Ref Api, Path: /items, Method: get}\n"
    )
    gateway = serve(read_template(path).config)
    status, _, event = call(f"{gateway.http}/prod/items")
    assert status == 200
    assert (event["rawPath"], event["requestContext"]["stage"]) == ("/prod/items", "prod")
    status, _, event = call(f"{gateway.http}/items")
    assert (status, event["requestContext"]["stage"]) == (200, "prod")
    assert call(f"{gateway.http}/dev/items")[0] == 404


def test_a_stage_root_is_its_apis_root_not_a_proxy_path(tmp_path, serve):
    """/Prod is the REST API's "/": with only /{proxy+}, API Gateway answers 403 Missing
    Authentication Token there (the function is not called with proxy "Prod")."""
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  Echo:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        f"      Handler: tests.local.apps.echo\n      CodeUri: {ROOT}\n"
        "      Events:\n"
        "        Proxy: {Type: Api, Properties: {Path: '/{proxy+}', Method: ANY}}\n"
    )
    gateway = serve(read_template(path).config)
    apps.received.clear()
    status, _, body = call(f"{gateway.http}/Prod")
    assert (status, body) == (403, {"message": "Missing Authentication Token"})
    assert apps.received == []
    status, _, event = call(f"{gateway.http}/Prod/files/a")
    assert (status, event["pathParameters"]) == (200, {"proxy": "files/a"})
    assert call(f"{gateway.http}/files/a")[2]["pathParameters"] == {"proxy": "files/a"}


def test_stage_variables_reach_the_events(tmp_path, serve):
    """SAM's Variables (REST) and StageVariables (HTTP API) arrive as stageVariables, as on
    AWS; a stage without any sends null (REST) or leaves the key out (payload 2.0)."""
    path = tmp_path / "template.yaml"
    path.write_text(
        "Parameters:\n"
        "  Env: {Type: String, Default: dev}\n"
        "Resources:\n"
        "  Rest:\n"
        "    Type: AWS::Serverless::Api\n"
        "    Properties: {StageName: Prod, Variables: {table: !Sub 'items-${Env}', n: 3}}\n"
        "  Http:\n"
        "    Type: AWS::Serverless::HttpApi\n"
        "    Properties: {StageVariables: {mode: fast}}\n"
        "  Bare:\n"
        "    Type: AWS::Serverless::HttpApi\n"
        "  Echo:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        f"      Handler: tests.local.apps.echo\n      CodeUri: {ROOT}\n"
        "      Events:\n"
        "        R: {Type: Api, Properties: {RestApiId: !Ref Rest, Path: /r, Method: get}}\n"
        "        H: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /h, Method: get}}\n"
        "        B: {Type: HttpApi, Properties: {ApiId: !Ref Bare, Path: /b, Method: get}}\n"
    )
    local = read_template(path)
    assert not any("Variables" in w for w in local.warnings)
    gateway = serve(local.config)
    assert call(f"{gateway.http}/Prod/r")[2]["stageVariables"] == {"table": "items-dev", "n": "3"}
    assert call(f"{gateway.http}/h")[2]["stageVariables"] == {"mode": "fast"}
    assert "stageVariables" not in call(f"{gateway.http}/b")[2]


def test_cloudformation_stage_variables_are_read(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  Rest: {Type: AWS::ApiGateway::RestApi, Properties: {Name: r}}\n"
        "  Stage:\n"
        "    Type: AWS::ApiGateway::Stage\n"
        "    Properties: {RestApiId: !Ref Rest, StageName: live, Variables: {a: '1'}}\n"
        "  Http: {Type: AWS::ApiGatewayV2::Api, Properties: {Name: h, ProtocolType: HTTP}}\n"
        "  HttpStage:\n"
        "    Type: AWS::ApiGatewayV2::Stage\n"
        "    Properties: {ApiId: !Ref Http, StageName: $default, StageVariables: {b: '2'}}\n"
    )
    config = read_template(path).config
    rest, http = config.api("Rest"), config.api("Http")
    assert rest is not None
    assert http is not None
    assert (rest.stage_name, rest.stage_variables) == ("live", (("a", "1"),))
    assert (http.stage_name, http.stage_variables) == ("$default", (("b", "2"),))
    assert config_from_json(json.loads(json.dumps(config_to_json(config)))) == config
