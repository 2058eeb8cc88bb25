"""Functions no API routes to, called through the Lambda Invoke API, with code in layers of the
template (tests/local/fixtures/layers_app): a layer with Lambda's ``python/`` folder given in
``Globals`` and one without it given on the function (SAM adds the two lists up)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdakit.local.template import read_template

boto3 = pytest.importorskip("boto3")
pytest.importorskip("awslambdaric")

from tests.local.servers import Served  # noqa: E402

APP = Path(__file__).parent / "fixtures" / "layers_app"


def test_global_and_function_layers_add_up():
    (function,) = read_template(APP / "template.yaml").config.functions
    assert function.layers == (str(APP / "layers" / "shared"), str(APP / "layers" / "flat"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(APP / "template.yaml", tmp_path_factory.mktemp("layers-app"))
    try:
        server.wait_until_listening()
        yield server
    finally:
        server.stop()


def test_a_function_without_routes_is_served_by_the_invoke_api(served):
    client = boto3.session.Session().client(
        "lambda",
        endpoint_url=served.http,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    response = client.invoke(FunctionName="WorkerFunction", Payload=b'{"name": "layers"}')
    payload = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, payload
    assert payload == {"greeting": "hello, layers", "flat": "flat layer"}
    assert "HTTP:" not in served.log()  # no API: only the Invoke API is listed
