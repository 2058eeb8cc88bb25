"""WebSocket route responses (issue 13, item 3): a route sends its integration's result back
only when it has a route response; integration errors still send ``Internal server error``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from lambdakit.local.config import FunctionRef, GatewayConfig, WebSocketApi
from lambdakit.local.template import read_template
from tests.local import apps

pytest.importorskip("websockets")
from websockets.asyncio.client import connect


def ref(name: str = "websocket") -> FunctionRef:
    return FunctionRef(f"tests.local.apps:{name}", 5)


def api(**fields: object) -> GatewayConfig:
    routes = {key: ref() for key in ("$connect", "$default", "echo")}
    routes["boom"] = ref("websocket_crashes")  # the function itself fails: a Lambda error
    return GatewayConfig(websocket=WebSocketApi(routes=routes, **fields))  # type: ignore[arg-type]


async def first_reply(url: str, *messages: dict[str, object]) -> dict[str, object] | None:
    """The first frame the client gets after sending ``messages``, or ``None`` (1 s)."""
    async with connect(url) as ws:
        for message in messages:
            await ws.send(json.dumps(message))
        try:
            reply: dict[str, object] = json.loads(await asyncio.wait_for(ws.recv(), 1))
        except TimeoutError:
            return None
        return reply


def test_only_routes_with_a_route_response_answer(serve):
    gateway = serve(api(route_responses=("echo",)))
    apps.ws_events.clear()
    # $default runs (it records the event) but its result is dropped; echo's comes back.
    reply = asyncio.run(
        first_reply(gateway.ws, {"action": "other", "n": 1}, {"action": "echo", "n": 2})
    )
    assert reply is not None
    assert reply["echo"] == {"action": "echo", "n": 2}
    assert any(e["requestContext"]["routeKey"] == "$default" for e in apps.ws_events)


def test_a_one_way_route_sends_nothing(serve):
    gateway = serve(api())
    assert asyncio.run(first_reply(gateway.ws, {"action": "echo"})) is None


def test_integration_errors_are_sent_on_one_way_routes(serve):
    gateway = serve(api())
    reply = asyncio.run(first_reply(gateway.ws, {"action": "boom"}))
    assert reply is not None
    assert reply["message"] == "Internal server error"


@pytest.mark.parametrize(
    ("setting", "answers"),
    [
        pytest.param(None, True, id="default-two-way"),
        pytest.param(False, False, id="route-responses-template"),
    ],
)
def test_without_a_template(serve, setting, answers):
    config = GatewayConfig(
        websocket=WebSocketApi(routes={}, catch_all=ref(), all_route_responses=setting)
    )
    gateway = serve(config)
    reply = asyncio.run(first_reply(gateway.ws, {"action": "echo"}))
    assert (reply is not None) is answers


def test_cli_flag(tmp_path):
    from lambdakit.local.cli import _parser, build_config

    def websocket(*extra: str) -> WebSocketApi:
        args = _parser().parse_args(["serve", "--websocket", "m:f", *extra])
        config = build_config(args)
        assert config.websocket is not None
        return config.websocket

    assert websocket().responds("anything")
    assert not websocket("--route-responses", "template").responds("anything")


TEMPLATE = """\
Resources:
  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties: {ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, Runtime: python3.12}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Ws
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
  Expression:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Ws
      RouteKey: expression
      RouteResponseSelectionExpression: $default
      Target: !Sub integrations/${Integration}
  WithResponse:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Ws, RouteKey: response, Target: !Sub "integrations/${Integration}"}
  Response:
    Type: AWS::ApiGatewayV2::RouteResponse
    Properties: {ApiId: !Ref Ws, RouteId: !Ref WithResponse, RouteResponseKey: $default}
  OneWay:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Ws, RouteKey: oneway, Target: !Sub "integrations/${Integration}"}
"""


def test_route_responses_from_the_template(tmp_path: Path):
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE, encoding="utf-8")
    websocket = read_template(template).config.websocket
    assert websocket is not None
    assert set(websocket.routes) == {"expression", "response", "oneway"}
    assert websocket.responds("expression")
    assert websocket.responds("response")
    assert not websocket.responds("oneway")
