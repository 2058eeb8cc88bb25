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
