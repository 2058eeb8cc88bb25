"""boto3's ``apigatewaymanagementapi`` client against the local gateway's ``@connections``."""

from __future__ import annotations

import asyncio
import datetime
import json

import pytest

from lambdakit.local.config import FunctionRef, GatewayConfig, WebSocketApi
from tests.local import apps

boto3 = pytest.importorskip("boto3")
pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

CONFIG = GatewayConfig(
    websocket=WebSocketApi(routes={}, catch_all=FunctionRef("tests.local.apps:websocket", 5))
)


def client(gateway):
    return boto3.session.Session().client(
        "apigatewaymanagementapi", endpoint_url=gateway.management, region_name="us-east-1"
    )


async def connected_id(ws) -> str:
    await ws.send(json.dumps({"action": "echo"}))
    return json.loads(await asyncio.wait_for(ws.recv(), 5))["connectionId"]


def test_post_get_delete(serve):
    gateway = serve(CONFIG)
    api = client(gateway)

    async def scenario():
        async with connect(gateway.ws, user_agent_header="ua/1") as ws:
            connection_id = await connected_id(ws)
            await asyncio.to_thread(
                api.post_to_connection, ConnectionId=connection_id, Data=b'{"pushed": true}'
            )
            pushed = json.loads(await asyncio.wait_for(ws.recv(), 5))
            info = await asyncio.to_thread(api.get_connection, ConnectionId=connection_id)
            await asyncio.to_thread(api.delete_connection, ConnectionId=connection_id)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            return connection_id, pushed, info

    connection_id, pushed, info = asyncio.run(scenario())
    assert pushed == {"pushed": True}
    assert info["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "ua/1"}
    assert isinstance(info["ConnectedAt"], datetime.datetime)
    assert info["LastActiveAt"] >= info["ConnectedAt"]
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId=connection_id, Data=b"x")
    with pytest.raises(api.exceptions.GoneException):
        api.get_connection(ConnectionId=connection_id)


def test_unknown_connection_is_gone(serve):
    api = client(serve(CONFIG))
    with pytest.raises(api.exceptions.GoneException) as caught:
        api.post_to_connection(ConnectionId="nobodyHere00000=", Data=b"x")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_payload_too_large(serve):
    gateway = serve(CONFIG)
    api = client(gateway)

    async def scenario():
        async with connect(gateway.ws) as ws:
            connection_id = await connected_id(ws)
            with pytest.raises(api.exceptions.PayloadTooLargeException):
                await asyncio.to_thread(
                    api.post_to_connection, ConnectionId=connection_id, Data=b"x" * (128 * 1024 + 1)
                )

    asyncio.run(scenario())


def test_manager_broadcast_finds_the_local_endpoint_without_configuration(serve):
    from lambdakit.websocket import APIGatewayWSConnectionManager

    gateway = serve(CONFIG)
    manager = APIGatewayWSConnectionManager("t")  # the store and endpoint come from the server

    async def scenario():
        async with connect(gateway.ws) as first, connect(gateway.ws) as second:
            ids = [await connected_id(first), await connected_id(second)]
            for connection_id in ids:
                await manager.connect(connection_id)
            results = await manager.broadcast({"hello": "all"})
            received = [json.loads(await asyncio.wait_for(ws.recv(), 5)) for ws in (first, second)]
        # Both closed now: a later broadcast finds them gone and cleans them up.
        await asyncio.sleep(0.2)
        late = await manager.broadcast("anyone?")
        return results, received, late, await manager.list_connections()

    results, received, late, remaining = asyncio.run(scenario())
    assert all(r.ok for r in results)
    assert received == [{"hello": "all"}, {"hello": "all"}]
    assert all(r.gone for r in late)
    assert remaining == []


@pytest.fixture(autouse=True)
def clean_events():
    apps.ws_events.clear()
