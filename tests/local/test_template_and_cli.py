from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lambdakit.local.config import Limits
from lambdakit.local.routing import Router
from lambdakit.local.template import config_from_template
from tests.local.conftest import free_port

TEMPLATE = Path(__file__).parent / "fixtures" / "template.yaml"
ROOT = Path(__file__).resolve().parents[2]


def test_template_routes():
    config = config_from_template(TEMPLATE, stage="local", limits=Limits())
    routes = {(r.method, r.path): r for r in config.http_routes}
    rest = routes[("GET", "/items/{id}")]
    assert (rest.payload_version, rest.function.handler) == ("1.0", "tests.local.apps:echo")
    assert rest.function.timeout == 5
    http = routes[("ANY", "/v2/{proxy+}")]
    assert (http.payload_version, http.function.timeout) == ("2.0", 10)
    websocket = config.websocket
    assert websocket is not None
    assert set(websocket.routes) == {"$connect", "echo"}
    assert websocket.routes["echo"].handler == "tests.local.apps:websocket"
    assert websocket.catch_all is None
    assert websocket.route_selection_expression == "$request.body.action"


def test_routing_prefers_the_most_specific_route():
    config = config_from_template(TEMPLATE, stage="local", limits=Limits())
    router = Router(config.http_routes)
    match = router.match("GET", "/items/9")
    assert match is not None
    assert match.path_parameters == {"id": "9"}
    assert router.match("GET", "/v2/a/b").path_parameters == {"proxy": "a/b"}  # type: ignore[union-attr]
    assert router.match("DELETE", "/items/9") is None


def test_cli_serves_a_template_and_prints_its_urls(tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "LAMBDAKIT_SQLITE_PATH": str(tmp_path / "c.db"),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("LAMBDAKIT_WS_ENDPOINT", "LAMBDAKIT_CONNECTION_STORE"):
        environment.pop(name, None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lambdakit",
            "serve",
            "--template",
            str(TEMPLATE),
            "--port",
            str(port),
            "--no-reload",
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner: list[str] = []  # after the log lines of a first installation, if any
        while not any("@connections" in line for line in banner) and len(banner) < 50:
            banner.append(process.stdout.readline())  # type: ignore[union-attr]
        assert f"  HTTP:          http://127.0.0.1:{port}\n" in banner
        assert f"  WebSocket:     ws://127.0.0.1:{port}/local\n" in banner
        assert f"  @connections:  http://127.0.0.1:{port}/local/@connections\n" in banner
        while not any(line.startswith("  signing:") for line in banner) and len(banner) < 60:
            banner.append(process.stdout.readline())  # type: ignore[union-attr]
        assert any("take SigV4-signed requests only" in line for line in banner)
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/items/7", timeout=2
                ) as response:
                    event = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert event["pathParameters"] == {"id": "7"}
        assert event["resource"] == "/items/{id}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_binds_loopback_by_default():
    from lambdakit.local.cli import _parser

    args = _parser().parse_args(["serve", "--http", "a:b"])
    assert (args.host, args.port, args.reload) == ("127.0.0.1", 3000, True)


def test_cli_needs_something_to_serve():
    result = subprocess.run(
        [sys.executable, "-m", "lambdakit", "serve", "--no-reload"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode != 0
    assert "nothing to serve" in result.stderr


@pytest.mark.parametrize("spec", ["nomodule", "tests.local.apps:missing", "json:dumps.x"])
def test_bad_handler_specs_are_clear_errors(spec):
    from lambdakit.local.invoker import load_handler

    with pytest.raises((ValueError, ImportError)):
        load_handler(spec)


@pytest.mark.parametrize(
    ("template", "stage"),
    [
        pytest.param(
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Handler: app.handler\n      Events:\n        Get:\n          Type: Api\n"
            "          Properties: {Path: /a, Method: get}\n",
            "Prod",
            id="implicit-rest-api",
        ),
        pytest.param(
            "Parameters:\n  Env: {Type: String, Default: dev}\nResources:\n  Api:\n"
            "    Type: AWS::Serverless::Api\n    Properties: {StageName: !Ref Env}\n"
            "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Handler: app.handler\n      Events:\n        Get:\n          Type: Api\n"
            "          Properties: {Path: /a, Method: get, RestApiId: !Ref Api}\n",
            "dev",
            id="rest-api-stage-name",
        ),
        pytest.param(
            "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
            "      Handler: app.handler\n      Events:\n        Get:\n          Type: HttpApi\n",
            "local",
            id="http-api-only",
        ),
    ],
)
def test_the_stage_is_the_rest_apis_as_on_aws(tmp_path, template: str, stage: str):
    path = tmp_path / "template.yaml"
    path.write_text(template)
    assert config_from_template(path, stage=None, limits=Limits()).rest_stage_name == stage


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("Resources:\n  Fn: {Type: x\n  Y: [\n", ":3:4: not valid YAML", id="yaml"),
        pytest.param('{"Resources": {', ":1:16: not valid YAML", id="json"),
    ],
)
def test_a_template_that_does_not_parse_is_one_line_naming_the_place(tmp_path, text, where):
    path = tmp_path / "template.yaml"
    path.write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "lambdakit", "serve", "--template", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"lambdakit serve: {path}{where}")
    assert done.stderr.count("\n") == 1  # no traceback
