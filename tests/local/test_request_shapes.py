"""Requests shaped as each API kind delivers them (issue 13, items 1-2), through the local
server with real clients: header-name case, the headers API Gateway adds, ``requestContext``
fields against AWS's sample events, binary bodies per binary media types, and REST APIs served
at ``/{stage}/...`` and at ``/...``."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import http.client
import json
from pathlib import Path
from typing import Any

import pytest

from lambdakit.local.config import FunctionRef, GatewayConfig, HttpRoute, WebSocketApi
from lambdakit.local.template import read_template
from tests.local import apps

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "events"


def http_config(version: str = "1.0", **fields: Any) -> GatewayConfig:
    function = FunctionRef("tests.local.apps:echo", 5)
    route = HttpRoute("ANY", "$default", function, version)  # type: ignore[arg-type]
    return dataclasses.replace(GatewayConfig(http_routes=(route,)), **fields)


def send(
    port: int,
    path: str,
    *,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    body: bytes | None = None,
) -> tuple[int, bytes]:
    """One request with header names exactly as given (urllib re-cases them)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers or []:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def echoed(port: int, path: str, **kwargs: Any) -> dict[str, Any]:
    status, body = send(port, path, **kwargs)
    assert status == 200, body
    event: dict[str, Any] = json.loads(body)
    return event


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return document


def test_rest_api_keeps_header_names_as_sent(serve):
    gateway = serve(http_config())
    event = echoed(
        gateway.port,
        "/items",
        headers=[("auth", "t0k"), ("X-MiXed-Case", "1"), ("Accept", "a"), ("Accept", "b")],
    )
    assert event["headers"]["auth"] == "t0k"  # not "Auth", not lower-cased
    assert event["headers"]["X-MiXed-Case"] == "1"
    assert event["headers"]["Accept"] == "b"  # the last value
    assert event["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert "Host" in event["headers"]  # http.client sends it so


def test_rest_api_adds_the_forwarding_headers(serve):
    gateway = serve(http_config())
    event = echoed(gateway.port, "/", headers=[("X-Forwarded-For", "203.0.113.9")])
    headers = event["headers"]
    assert headers["X-Forwarded-For"] == "203.0.113.9, 127.0.0.1"  # appended, as AWS does
    assert headers["X-Forwarded-Port"] == str(gateway.port)
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Amzn-Trace-Id"].startswith("Root=1-")


def test_http_api_lower_cases_header_names(serve):
    gateway = serve(http_config("2.0"))
    event = echoed(gateway.port, "/v2", headers=[("X-MiXed-Case", "1"), ("X-Two", "a")])
    assert event["headers"]["x-mixed-case"] == "1"
    assert "X-MiXed-Case" not in event["headers"]
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert event["headers"]["x-amzn-trace-id"].startswith("Root=1-")


@pytest.mark.parametrize(
    ("version", "sample"),
    [
        pytest.param("1.0", "powertools/apiGatewayProxyEvent.json", id="rest"),
        pytest.param("2.0", "aws-lambda-go/apigw-v2-request-no-authorizer.json", id="http-api"),
    ],
)
def test_events_have_every_field_of_aws_samples(serve, version, sample):
    gateway = serve(http_config(version))
    event = echoed(gateway.port, "/a/b?x=1", method="POST", body=b"{}")
    expected = load(sample)
    # What only an authorizer, stage variables, API keys or mTLS put there is left out.
    optional = {"authorizer", "authentication", "stageVariables", "cookies", "pathParameters"}
    assert set(expected) - optional <= set(event)
    assert set(expected["requestContext"]) - optional <= set(event["requestContext"])
    if version == "1.0":
        assert set(expected["requestContext"]["identity"]) <= set(
            event["requestContext"]["identity"]
        )
        assert event["version"] == "1.0"
        assert isinstance(event["requestContext"]["requestTimeEpoch"], int)
        assert event["requestContext"]["domainName"] == f"127.0.0.1:{gateway.port}"


@pytest.mark.parametrize(
    ("content_type", "binary"),
    [
        pytest.param("image/png", True, id="listed"),
        pytest.param("audio/mpeg", True, id="wildcard-match"),
        pytest.param("text/plain", False, id="text"),
        pytest.param("application/pdf", False, id="not-listed"),
    ],
)
def test_rest_binary_bodies_follow_binary_media_types(serve, content_type, binary):
    gateway = serve(http_config(binary_media_types=("image~1png", "audio/*")))
    payload = b"\x89PNG\x00\xff"
    event = echoed(
        gateway.port, "/up", method="POST", headers=[("Content-Type", content_type)], body=payload
    )
    assert event["isBase64Encoded"] is binary
    if binary:
        assert base64.b64decode(event["body"]) == payload
    else:  # passed as text, as API Gateway does: the bytes that are not UTF-8 are lost
        assert event["body"] == payload.decode("utf-8", "replace")


def test_binary_media_type_wildcard_all():
    from lambdakit.local.http_events import is_binary

    assert is_binary("application/json; charset=utf-8", ("*/*",))
    assert not is_binary(None, ("*/*",))


def test_rest_api_answers_at_its_stage_and_at_the_root(serve):
    gateway = serve(http_config(rest_stage="dev"))
    staged = echoed(gateway.port, "/dev/items/1?q=1")
    assert staged["path"] == "/items/1"
    assert staged["requestContext"]["path"] == "/dev/items/1"  # the URL used
    assert staged["requestContext"]["stage"] == "dev"
    root = echoed(gateway.port, "/items/1")
    assert root["path"] == "/items/1"
    assert root["requestContext"]["path"] == "/items/1"
    assert echoed(gateway.port, "/dev")["path"] == "/"


def test_http_api_is_not_served_under_a_stage(serve):
    gateway = serve(http_config("2.0", stage="dev"))
    event = echoed(gateway.port, "/dev/items")
    assert event["rawPath"] == "/dev/items"
    assert event["requestContext"]["stage"] == "$default"


def test_connect_keeps_header_names_as_sent(serve):
    websockets = pytest.importorskip("websockets")
    from websockets.asyncio.client import connect

    assert websockets
    function = FunctionRef("tests.local.apps:websocket", 5)
    gateway = serve(GatewayConfig(websocket=WebSocketApi(routes={}, catch_all=function)))
    apps.ws_events.clear()

    async def scenario() -> None:
        async with connect(gateway.ws, additional_headers={"auth": "t0k", "X-MiXed": "1"}):
            pass

    asyncio.run(scenario())
    event = apps.ws_events[0]
    assert event["requestContext"]["eventType"] == "CONNECT"
    headers = event["headers"]
    assert headers["auth"] == "t0k"  # an authorizer reading headers.get("auth") finds it
    assert headers["X-MiXed"] == "1"
    assert "Sec-WebSocket-Key" in headers  # as the client sent them
    assert "Host" in headers
    assert not {"Connection", "Upgrade", "connection", "upgrade"} & set(headers)
    assert headers["X-Forwarded-Proto"] == "http"
    assert headers["X-Amzn-Trace-Id"].startswith("Root=1-")
    assert event["multiValueHeaders"]["auth"] == ["t0k"]
    sample = load("powertools/apiGatewayWebSocketApiConnect.json")
    assert set(sample["requestContext"]) <= set(event["requestContext"])


TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
{api}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties: {{Path: /items, Method: get{rest_api_id}}}
"""
EXPLICIT_API = """\
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
"""


@pytest.mark.parametrize(
    ("api", "stage", "expected"),
    [
        pytest.param(EXPLICIT_API, None, "v1", id="StageName"),
        pytest.param("", None, "Prod", id="implicit-api"),
        pytest.param(EXPLICIT_API, "mine", "mine", id="--stage-overrides"),
    ],
)
def test_rest_stage_from_the_template(tmp_path, api, stage, expected):
    rest_api_id = ", RestApiId: !Ref MyApi" if api else ""
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE.format(api=api, rest_api_id=rest_api_id), encoding="utf-8")
    config = read_template(template, stage=stage).config
    assert config.rest_stage_name == expected


def test_http_api_base64_encodes_bodies_that_are_not_text(serve):
    gateway = serve(http_config("2.0"))
    headers = [("Content-Type", "application/octet-stream")]
    event = echoed(gateway.port, "/up", method="POST", headers=headers, body=b"\x00\xff")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"
