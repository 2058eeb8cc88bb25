"""A worker's log records reach the server's log as Lambda frames them on its telemetry fd: a
multi-line record (``logger.exception``'s traceback) is one entry under the function's name."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator

import pytest

pytest.importorskip("awslambdaric")

from tests.local.servers import Served

RUNTIME = f"python{sys.version_info[0]}.{sys.version_info[1]}"
HANDLER = """import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    try:
        {}["missing"]
    except KeyError:
        logger.exception("lookup failed")
    print("printed\\nin two lines")
    return {"statusCode": 200, "body": "ok"}
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("worker-logs")
    (root / "logs").mkdir()
    (root / "logs" / "app.py").write_text(HANDLER)
    (root / "template.yaml").write_text(
        "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
        "Resources:\n  Logs:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        f"      CodeUri: logs/\n      Handler: app.handler\n      Runtime: {RUNTIME}\n"
        "      Events:\n        Api:\n          Type: Api\n"
        "          Properties: {Path: /logs, Method: get}\n"
    )
    server = Served(root / "template.yaml", root)
    try:
        server.wait_until_listening()
        yield server
    finally:
        server.stop()


def _entries(served: Served) -> list[str]:
    """The messages of the server's JSON log entries."""
    lines = [line for line in served.log().splitlines() if line.startswith("{")]
    return [json.loads(line).get("message", "") for line in lines]


def test_a_traceback_is_one_entry_under_the_functions_name(served):
    assert served.get("/logs") == (200, b"ok")
    entries = _entries(served)
    (record,) = [entry for entry in entries if "lookup failed" in entry]
    assert record.startswith("[Logs] [ERROR]"), record
    assert "\n    Traceback (most recent call last):\n" in record, record
    assert record.endswith("\n    KeyError: 'missing'"), record
    # print() is stdout, as on Lambda: a line is an entry
    assert "[Logs] printed" in entries, entries
    assert "[Logs] in two lines" in entries
