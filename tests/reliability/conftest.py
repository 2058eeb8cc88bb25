"""Real servers for the reliability tests, and a capture of lambdakit's JSON logs.

``dynamodb_local`` is a DynamoDB Local of these tests' own (its own cache dir, so its pid file
never touches the main suite's instance), which a test may stop and start again on the same
port. It is started once per session and left running after each test.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The local gateway in a background thread (``serve(config)``), as the local tests use it.
from tests.local.conftest import RunningGateway, serve  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "dynamodb-local"
CACHE = ROOT / ".cache" / "dynamodb-local-reliability"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DynamoDBLocal:
    """One DynamoDB Local (in memory: a restart loses its tables) on a fixed port."""

    def __init__(self, cache: Path, port: int) -> None:
        self.cache = cache
        self.port = port
        self.running = False

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _run(self, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "DYNAMODB_LOCAL_CACHE": str(self.cache)}
        return subprocess.run(
            [str(SCRIPTS / script), *args], capture_output=True, text=True, env=env, check=False
        )

    def start(self) -> None:
        done = self._run("start.sh", str(self.port))
        if done.returncode != 0:
            pytest.fail(f"DynamoDB Local did not start:\n{done.stdout}\n{done.stderr}")
        self.running = True

    def stop(self) -> None:
        self._run("stop.sh")
        self.running = False

    def client(self) -> Any:
        boto3 = pytest.importorskip("boto3")
        return boto3.session.Session().client(
            "dynamodb",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


def _share_the_download(cache: Path) -> None:
    """Reuse the main cache's npm download (setup.sh then only compiles the launcher): set
    the main cache up first if these tests run before the suite's own DynamoDB tests."""
    main = Path(os.environ.get("DYNAMODB_LOCAL_CACHE") or ROOT / ".cache" / "dynamodb-local")
    if (cache / "node_modules").exists():
        return
    if not (main / "node_modules").is_dir():
        subprocess.run(
            [str(SCRIPTS / "setup.sh")],
            env={**os.environ, "DYNAMODB_LOCAL_CACHE": str(main)},
            capture_output=True,
            check=False,
        )
        if not (main / "node_modules").is_dir():
            return  # then start.sh sets up this cache on its own
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "node_modules").symlink_to(main / "node_modules", target_is_directory=True)


@pytest.fixture(scope="session")
def dynamodb_local() -> Iterator[DynamoDBLocal]:
    pytest.importorskip("boto3")
    _share_the_download(CACHE)
    server = DynamoDBLocal(CACHE, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def ddb(dynamodb_local: DynamoDBLocal, monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoDBLocal]:
    """The reliability DynamoDB Local, running; credentials and region for boto3."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    if not dynamodb_local.running:
        dynamodb_local.start()
    yield dynamodb_local
    if not dynamodb_local.running:  # a test that stopped it and failed before starting it
        dynamodb_local.start()


@pytest.fixture
def table_name() -> str:
    return f"reliability-{uuid.uuid4().hex[:12]}"


class LogCapture:
    """lambdakit's log records, formatted by its own ``JsonFormatter``."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    @property
    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def messages(self) -> list[str]:
        return [r["message"] for r in self.records]


@pytest.fixture
def lambdakit_logs() -> Iterator[LogCapture]:
    from lambdakit.logs import JsonFormatter, configure_logging

    configure_logging()
    log = logging.getLogger("lambdakit")
    capture = LogCapture()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(JsonFormatter())
    level = log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
