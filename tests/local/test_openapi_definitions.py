"""Routes declared in an API's OpenAPI definition (tests/local/fixtures/openapi_app), as public
SAM apps declare them, served by ``lambdakit serve --template`` and driven by urllib; and the
public layers a function names by ARN."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdakit.local.dependencies import layer_requirement
from lambdakit.local.template import read_template

APP = Path(__file__).parent / "fixtures" / "openapi_app"


def test_the_routes_of_included_and_inline_definitions_are_read():
    local = read_template(APP / "template.yaml")
    routes = {(r.method, r.path): r.payload_version for r in local.config.http_routes}
    assert routes == {
        ("GET", "/hello/{name}"): "2.0",  # HttpApi, AWS::Include of a local file
        ("ANY", "/items"): "1.0",  # payloadFormatVersion says 1.0
        ("ANY", "/rest/{proxy+}"): "1.0",  # REST API, inline DefinitionBody
        ("ANY", "$default"): "2.0",  # the HTTP API's catch-all, spelt /$default
    }  # the mock integration is not a function's route
    assert any("ElsewhereApi" in w and "not a local file" in w for w in local.warnings)
    (function,) = local.config.functions
    assert function.layer_arns == ("arn:aws:lambda:us-east-1:123456789012:layer:SomeoneElses:3",)


@pytest.mark.parametrize(
    ("arn", "requirement"),
    [
        pytest.param(
            "arn:aws:lambda:eu-central-1:017000801446:layer:AWSLambdaPowertoolsPythonV2-Arm64:43",
            "aws-lambda-powertools[all]>=2,<3",
            id="v2-arm64",
        ),
        pytest.param(
            "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7",
            "aws-lambda-powertools[all]>=3,<4",
            id="v3",
        ),
        pytest.param(
            "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPython:33",
            "aws-lambda-powertools[all]>=1,<2",
            id="v1",
        ),
        pytest.param("arn:aws:lambda:us-east-1:123456789012:layer:Mine:1", None, id="unknown"),
    ],
)
def test_public_powertools_layers_are_installed_from_pypi(arn: str, requirement: str | None):
    assert layer_requirement(arn) == requirement


pytest.importorskip("awslambdaric")

from tests.local.servers import Served  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(APP / "template.yaml", tmp_path_factory.mktemp("openapi-app"))
    try:
        server.wait_until_listening()
        yield server
    finally:
        server.stop()


def call(served: Served, method: str, path: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(served.http + path, method=method, data=b"{}")  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.status, json.loads(response.read())


def test_definition_routes_are_served_with_their_payload_versions(served):
    status, body = call(served, "GET", "/hello/world")
    assert status == 200, served.log()[-3000:]
    assert body == {"version": "2.0", "method": "GET", "pathParameters": {"name": "world"}}
    assert call(served, "DELETE", "/items")[1]["version"] == "1.0"
    _, body = call(served, "POST", "/rest/a/b")
    assert body["pathParameters"] == {"proxy": "a/b"}
    assert call(served, "PATCH", "/anything/else")[1]["version"] == "2.0"  # $default
    log = served.log()
    assert "SomeoneElses:3 is not local: its content is missing" in log
    assert "route GET /hello/{name} -> HelloFunction" in log
