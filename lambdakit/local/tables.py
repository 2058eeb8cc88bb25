"""The template's DynamoDB tables, made in a local DynamoDB.

``--dynamodb local`` starts DynamoDB Local (installed as lambdakit's tests install it:
``scripts/dynamodb-local/setup.sh``, found through ``$DYNAMODB_LOCAL_CACHE``) in memory on a
free port of 127.0.0.1, or uses the endpoint ``AWS_ENDPOINT_URL_DYNAMODB`` names; then every
``AWS::DynamoDB::Table`` and ``AWS::Serverless::SimpleTable`` is created (keys, indexes, TTL;
streams off), and the workers get the endpoint and dummy credentials.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any, Final

_SIMPLE_TYPES: Final = {"String": "S", "Number": "N", "Binary": "B"}
_REPOSITORY: Final = Path(__file__).resolve().parents[2]


def create_table_request(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    """The ``CreateTable`` request for a table's resolved template properties."""
    if properties.get("Type") == "AWS::Serverless::SimpleTable":
        key = properties.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        attribute_type = _SIMPLE_TYPES.get(str(key.get("Type", "String")), "S")
        return {
            "TableName": name,
            "AttributeDefinitions": [
                {"AttributeName": key["Name"], "AttributeType": attribute_type}
            ],
            "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        }
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties.get("AttributeDefinitions") or [],
        "KeySchema": properties.get("KeySchema") or [],
        "BillingMode": "PAY_PER_REQUEST",
    }
    for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        indexes = properties.get(kind)
        if indexes:
            request[kind] = [
                {k: v for k, v in index.items() if k in ("IndexName", "KeySchema", "Projection")}
                for index in indexes
            ]
    return request


def create_tables(client: Any, tables: dict[str, dict[str, Any]]) -> list[str]:
    """Create each table that does not exist yet (and its TTL); the names created."""
    existing = set(client.list_tables().get("TableNames") or [])
    created = []
    for name, properties in tables.items():
        if name in existing:
            continue
        client.create_table(**create_table_request(name, properties))
        ttl = properties.get("TimeToLiveSpecification") or {}
        if ttl.get("Enabled") in (True, "true") and ttl.get("AttributeName"):
            with contextlib.suppress(Exception):  # older DynamoDB Locals lack TTL
                client.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={
                        "Enabled": True,
                        "AttributeName": ttl["AttributeName"],
                    },
                )
        created.append(name)
    return created


def client_for(endpoint: str) -> Any:
    try:
        import boto3
    except ImportError:
        raise ImportError("Creating tables needs boto3: pip install 'lambdakit[local]'") from None
    return boto3.session.Session().client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_REGION") or "us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local checks nothing
    )


class DynamoDBLocal:
    """DynamoDB Local in memory on 127.0.0.1, a child of this server (``stop`` ends it)."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.endpoint = ""

    def start(self, timeout: float = 60.0) -> str:
        settings = _installation()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        classpath = f"{settings['CLASSES']}:{settings['JAR']}"
        self.process = subprocess.Popen(  # noqa: S603 - the installation's own java
            [
                settings["JAVA"],
                "-Djava.net.preferIPv4Stack=true",
                f"-Djava.library.path={settings['LIB']}",
                "-cp",
                classpath,
                "LocalDynamoDB",
                "-port",
                str(port),
                "-inMemory",
                "-sharedDb",
            ],
            env={**os.environ, "DDB_LOCAL_TELEMETRY": "0"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("DynamoDB Local exited at start")
            if _answers(self.endpoint):
                return self.endpoint
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"DynamoDB Local did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def _answers(endpoint: str) -> bool:
    request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 endpoint
        endpoint + "/",
        b"{}",
        {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/"
            "aws4_request, SignedHeaders=host, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=2):  # noqa: S310
            return True
    except OSError:
        return False


def _installation() -> dict[str, str]:
    """``JAVA``, ``JAR``, ``LIB``, ``CLASSES`` of the installation ``setup.sh`` made (run it
    first if this is a lambdakit checkout and it has not run)."""
    cache = Path(
        os.environ.get("DYNAMODB_LOCAL_CACHE") or _REPOSITORY / ".cache" / "dynamodb-local"
    )
    env_file = cache / "env"
    setup = _REPOSITORY / "scripts" / "dynamodb-local" / "setup.sh"
    if not env_file.exists() and setup.exists():
        subprocess.run(  # noqa: S603
            [str(setup)], env={**os.environ, "DYNAMODB_LOCAL_CACHE": str(cache)}, check=False
        )
    if not env_file.exists():
        raise RuntimeError(
            "DynamoDB Local is not installed: run scripts/dynamodb-local/setup.sh from a "
            "lambdakit checkout (or set DYNAMODB_LOCAL_CACHE), or start one yourself and set "
            "AWS_ENDPOINT_URL_DYNAMODB"
        )
    settings: dict[str, str] = {}
    for line in env_file.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key and value:
            settings[key.strip()] = shlex.split(value)[0]
    return settings
