"""``Runtime: python3.8`` (retired by Lambda, still in many public samples) runs on an installed
python3.8 with the runtime client and boto3 that support it (awslambdaric 2.x, boto3 < 1.34
for 3.7), not on the server's Python after a failed install."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from lambdakit.local.dependencies import find_python

pytest.importorskip("awslambdaric")

from tests.local.servers import Served

APP = Path(__file__).parent / "fixtures" / "old_runtime_app"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if find_python("3.8") is None:
        pytest.skip("no python3.8 installed")
    server = Served(APP / "template.yaml", tmp_path_factory.mktemp("old-runtime"))
    try:
        server.wait_until_listening(timeout=600)  # the first run installs the environment
        yield server
    finally:
        server.stop()


def test_a_python38_function_runs_on_python38(served):
    status, body = served.get("/version")
    assert status == 200, served.log()[-3000:]
    assert json.loads(body)["python"] == "3.8"
    assert "installing its dependencies failed" not in served.log()
