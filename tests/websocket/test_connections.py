from __future__ import annotations

import asyncio
import json

import pytest

from lambdakit.websocket import APIGatewayWSConnectionManager, WebSocketConnection
from lambdakit.websocket.stores import store_from_env
from lambdakit.websocket.stores.memory import MemoryStore
from lambdakit.websocket.stores.sqlite import SQLiteStore


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def manager(clock):
    return APIGatewayWSConnectionManager(
        "connections", connection_ttl=60, store=MemoryStore(), clock=clock
    )


def run(coroutine):
    return asyncio.run(coroutine)


def test_lifecycle(manager, clock):
    async def scenario():
        await manager.init_table()
        result = await manager.connect("c1=", {"ip": "1.2.3.4"})
        assert result["statusCode"] == 200
        assert json.loads(result["body"]) == {"message": "Connected"}
        connection = await manager.get_connection("c1=")
        assert isinstance(connection, WebSocketConnection)
        assert connection.client_data == {"ip": "1.2.3.4"}
        assert connection.status == "connected"
        assert connection.expires_at == int(clock.now) + 60

        clock.now += 30
        assert await manager.update_last_seen("c1=") is True
        connection = await manager.get_connection("c1=")
        assert connection.last_seen == clock.now
        assert connection.expires_at == int(clock.now) + 60

        assert [c.connection_id for c in await manager.list_connections()] == ["c1="]
        assert (await manager.disconnect("c1="))["statusCode"] == 200
        assert (await manager.disconnect("c1="))["statusCode"] == 200  # idempotent
        assert await manager.get_connection("c1=") is None
        gone = await manager.get_connection("c1=", include_disconnected=True)
        assert gone.status == "disconnected"
        assert await manager.update_last_seen("c1=") is False
        assert await manager.list_connections() == []

    run(scenario())


def test_ttl_expiry_without_deletion(manager, clock):
    async def scenario():
        await manager.connect("c1=")
        clock.now += 61
        assert await manager.get_connection("c1=") is None
        assert await manager.update_last_seen("c1=") is False

    run(scenario())


def test_update_last_seen_on_unknown_connection_says_so(manager, caplog):
    assert run(manager.update_last_seen("nobody=")) is False


@pytest.mark.parametrize("bad", ["", None, 5])
def test_bad_connection_ids(manager, bad):
    with pytest.raises(ValueError, match="connection_id"):
        run(manager.connect(bad))


def test_bad_arguments():
    with pytest.raises(ValueError, match="table_name"):
        APIGatewayWSConnectionManager("")
    with pytest.raises(ValueError, match="connection_ttl"):
        APIGatewayWSConnectionManager("t", connection_ttl=0)
    with pytest.raises(TypeError):
        run(APIGatewayWSConnectionManager("t", store=MemoryStore()).connect("c=", ["x"]))  # type: ignore[arg-type]


def test_construction_does_no_io(monkeypatch):
    monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "nonsense")
    manager = APIGatewayWSConnectionManager("t")  # the seed builds it at import time
    with pytest.raises(ValueError, match="LAMBDAKIT_CONNECTION_STORE"):
        manager.store  # noqa: B018


def test_store_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "sqlite")
    monkeypatch.setenv("LAMBDAKIT_SQLITE_PATH", str(tmp_path / "c.db"))
    store = store_from_env("t")
    assert isinstance(store, SQLiteStore)
    assert store.path == tmp_path / "c.db"
    monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "memory")
    assert store_from_env("t") is store_from_env("t")
    monkeypatch.delenv("LAMBDAKIT_CONNECTION_STORE")
    from lambdakit.websocket.stores.dynamodb import DynamoDBStore

    assert isinstance(store_from_env("t"), DynamoDBStore)


def test_sqlite_is_shared_across_processes(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "shared.sqlite3"
    code = (
        "import asyncio, sys;"
        "from lambdakit.websocket import APIGatewayWSConnectionManager;"
        "from lambdakit.websocket.stores.sqlite import SQLiteStore;"
        f"m = APIGatewayWSConnectionManager('t', store=SQLiteStore({str(path)!r}));"
        "asyncio.run(m.connect(sys.argv[1]))"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, f"p{i}="]) for i in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    manager = APIGatewayWSConnectionManager("t", store=SQLiteStore(path))
    listed = run(manager.list_connections())
    assert sorted(c.connection_id for c in listed) == ["p0=", "p1=", "p2=", "p3="]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"when": __import__("datetime").datetime(2026, 1, 1)}, id="datetime"),
        pytest.param({"ids": {1, 2}}, id="set"),
        pytest.param({"score": float("nan")}, id="nan"),
        pytest.param({"raw": b"\x00"}, id="bytes"),
    ],
)
def test_client_data_must_be_json_before_anything_is_stored(manager, data):
    with pytest.raises(TypeError, match="client_data must be JSON"):
        run(manager.connect("c1=", data))
    assert run(manager.get_connection("c1=")) is None


def test_client_data_comes_back_as_json(manager):
    run(manager.connect("c1=", {"n": 1, "tags": ("a", "b"), "nested": {"x": None}}))
    assert run(manager.get_connection("c1=")).client_data == {
        "n": 1,
        "tags": ["a", "b"],
        "nested": {"x": None},
    }


def test_connection_ttl_must_be_an_int():
    with pytest.raises(ValueError, match="connection_ttl"):
        APIGatewayWSConnectionManager("t", connection_ttl=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({"n": 10**40}, "38 digits", id="big-int"),
        pytest.param({"x": 1e200}, "1e-130 to 1e126", id="huge-float"),
        pytest.param({"x": 5e-324}, "1e-130 to 1e126", id="tiny-float"),
    ],
)
def test_client_data_within_what_dynamodb_keeps(manager, data, message):
    with pytest.raises(TypeError, match=message):
        run(manager.connect("c1=", data))


def test_client_data_nesting_limit(manager):
    deep: dict[str, object] = {}
    node = deep
    for _ in range(40):
        child: dict[str, object] = {}
        node["a"] = child
        node = child
    with pytest.raises(TypeError, match="nested"):
        run(manager.connect("c1=", deep))
