"""The chat example's handlers, called as Lambda calls them, on a temporary SQLite file and a
real ``@connections`` endpoint (``tests/websocket/management_api.py``)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import datetime

import pytest

from examples.chat import broadcast, http_app, ws_app
from examples.chat.messages import KEEP, ChatMessage, message_store
from lambdakit.testing import (
    http_api_event,
    rest_event,
    websocket_connect_event,
    websocket_disconnect_event,
    websocket_message_event,
)
from lambdakit.websocket import APIGatewayWSConnectionManager, fan_out
from tests.websocket.invoke_api import InvokeApi
from tests.websocket.management_api import ManagementApi

pytest.importorskip("boto3")

LOCAL_HOST = "127.0.0.1:4123"


@pytest.fixture(autouse=True)
def local_environment(monkeypatch, tmp_path):
    """What ``lambdakit serve`` sets, on a fresh SQLite file, with a fresh connection manager
    (the module's one keeps the store it chose on first use)."""
    monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "sqlite")
    monkeypatch.setenv("LAMBDAKIT_SQLITE_PATH", str(tmp_path / "chat.sqlite3"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("CHAT_WEBSOCKET_URL", raising=False)
    monkeypatch.delenv("LAMBDAKIT_WS_ENDPOINT", raising=False)
    monkeypatch.delenv(broadcast.FUNCTION_ENV, raising=False)
    monkeypatch.delenv(broadcast.THRESHOLD_ENV, raising=False)
    manager = APIGatewayWSConnectionManager("chat-connections", partition="chat")
    monkeypatch.setattr(ws_app, "connection_manager", manager)
    return tmp_path / "chat.sqlite3"


@pytest.fixture
def api(monkeypatch):
    with ManagementApi(stage="local") as server:
        monkeypatch.setenv("LAMBDAKIT_WS_ENDPOINT", server.endpoint)
        yield server


def ws_event(body, connection_id="c1="):
    route = body.get("action", "$default") if isinstance(body, dict) else "$default"
    return websocket_message_event(
        body, route_key=route, connection_id=connection_id, stage="local", domain_name=LOCAL_HOST
    )


def connect(*connection_ids):
    for connection_id in connection_ids:
        event = websocket_connect_event(connection_id, stage="local", domain_name=LOCAL_HOST)
        assert ws_app.handler(event, None)["statusCode"] == 200


def messages_api():
    result = http_app.handler(rest_event("GET", "/api/messages"), None)
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"].startswith("application/json")
    envelope = json.loads(result["body"])
    assert envelope["rslt_cd"] == "S00000"
    return envelope["data"]


# -- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(rest_event("GET", "/", headers={"Host": LOCAL_HOST}), id="rest"),
        pytest.param(http_api_event("GET", "/", headers={"host": LOCAL_HOST}), id="http-api"),
    ],
)
def test_page_is_html_with_the_stable_ids(event):
    result = http_app.handler(event, None)
    assert result["statusCode"] == 200
    assert result["headers"]["Content-Type"] == "text/html; charset=UTF-8"
    page = result["body"]
    assert page.startswith("<!doctype html>")
    for element_id in ("name", "text", "send", "messages", "status"):
        assert f'id="{element_id}"' in page
    assert f'data-websocket-url="ws://{LOCAL_HOST}/local"' in page


def test_page_uses_the_configured_websocket_url(monkeypatch):
    monkeypatch.setenv("CHAT_WEBSOCKET_URL", "wss://abc.execute-api.us-east-1.amazonaws.com/prod")
    page = http_app.handler(rest_event("GET", "/"), None)["body"]
    assert 'data-websocket-url="wss://abc.execute-api.us-east-1.amazonaws.com/prod"' in page


def test_a_hostile_host_header_stays_an_attribute_value():
    page = http_app.handler(rest_event("GET", "/", headers={"Host": 'x"><script>1</script>'}), None)
    assert "<script>1</script>" not in page["body"]
    assert "x&quot;&gt;&lt;script&gt;" in page["body"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        pytest.param("GET", "/nope", 404, id="unknown-path"),
        pytest.param("POST", "/api/messages", 405, id="post-messages"),
        pytest.param("DELETE", "/", 405, id="delete-page"),
    ],
)
def test_other_requests_are_json_errors(method, path, status):
    result = http_app.handler(rest_event(method, path), None)
    assert result["statusCode"] == status
    assert json.loads(result["body"])["rslt_cd"] in ("B00404", "B00405")


# -- recent messages -----------------------------------------------------------------------------


def test_messages_api_is_empty_at_first():
    assert messages_api() == []


def test_messages_api_returns_the_stored_messages_oldest_first(local_environment):
    store = message_store()
    store.add(ChatMessage(name="Ada", text="first", at="2026-01-01T00:00:00.000Z"))
    store.add(ChatMessage(name="Bob", text="second", at="2026-01-01T00:00:01.000Z"))
    assert messages_api() == [
        {"name": "Ada", "text": "first", "at": "2026-01-01T00:00:00.000Z"},
        {"name": "Bob", "text": "second", "at": "2026-01-01T00:00:01.000Z"},
    ]
    # In the connection store's file, a table of its own.
    with sqlite3.connect(local_environment) as db:
        assert db.execute("SELECT count(*) FROM chat_messages").fetchone() == (2,)


def test_only_the_last_fifty_are_kept(local_environment):
    store = message_store()
    for n in range(KEEP + 5):
        store.add(ChatMessage.now(name="n", text=str(n)))
    assert [m["text"] for m in messages_api()] == [str(n) for n in range(5, KEEP + 5)]
    with sqlite3.connect(local_environment) as db:
        assert db.execute("SELECT count(*) FROM chat_messages").fetchone() == (KEEP,)


# -- the WebSocket function ----------------------------------------------------------------------


def test_a_message_is_stored_and_broadcast_to_every_connection(api, local_environment):
    connect("c1=", "c2=", "c3=")
    api.open.update({"c1=", "c2=", "c3="})

    result = ws_app.handler(
        ws_event({"action": "sendmessage", "name": " Ada ", "text": "hi"}), None
    )

    assert result == {"statusCode": 200}  # no route response: the sender gets the broadcast
    frames = {cid: [json.loads(f) for f in api.received.get(cid, [])] for cid in api.open}
    for connection_id in ("c1=", "c2=", "c3="):
        [frame] = frames[connection_id]
        assert frame["type"] == "message"
        assert (frame["name"], frame["text"]) == ("Ada", "hi")
        assert datetime.fromisoformat(frame["at"].replace("Z", "+00:00")).tzinfo is not None
    stored = messages_api()
    assert stored == [{k: frame[k] for k in ("name", "text", "at")}]
    with sqlite3.connect(local_environment) as db:  # connections and messages: one file
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"connections", "chat_messages"} <= tables


def test_an_empty_name_is_anonymous(api):
    connect("c1=")
    api.open.add("c1=")
    ws_app.handler(ws_event({"action": "sendmessage", "text": "hi"}), None)
    assert json.loads(api.received["c1="][0])["name"] == "anonymous"


def test_a_gone_connection_is_cleaned_up(api):
    connect("c1=", "left=")
    api.open.add("c1=")  # "left=" closed without a $disconnect: @connections answers 410

    ws_app.handler(ws_event({"action": "sendmessage", "name": "Ada", "text": "hi"}), None)

    assert len(api.received["c1="]) == 1
    manager = ws_app.connection_manager
    connections = asyncio.run(manager.list_connections())
    assert [c.connection_id for c in connections] == ["c1="]
    assert asyncio.run(manager.get_connection("left=")) is None


def test_a_disconnected_client_is_not_sent_to(api):
    connect("c1=", "c2=")
    api.open.update({"c1=", "c2="})
    event = websocket_disconnect_event("c2=", status_code=1001, stage="local")
    assert ws_app.handler(event, None)["statusCode"] == 200

    ws_app.handler(ws_event({"action": "sendmessage", "name": "Ada", "text": "hi"}), None)

    assert "c2=" not in api.received
    assert api.calls == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        pytest.param({"text": ""}, "text must be 1 to 1000 characters", id="empty-text"),
        pytest.param({"text": "   "}, "text must be 1 to 1000 characters", id="blank-text"),
        pytest.param({"name": "Ada"}, "text must be 1 to 1000 characters", id="no-text"),
        pytest.param({"text": 42}, "text must be 1 to 1000 characters", id="number-text"),
        pytest.param({"text": "x" * 1001}, "text must be 1 to 1000 characters", id="long-text"),
        pytest.param(
            {"name": "n" * 41, "text": "hi"}, "name must be text of at most 40", id="long-name"
        ),
        pytest.param({"name": ["Ada"], "text": "hi"}, "name must be text", id="list-name"),
    ],
)
def test_an_invalid_message_is_refused_not_stored_not_sent(api, body, error):
    connect("c1=")
    api.open.add("c1=")

    result = ws_app.handler(ws_event({"action": "sendmessage", **body}), None)

    assert result["statusCode"] == 400
    answer = json.loads(result["body"])
    assert answer["type"] == "error"
    assert answer["message"].startswith(error)
    assert api.calls == 0
    assert messages_api() == []


def test_the_longest_valid_message_is_accepted(api):
    connect("c1=")
    api.open.add("c1=")
    body = {"action": "sendmessage", "name": "n" * 40, "text": "x" * 1000}
    assert ws_app.handler(ws_event(body), None) == {"statusCode": 200}
    assert len(messages_api()) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"action": "dance"}, id="unknown-action"),
        pytest.param("hello", id="not-json"),
    ],
)
def test_anything_else_is_answered_with_an_error(api, body):
    connect("c1=")
    result = ws_app.handler(ws_event(body), None)
    assert result["statusCode"] == 400
    assert json.loads(result["body"])["type"] == "error"
    assert api.calls == 0


def test_messages_keep_the_connection_alive(api, monkeypatch):
    now = [1_800_000_000.0]
    manager = APIGatewayWSConnectionManager(
        "chat-connections", partition="chat", clock=lambda: now[0]
    )
    monkeypatch.setattr(ws_app, "connection_manager", manager)
    connect("c1=")
    api.open.add("c1=")
    now[0] += 60
    ws_app.handler(ws_event({"action": "sendmessage", "text": "hi"}), None)
    connection = asyncio.run(manager.get_connection("c1="))
    assert connection is not None
    assert connection.last_seen == now[0]  # the tracking middleware's update_last_seen
    assert connection.client_data == {"ip": "203.0.113.10"}


# -- fan-out: a room past the threshold goes to the broadcast function in batches ----------------


@pytest.fixture
def invocations(monkeypatch):
    """A local Invoke API the WebSocket function's boto3 client reaches, recording each call."""
    with InvokeApi() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", server.base_url)
        monkeypatch.setenv(broadcast.FUNCTION_ENV, "chat-broadcast")
        monkeypatch.setenv(broadcast.THRESHOLD_ENV, "2")
        yield server.invocations


def test_a_room_past_the_threshold_is_handed_to_event_invocations(api, invocations, monkeypatch):
    room = ["c1=", "c2=", "c3=", "left="]
    connect(*room)
    api.open.update(room[:3])  # "left=" closed without a $disconnect

    result = ws_app.handler(ws_event({"action": "sendmessage", "name": "Ada", "text": "hi"}), None)

    assert result == {"statusCode": 200}
    assert api.calls == 0  # nothing sent by the WebSocket function itself
    assert [(name, kind) for name, kind, _ in invocations] == [("chat-broadcast", "Event")] * 2
    events = [event for _, _, event in invocations]
    assert all(fan_out.is_batch(event) for event in events)
    assert sorted(len(event["connection_ids"]) for event in events) == [2, 2]
    assert sorted(cid for event in events for cid in event["connection_ids"]) == sorted(room)

    # Each batch, as the broadcast function runs it: once to every client, the gone one marked.
    manager = APIGatewayWSConnectionManager("chat-connections", partition="chat")
    monkeypatch.setattr(broadcast, "connection_manager", manager)
    summaries = [broadcast.handler(event, None) for event in events]
    assert sum(s["sent"] for s in summaries) == 3
    assert sum(s["gone"] for s in summaries) == 1
    for connection_id in room[:3]:
        [frame] = [json.loads(f) for f in api.received[connection_id]]
        assert (frame["type"], frame["name"], frame["text"]) == ("message", "Ada", "hi")
    assert asyncio.run(manager.get_connection("left=")) is None


def test_a_room_at_the_threshold_is_sent_to_in_process(api, invocations):
    connect("c1=", "c2=")
    api.open.update({"c1=", "c2="})
    ws_app.handler(ws_event({"action": "sendmessage", "name": "Ada", "text": "hi"}), None)
    assert invocations == []
    assert api.calls == 2


def test_without_a_broadcast_function_every_room_is_sent_to_in_process(api, monkeypatch):
    monkeypatch.delenv(broadcast.FUNCTION_ENV, raising=False)
    monkeypatch.setenv(broadcast.THRESHOLD_ENV, "1")
    connect("c1=", "c2=", "c3=")
    api.open.update({"c1=", "c2=", "c3="})
    ws_app.handler(ws_event({"action": "sendmessage", "name": "Ada", "text": "hi"}), None)
    assert api.calls == 3


@pytest.mark.parametrize("setting", ["0", "-3", "many", "2.5"])
def test_a_bad_threshold_fails_before_anything_is_stored(api, monkeypatch, setting):
    monkeypatch.setenv(broadcast.THRESHOLD_ENV, setting)
    connect("c1=")
    with pytest.raises(ValueError, match=broadcast.THRESHOLD_ENV):
        broadcast.FanOut.from_env()
    result = ws_app.handler(ws_event({"action": "sendmessage", "name": "Ada", "text": "hi"}), None)
    assert result["statusCode"] == 500
    assert messages_api() == []
    assert api.calls == 0


def test_the_broadcast_function_sends_batches_only():
    with pytest.raises(ValueError, match="not a fan-out batch"):
        broadcast.handler(ws_event({"action": "sendmessage", "text": "hi"}), None)


def test_the_broadcast_function_marks_gone_in_the_websocket_functions_table():
    # Both read CONNECTIONS_TABLE at import: the same table and partition.
    ours, theirs = (
        broadcast.connection_manager,
        APIGatewayWSConnectionManager("chat-connections", partition="chat"),
    )
    assert (ours.table_name, ours.partition) == (theirs.table_name, theirs.partition)
