"""``lambdakit serve --reload``: editing a function's ``.py`` file ends its workers, so the next
invocation runs the new code in a new worker; another function's workers stay warm. The edit
comes within a second of the first run and keeps the file's size: a ``.pyc`` written by the first
worker would hide it (workers write none, as Lambda's read-only task root does not)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("awslambdaric")
pytest.importorskip("watchfiles")

from tests.local.servers import Served

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  EditedFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: edited/
      Handler: app.lambda_handler
      Events:
        Get: {Type: HttpApi, Properties: {Path: /edited, Method: GET}}
  OtherFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: other/
      Handler: app.lambda_handler
      Events:
        Get: {Type: HttpApi, Properties: {Path: /other, Method: GET}}
"""

HANDLER = """\
import json
import os

VERSION = {version!r}


def lambda_handler(event, context):
    return {{"statusCode": 200, "body": json.dumps({{"version": VERSION, "pid": os.getpid()}})}}
"""


def answer(served: Served, path: str) -> dict[str, object]:
    status, body = served.get(path)
    assert status == 200, served.log()[-3000:]
    result: dict[str, object] = json.loads(body)
    return result


def test_editing_a_functions_code_restarts_its_workers(tmp_path: Path):
    app = tmp_path / "app"
    for name in ("edited", "other"):
        (app / name).mkdir(parents=True)
        (app / name / "app.py").write_text(HANDLER.format(version="v1"))
    (app / "template.yaml").write_text(TEMPLATE)
    served = Served(app / "template.yaml", tmp_path, reload=True)
    try:
        served.wait_until_listening()
        before, other = answer(served, "/edited"), answer(served, "/other")
        assert before["version"] == "v1"
        (app / "edited" / "app.py").write_text(HANDLER.format(version="v2"))
        deadline = time.monotonic() + 20
        after = before
        while after["version"] == "v1" and time.monotonic() < deadline:
            time.sleep(0.2)
            after = answer(served, "/edited")
        assert after["version"] == "v2", served.log()[-3000:]
        assert after["pid"] != before["pid"]  # a new worker, not a re-import
        assert answer(served, "/other")["pid"] == other["pid"]  # still warm
        assert "reload: EditedFunction" in served.log()
    finally:
        served.stop()
