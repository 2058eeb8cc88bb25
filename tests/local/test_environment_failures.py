"""Execution environments that cannot start, served by ``lambdakit serve --template`` and
driven by urllib: API Gateway's answers, and nothing left behind."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator

import pytest

pytest.importorskip("awslambdaric")

from tests.local.servers import Served

RUNTIME = f"python{sys.version_info[0]}.{sys.version_info[1]}"


def _route(name: str, path: str, code_uri: str) -> str:
    return f"""
  {name}:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: {code_uri}
      Handler: app.handler
      Runtime: {RUNTIME}
      Timeout: 60
      Events:
        Api:
          Type: Api
          Properties: {{Path: {path}, Method: get}}
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("failures")
    for folder in ("gone", "slow"):
        (root / folder).mkdir()
    (root / "gone" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (root / "slow" / "app.py").write_text(
        "import time\n\n\ndef handler(event, context):\n    time.sleep(3)\n"
        "    return {'statusCode': 200, 'body': 'late'}\n"
    )
    template = root / "template.yaml"
    template.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
        "Resources:" + _route("Gone", "/gone", "gone/") + _route("Slow", "/slow", "slow/")
    )
    server = Served(template, root)
    try:
        server.wait_until_listening()
        shutil.rmtree(root / "gone")  # the CodeUri folder is gone after start-up
        yield server
    finally:
        server.stop()


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def test_an_environment_that_cannot_start_answers_502_and_leaks_nothing(served):
    status, body = served.get("/gone")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"}), body
    if not os.path.isdir("/proc"):
        return
    before = _open_fds(served.process.pid)
    for _ in range(10):
        assert served.get("/gone")[0] == 502
    assert _open_fds(served.process.pid) <= before + 2


def test_requirements_that_do_not_install_are_named_and_the_function_fails(tmp_path):
    """pip failing is said at start-up with its reason, and the function is not run on the
    server's packages instead: every invocation fails (502), pip is not run again."""
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "app.py").write_text(
        "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ran'}\n"
    )
    (tmp_path / "broken" / "requirements.txt").write_text("this is not a requirement ===\n")
    template = tmp_path / "template.yaml"
    template.write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
        "Resources:" + _route("Broken", "/broken", "broken/")
    )
    server = Served(template, tmp_path)
    try:
        server.wait_until_listening()
        notes = [line for line in server.log().splitlines() if line.startswith("  warning:")]
        assert any(
            "Broken: installing its dependencies failed (ERROR:" in line
            and "its invocations fail" in line
            for line in notes
        ), server.log()[-3000:]
        for _ in range(2):
            status, body = server.get("/broken")
            assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
        assert server.log().count("installing its dependencies into") == 1
        assert "its dependencies could not be installed" in server.log()
    finally:
        server.stop()
