"""A SAM app written as public ones are (tests/local/fixtures/sam_app), served unchanged by
``lambdakit serve --template`` and driven by real clients: urllib, websockets, boto3."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("awslambdaric")
boto3 = pytest.importorskip("boto3")
websockets = pytest.importorskip("websockets")

from tests.local.servers import Served  # noqa: E402

APP = Path(__file__).parent / "fixtures" / "sam_app"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(
        APP / "template.yaml",
        tmp_path_factory.mktemp("sam-app"),
        "--parameter-overrides",
        "Greeting='hi there'",  # SAM's quoting
        "--max-concurrency",
        "2",
    )
    try:
        server.wait_until_listening()
        yield server
    finally:
        server.stop()


def lambda_client(served: Served):
    return boto3.session.Session().client(
        "lambda",
        endpoint_url=served.http,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def test_each_function_has_its_own_task_root_and_environment(served):
    status, body = served.get("/env")
    assert status == 200, served.log()[-3000:]
    env = json.loads(body)
    assert env["module"] == "web"  # web/app.py, not another folder's app.py
    assert env["cwd"] == env["LAMBDA_TASK_ROOT"] == str(APP / "web")
    assert env["_HANDLER"] == "app.lambda_handler"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "WebFunction"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == env["memory"] == "512"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/WebFunction"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", env["AWS_LAMBDA_RUNTIME_API"])
    assert env["AWS_ENDPOINT_URL_LAMBDA"] == served.http
    assert env["AWS_CA_BUNDLE"].endswith("ca.pem")
    # The template's values, resolved: Globals merged, the parameter overridden, !Ref of a
    # table to its TableName (!Sub of AWS::StackName) or its logical id, !Join/!Select.
    assert env["GREETING"] == "hi there"
    assert env["SHARED"] == "from-globals"
    assert env["TABLE_NAME"] == "lambdakit-local-connections"
    assert env["SESSIONS_TABLE"] == "SessionsTable"
    assert env["JOINED"] == "a:prod:y"
    assert env["AUDIT_FUNCTION"] is None  # another function's variable


def test_a_warm_environment_is_reused_and_a_cold_start_is_reported(served):
    pids = {json.loads(served.get("/env")[1])["pid"] for _ in range(5)}
    assert len(pids) == 1
    reports = [line for line in served.log().splitlines() if "REPORT RequestId" in line]
    assert any("Init Duration:" in line and "Memory Size: 512 MB" in line for line in reports)


def test_the_result_is_read_as_the_runtime_sends_it(served):
    status, body = served.get("/status")  # statusCode: HTTPStatus.UNPROCESSABLE_ENTITY
    assert (status, json.loads(body)) == (422, {"ok": False})
    status, body = served.get("/v2/price")  # Decimals, payload 2.0 infers the response
    assert (status, json.loads(body)) == (200, {"price": 9.99, "count": 3})


def test_an_import_error_is_api_gateways_502(served):
    status, body = served.get("/broken")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
    assert "Runtime.ImportModuleError" in served.log()


def test_a_timeout_ends_the_environment_and_the_next_call_starts_a_new_one(served):
    before = json.loads(served.get("/env")[1])["pid"]
    status, body = served.get("/sleep")  # Timeout: 1, sleeps 3
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
    assert "Task timed out after 1.00 seconds" in served.log()
    after = json.loads(served.get("/env")[1])["pid"]
    assert after != before


def test_the_invoke_api_serves_every_function_by_name_or_arn(served):
    client = lambda_client(served)
    by_name = client.invoke(FunctionName="lambdakit-local-audit", Payload=b'{"deny": false}')
    result = json.loads(by_name["Payload"].read())
    assert by_name["StatusCode"] == 200
    assert "FunctionError" not in by_name
    assert result["greeting"] == "hi there"
    assert result["shared"] == "overridden-locally"  # !If on a condition
    arn = "arn:aws:lambda:us-east-1:123456789012:function:lambdakit-local-audit"
    assert result["arn"] == arn
    by_arn = client.invoke(FunctionName=arn, Payload=b"{}")
    assert json.loads(by_arn["Payload"].read())["allowed"] is True
    failed = client.invoke(FunctionName="lambdakit-local-audit", Payload=b'{"fail": true}')
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "audit failed on purpose")
    assert client.invoke(FunctionName="WebFunction", InvocationType="Event")["StatusCode"] == 202
    assert client.invoke(FunctionName="WebFunction", InvocationType="DryRun")["StatusCode"] == 204
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.invoke(FunctionName="NoSuchFunction", Payload=b"{}")


async def _chat(url: str) -> list[dict[str, str]]:
    async with websockets.connect(url) as socket:
        await socket.send(json.dumps({"action": "sendmessage", "data": "hi"}))
        return [json.loads(await asyncio.wait_for(socket.recv(), 15)) for _ in range(2)]


def test_a_sender_reaches_connections_over_https_both_ways(served):
    """$connect calls the audit function with lambda.invoke; sendmessage posts back through
    https://{domainName}/{stage} and through the !Sub execute-api URL of its environment."""
    url = f"ws://127.0.0.1:{served.port}/prod"
    messages = asyncio.run(_chat(url))
    assert {"via": "domainName", "module": "sendmessage"} in messages, served.log()[-3000:]
    assert {"via": "WS_URL", "table": "lambdakit-local-connections"} in messages
    messages = asyncio.run(_chat(url + "?by=arn"))
    assert len(messages) == 2


def test_connect_refused_by_the_invoked_function(served):
    async def connect() -> None:
        async with websockets.connect(f"ws://127.0.0.1:{served.port}/prod?deny=1"):
            pass

    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        asyncio.run(connect())
    assert refused.value.response.status_code == 403
