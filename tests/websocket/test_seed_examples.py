"""The seed README's WebSocket examples, run verbatim through the ``chainsaws`` paths, on the
embedded SQLite store and on DynamoDB Local, with the real sample WebSocket events."""

from __future__ import annotations

import asyncio
import json
import logging
import textwrap
import uuid
from typing import Any

import pytest

from chainsaws.aws.lambda_client.event_handler import websocket, websocket_connection
from tests.conftest import load_event
from tests.seed_readme import read_blocks, run_block

BLOCKS = read_blocks("WebSocket Support")
PREFIX = "core-components/websocket-support/connection-management"
LIFECYCLE = [
    f"{PREFIX}/connection-lifecycle/{name}"
    for name in (
        "table-initialization",
        "connection-handling",
        "connection-tracking",
        "message-handling-with-connection-state",
    )
]
# The seed's example subclasses Middleware without importing it; we provide it from the
# seed's own path, as the README of lambdakit documents.
SEED_NAMES: dict[str, Any] = {
    "Middleware": websocket.Middleware,
    "DynamoDBError": websocket_connection.DynamoDBError,
    "json": json,
    "logger": logging.getLogger("seed-example"),
}


@pytest.fixture(params=["sqlite", "dynamodb"])
def store_env(request, monkeypatch, tmp_path):
    """Point the seed's APIGatewayWSConnectionManager at a store, through the environment only."""
    monkeypatch.setenv("DYNAMODB_TABLE", f"websocket-{uuid.uuid4().hex[:10]}")
    if request.param == "sqlite":
        monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "sqlite")
        monkeypatch.setenv("LAMBDAKIT_SQLITE_PATH", str(tmp_path / "connections.sqlite3"))
    else:
        monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "dynamodb")
        monkeypatch.setenv(
            "AWS_ENDPOINT_URL_DYNAMODB", request.getfixturevalue("dynamodb_endpoint")
        )
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    return request.param


def events(connection_id: str) -> dict[str, dict[str, Any]]:
    """The real sample events, for one fresh connection id."""
    names = {
        "connect": "apiGatewayWebSocketApiConnect.json",
        "message": "apiGatewayWebSocketApiMessage.json",
        "disconnect": "apiGatewayWebSocketApiDisconnect.json",
    }
    loaded = {}
    for kind, name in names.items():
        event = load_event(f"powertools/{name}")
        event["requestContext"]["connectionId"] = connection_id
        loaded[kind] = event
    loaded["chat"] = loaded["message"]
    loaded["message"] = json.loads(json.dumps(loaded["chat"]))
    loaded["message"]["requestContext"]["routeKey"] = "message"
    return loaded


def body(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


def test_every_websocket_block_is_covered():
    assert set(BLOCKS) == {
        PREFIX,
        *LIFECYCLE,
        f"{PREFIX}/error-handling",
        f"{PREFIX}/complete-example",
    }


def test_complete_example(store_env):
    namespace = run_block(BLOCKS[f"{PREFIX}/complete-example"], SEED_NAMES)
    handler, manager = namespace["handler"], namespace["connection_manager"]
    asyncio.run(manager.init_table())  # the deployment step the README names
    connection_id = f"{uuid.uuid4().hex[:12]}=".replace("-", "")
    sample = events(connection_id)

    assert handler(sample["connect"], None)["statusCode"] == 200
    answer = handler(sample["message"], None)
    assert answer["statusCode"] == 200
    assert body(answer) == {"message": "Message received", "client": {"ip": "166.90.225.1"}}

    unrouted = handler(sample["chat"], None)  # no "chat" handler and no $default
    assert unrouted["statusCode"] == 403
    assert body(unrouted)["message"] == "Forbidden"

    assert handler(sample["disconnect"], None)["statusCode"] == 200
    late = handler(sample["message"], None)
    assert late["statusCode"] == 400
    assert body(late) == {"message": "Invalid connection"}
    stored = asyncio.run(manager.get_connection(connection_id, include_disconnected=True))
    assert stored.status == "disconnected"


def test_lifecycle_sections_together(store_env, capsys):
    namespace = run_block(BLOCKS[PREFIX], SEED_NAMES)
    for block_id in LIFECYCLE:
        fakes = {k: namespace[k] for k in ("connection_manager", "resolver")}
        namespace.update(run_block(BLOCKS[block_id], SEED_NAMES, **fakes))
    asyncio.run(namespace["init_resources"]())
    resolver, manager = namespace["resolver"], namespace["connection_manager"]
    connection_id = f"{uuid.uuid4().hex[:12]}="
    sample = events(connection_id)

    assert resolver.resolve(sample["connect"], None)["statusCode"] == 200
    stored = asyncio.run(manager.get_connection(connection_id))
    assert stored.client_data == {"user_agent": None, "source_ip": "166.90.225.1"}
    first_seen = stored.last_seen

    answer = resolver.resolve(sample["message"], None)
    assert body(answer) == {"message": "Processed"}
    assert "Message from 166.90.225.1" in capsys.readouterr().out
    assert asyncio.run(manager.get_connection(connection_id)).last_seen >= first_seen

    assert resolver.resolve(sample["disconnect"], None)["statusCode"] == 200
    late = resolver.resolve(sample["message"], None)
    assert late["statusCode"] == 400
    assert json.loads(late["body"]) == {"message": "Invalid connection"}


def error_handling_snippet(**names: Any) -> Any:
    """The "Error Handling" block uses ``await`` and ``return`` at its top level: it is the
    body of a handler. We run it verbatim as the body of an ``async def``."""
    source = BLOCKS[f"{PREFIX}/error-handling"].source
    code = "async def snippet(connection_id):\n" + textwrap.indent(source, "    ")
    namespace: dict[str, Any] = {**SEED_NAMES, **names}
    exec(
        compile(code, "<SEED-README.md: error-handling>", "exec", dont_inherit=True),
        namespace,
    )
    return namespace["snippet"]


def test_error_handling_on_a_failing_dynamodb(monkeypatch, caplog):
    # A table that does not exist: the manager raises DynamoDBError, the snippet answers 500.
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "dynamodb")
    from lambdakit.websocket.stores.dynamodb import DynamoDBStore

    manager = websocket_connection.APIGatewayWSConnectionManager(
        "websocket-connections",
        store=DynamoDBStore("websocket-connections", max_attempts=1, timeout=1),
    )
    snippet = error_handling_snippet(connection_manager=manager)
    with caplog.at_level(logging.ERROR, logger="seed-example"):
        result = asyncio.run(snippet("abc="))
    assert result == {"statusCode": 500, "body": json.dumps({"message": "Internal error"})}
    assert "Connection failed" in caplog.text


def test_error_handling_when_dynamodb_works(store_env):
    manager = websocket_connection.APIGatewayWSConnectionManager(f"t-{uuid.uuid4().hex[:8]}")
    asyncio.run(manager.init_table())
    snippet = error_handling_snippet(connection_manager=manager)
    assert asyncio.run(snippet("ok=")) is None  # no error: the snippet falls through
    assert asyncio.run(manager.get_connection("ok=")) is not None
