"""A REST API on Powertools' ``APIGatewayRestResolver`` with validation, its dependencies in
``requirements.txt`` and a table in the template: ``lambdakit serve --template --dynamodb
local`` installs the one and creates the other, nothing done by hand."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("awslambdaric")
pytest.importorskip("boto3")

from tests.local.conftest import ROOT
from tests.local.servers import Served

APP = Path(__file__).parent / "fixtures" / "powertools_app"
DYNAMODB_LOCAL = Path(os.environ.get("DYNAMODB_LOCAL_CACHE") or ROOT / ".cache" / "dynamodb-local")


def set_up_dynamodb_local() -> None:
    """Install DynamoDB Local where ``--dynamodb local`` finds it (idempotent, fast when done):
    these tests may run before any other test has set it up, as on a clean clone."""
    setup = subprocess.run(
        [str(ROOT / "scripts" / "dynamodb-local" / "setup.sh")],
        env={**os.environ, "DYNAMODB_LOCAL_CACHE": str(DYNAMODB_LOCAL)},
        capture_output=True,
        text=True,
        check=False,
    )
    if setup.returncode != 0:
        pytest.fail(f"DynamoDB Local could not be set up:\n{setup.stderr}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    set_up_dynamodb_local()
    server = Served(
        APP / "template.yaml", tmp_path_factory.mktemp("powertools"), "--dynamodb", "local"
    )
    try:
        server.wait_until_listening(timeout=600)  # the first run installs Powertools
        yield server
    finally:
        server.stop()


def post(served: Served, path: str, document: object) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1
        served.http + path,
        json.dumps(document).encode(),
        {"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_table_is_created_and_the_app_uses_it(served):
    assert "tables created: TodosTable" in served.log()
    status, body = post(served, "/todos", {"id": "1", "title": "write tests", "priority": 2})
    assert (status, body) == (200, {"created": "1"}), served.log()[-3000:]
    status, raw = served.get("/todos/1")
    # DynamoDB hands back a Decimal; Powertools' serializer writes it as a string, on AWS too.
    expected = {"id": "1", "title": "write tests", "priority": "2"}
    assert (status, json.loads(raw)) == (200, expected)


def test_powertools_validation_answers_422(served):
    status, body = post(served, "/todos", {"id": "2", "title": ""})
    assert status == 422, served.log()[-3000:]
    assert body["statusCode"] == 422
    assert body["detail"][0]["loc"] == ["body", "title"]


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def test_sigterm_ends_the_workers_and_dynamodb_local(tmp_path: Path):
    """uvicorn re-raises the SIGTERM it handled; the server must still end what it started in
    sessions of their own (workers, DynamoDB Local) instead of leaving them running."""
    set_up_dynamodb_local()
    server = Served(APP / "template.yaml", tmp_path, "--dynamodb", "local")
    try:
        server.wait_until_listening(timeout=600)
        server.get("/todos/none")  # a worker starts
        children = _children(server.process.pid)
        assert len(children) >= 2  # DynamoDB Local and the worker
    finally:
        server.stop()
    assert server.process.returncode != 0  # ended by the signal, after its clean-up
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert alive == [], server.log()[-3000:]
