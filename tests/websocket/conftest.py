"""Real servers for the WebSocket tests: DynamoDB Local on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "dynamodb-local"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def dynamodb_endpoint() -> Iterator[str]:
    """DynamoDB Local's URL: the one in AWS_ENDPOINT_URL_DYNAMODB, or one started for the run."""
    configured = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if configured:
        yield configured
        return
    port = free_port()
    started = subprocess.run(
        [str(SCRIPTS / "start.sh"), str(port)], capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        pytest.fail(f"DynamoDB Local did not start:\n{started.stdout}\n{started.stderr}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        subprocess.run([str(SCRIPTS / "stop.sh")], capture_output=True, check=False)


@pytest.fixture
def dynamodb_client(dynamodb_endpoint: str):
    boto3 = pytest.importorskip("boto3")
    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=dynamodb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture
def table_name() -> str:
    return f"connections-{uuid.uuid4().hex[:12]}"
