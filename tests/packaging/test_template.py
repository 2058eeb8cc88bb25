"""The chat example's SAM template: lint-clean, least-privilege, and in step with the code."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("yaml")

from examples.chat import broadcast, ws_app
from lambdakit.local.template import load_template
from lambdakit.websocket.messaging import WebSocketSender
from lambdakit.websocket.stores._dynamodb_layout import index_definition

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "examples" / "chat" / "template.yaml"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return load_template(TEMPLATE)["Resources"]


def of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: v["Properties"] for k, v in resources.items() if v["Type"] == kind}


def statements(resources: dict[str, Any], function: str) -> dict[str, Any]:
    policies = resources[function]["Properties"]["Policies"]
    return {s["Sid"]: s for policy in policies for s in policy["Statement"]}


def test_cfn_lint_reports_nothing():
    cfn_lint = shutil.which("cfn-lint")
    if cfn_lint is None:
        pytest.skip("cfn-lint is not installed (pip install cfn-lint)")
    completed = subprocess.run(
        [cfn_lint, str(TEMPLATE)], capture_output=True, text=True, check=False
    )
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")


def test_websocket_routes_are_the_resolvers(resources):
    routes = {p["RouteKey"] for p in of_type(resources, "AWS::ApiGatewayV2::Route").values()}
    assert routes == set(ws_app.resolver.routes) | {"$connect", "$disconnect"}


def test_connections_table_has_lambdakits_layout(resources):
    table = resources["ConnectionsTable"]["Properties"]
    assert table["KeySchema"] == [
        {"AttributeName": "connection_id", "KeyType": "HASH"},
        {"AttributeName": "_crt", "KeyType": "RANGE"},
    ]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "_ttl", "Enabled": True}
    (index,) = table["GlobalSecondaryIndexes"]
    assert index == index_definition()  # the index DynamoDBStore.init() makes
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert types == {"connection_id": "S", "_crt": "N", "_shard": "S"}


def test_websocket_function_has_least_privilege(resources):
    granted = statements(resources, "ChatWebSocketFunction")
    state = granted["ConnectionState"]
    assert sorted(state["Action"]) == [
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
    ]
    assert state["Resource"] == [
        {"Fn::GetAtt": ["ConnectionsTable", "Arn"]},
        {"Fn::Sub": "${ConnectionsTable.Arn}/index/shard-crt-index"},
    ]
    send = granted["SendToClients"]
    assert send["Action"] == "execute-api:ManageConnections"
    assert "${ChatWebSocketApi}/${StageName}/POST/@connections/*" in send["Resource"]["Fn::Sub"]
    every_action = [a for s in granted.values() for a in _list(s["Action"])]
    assert not [a for a in every_action if a.endswith("*") or "CreateTable" in a]


def test_websocket_function_may_invoke_the_broadcast_function_only(resources):
    granted = statements(resources, "ChatWebSocketFunction")
    invoke = [s for s in granted.values() if "lambda:InvokeFunction" in _list(s["Action"])]
    assert invoke == [
        {
            "Sid": "FanOutBatches",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": {"Fn::GetAtt": ["ChatBroadcastFunction", "Arn"]},
        }
    ]
    variables = resources["ChatWebSocketFunction"]["Properties"]["Environment"]["Variables"]
    assert variables[broadcast.FUNCTION_ENV] == {"Ref": "ChatBroadcastFunction"}
    assert variables[broadcast.THRESHOLD_ENV] == {"Ref": "FanOutThreshold"}


def test_broadcast_function_may_only_send_and_mark_connections_gone(resources):
    function = resources["ChatBroadcastFunction"]["Properties"]
    assert function["Handler"] == "examples.chat.broadcast.handler"
    assert "Events" not in function  # invoked by the WebSocket function only
    # A batch retries throttled sends until its deadline: the function outlives it.
    assert function["Timeout"] > WebSocketSender("https://example.test/prod").send_deadline
    granted = statements(resources, "ChatBroadcastFunction")
    assert sorted(granted) == ["MarkGone", "SendToClients"]
    assert sorted(granted["MarkGone"]["Action"]) == ["dynamodb:Query", "dynamodb:UpdateItem"]
    assert granted["MarkGone"]["Resource"] == {"Fn::GetAtt": ["ConnectionsTable", "Arn"]}
    assert (
        granted["SendToClients"] == statements(resources, "ChatWebSocketFunction")["SendToClients"]
    )
    assert function["Environment"]["Variables"] == {
        "CONNECTIONS_TABLE": {"Ref": "ConnectionsTable"}
    }


def test_http_function_only_reads_messages(resources):
    granted = statements(resources, "ChatHttpFunction")
    assert [_list(s["Action"]) for s in granted.values()] == [["dynamodb:Query"]]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_sam_build_stages_the_templates_architecture():
    # `sam build` runs the Makefile, whose ARCH must be the functions' architecture.
    template = load_template(TEMPLATE)
    (arch,) = template["Globals"]["Function"]["Architectures"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"ARCH ?= {arch}\n" in makefile
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert resource["Metadata"] == {"BuildMethod": "makefile"}
            assert f"build-{name}" in makefile
