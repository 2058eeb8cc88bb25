"""Findings of the cold review of the local gateway, each held by a test: the Runtime API
answers its own worker only, API Gateway's integration timeout is applied, a function that
cannot be run is API Gateway's 502, and every function shares one SQLite store."""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request
from typing import Any

import pytest

from lambdakit.local.cli import prepare_environment
from lambdakit.local.config import FunctionRef, GatewayConfig, HttpRoute, Limits
from lambdakit.local.runtime_api import PendingInvocation, RuntimeApi


async def _ask(port: int, headers: dict[str, str]) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    return int(status_line.split()[1]), status_line


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({"Host": "attacker.example"}, 403, id="foreign-host"),
        pytest.param({"Host": "127.0.0.1:{port}", "Origin": "https://a.example"}, 403, id="page"),
        pytest.param({"Host": "127.0.0.1:{port}", "Sec-Fetch-Site": "cross-site"}, 403, id="fetch"),
        pytest.param({"Host": "127.0.0.1:{port}"}, 200, id="the-runtime"),
    ],
)
def test_the_runtime_api_answers_its_own_worker_only(headers: dict[str, str], status: int) -> None:
    async def scenario() -> int:
        api = RuntimeApi()
        port = await api.start()
        api.expect_worker(os.getpid())  # the worker is this test's process
        api.submit(PendingInvocation("r1", b"{}", 0, "arn:aws:lambda:us-east-1:1:function:f"))
        answered, _ = await _ask(port, {k: v.format(port=port) for k, v in headers.items()})
        await api.close()
        return answered

    assert asyncio.run(scenario()) == status


def test_a_second_poller_is_refused_while_one_waits() -> None:
    async def scenario() -> int:
        api = RuntimeApi()
        port = await api.start()
        api.expect_worker(os.getpid())
        first = asyncio.ensure_future(_ask(port, {"Host": f"127.0.0.1:{port}"}))
        await asyncio.sleep(0.2)  # the runtime is waiting for its next invocation
        second, _ = await _ask(port, {"Host": f"127.0.0.1:{port}"})
        first.cancel()
        await api.close()
        return second

    assert asyncio.run(scenario()) == 400  # InvalidStateTransition


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


@pytest.mark.parametrize(
    ("payload", "answer"),
    [
        pytest.param("1.0", (504, {"message": "Endpoint request timed out"}), id="rest"),
        pytest.param("2.0", (503, {"message": "Service Unavailable"}), id="http-api"),
    ],
)
def test_the_integration_timeout_answers_while_the_function_runs_on(
    serve: Any, payload: str, answer: tuple[int, Any]
) -> None:
    """A REST API stops waiting after 29 s with 504, an HTTP API after 30 s with 503 (0.5 s
    here); the function runs on."""
    slow = FunctionRef("tests.local.apps:slow", 10)
    limits = Limits(rest_integration_timeout=0.5, http_integration_timeout=0.5)
    route = HttpRoute("GET", "/slow", slow, payload)  # type: ignore[arg-type]
    gateway = serve(GatewayConfig(http_routes=(route,), limits=limits))
    assert _get(f"{gateway.http}/slow") == answer


def test_a_function_that_cannot_be_run_is_a_502(serve) -> None:
    class Broken:
        async def invoke(self, function: Any, event: Any) -> Any:
            raise OSError("the environment could not start")

        def close(self) -> None: ...

    gateway = serve(
        GatewayConfig(http_routes=(HttpRoute("GET", "/x", FunctionRef("m:f", 3), "1.0"),))
    )
    gateway.app.invoker = Broken()
    assert _get(f"{gateway.http}/x") == (502, {"message": "Internal server error"})


def test_every_function_shares_one_sqlite_store(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("LAMBDAKIT_SQLITE_PATH", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAMBDAKIT_CONNECTION_STORE", "sqlite")
    saved = dict(os.environ)
    try:
        prepare_environment("127.0.0.1", 3000, "local")
        path = os.environ["LAMBDAKIT_SQLITE_PATH"]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert os.path.isabs(path)
    assert path == str(tmp_path / ".lambdakit" / "connections.sqlite3")


def test_route_responses_that_make_routes_two_way_are_not_called_ignored() -> None:
    from lambdakit.local.template import read_template

    local = read_template("examples/chat/template.yaml")
    assert not [w for w in local.warnings if "RouteResponse" in w]
    assert local.config.websocket is not None
    assert local.config.websocket.responds("sendmessage")
