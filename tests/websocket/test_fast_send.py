"""The lean send path against real servers on 127.0.0.1: the simulated ``@connections`` of the
broadcast benchmark (latency, an account limit answering 429 ``LimitExceededException``), the
``@connections`` stand-in of the other tests (410 ``GoneException``), over HTTP and HTTPS."""

from __future__ import annotations

import asyncio
import calendar
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from lambdakit.websocket import fan_out
from lambdakit.websocket._batches import batch_events
from lambdakit.websocket._sigv4 import Credentials, Signer, path_segment
from lambdakit.websocket.messaging import WebSocketSender
from tests.websocket.conftest import free_port
from tests.websocket.invoke_api import InvokeApi
from tests.websocket.management_api import ManagementApi

boto3 = pytest.importorskip("boto3")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("LAMBDAKIT_WS_ENDPOINT", raising=False)
    monkeypatch.delenv("AWS_CA_BUNDLE", raising=False)


class Simulated:
    """``benchmarks/connections_server.py`` in a process of its own."""

    def __init__(self, port: int) -> None:
        self.root = f"http://127.0.0.1:{port}"
        self.endpoint = f"{self.root}/prod"

    def _control(self, path: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if options is None else json.dumps(options).encode()
        request = urllib.request.Request(f"{self.root}/_bench/{path}", data=data)  # noqa: S310
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return json.loads(answer.read() or b"{}")

    def reset(self, **options: float) -> None:
        self._control("reset", options)

    def stats(self) -> dict[str, Any]:
        return self._control("stats")


@pytest.fixture(scope="module")
def simulated():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.connections_server", json.dumps({"port": port})],
        cwd=ROOT,
    )
    server = Simulated(port)
    try:
        for _ in range(100):
            try:
                server.stats()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("the simulated @connections did not start")
        yield server
    finally:
        process.terminate()
        process.wait(10)


def ids(count: int) -> list[str]:
    return [f"c{n:05d}=" for n in range(count)]


def test_the_signature_is_botocores():
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    host = "abc123.execute-api.eu-west-1.amazonaws.com"
    path = "/prod/@connections/" + path_segment("L0SM9cOFvHcCIhw=")
    assert path.endswith("L0SM9cOFvHcCIhw%3D")
    for token in (None, "session/token+="):
        request = AWSRequest("POST", f"https://{host}{path}", data=b'{"a":1}')
        SigV4Auth(BotoCredentials("AKID", "secret", token), "execute-api", "eu-west-1").add_auth(
            request
        )
        when = calendar.timegm(time.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ"))
        signer = Signer(Credentials("AKID", "secret", token), "eu-west-1", "execute-api")
        ours = signer.headers(host, path, b'{"a":1}', when)
        assert ours["Authorization"] == request.headers["Authorization"]
        assert ours.get("X-Amz-Security-Token") == request.headers.get("X-Amz-Security-Token")


def test_unlimited_broadcast_is_concurrent_and_makes_no_boto3_client(simulated):
    simulated.reset(latency_ms=20)
    sender = WebSocketSender(simulated.endpoint, max_concurrency=50)
    start = time.perf_counter()
    results = asyncio.run(sender.broadcast({"tag": "plain"}, ids(200)))
    elapsed = time.perf_counter() - start
    assert all(r.ok for r in results)
    assert simulated.stats()["accepted"] == {"plain": 200}
    assert elapsed < 200 * 0.020 * 0.75  # concurrent: one by one would take 4 s
    assert sender._client is None  # the fast path: botocore never built a client


def test_throttled_calls_are_paced_retried_and_delivered(simulated):
    rate, burst, count = 200, 20, 300
    simulated.reset(latency_ms=5, rate=rate, burst=burst)
    sender = WebSocketSender(simulated.endpoint, max_concurrency=64, send_deadline=30)
    start = time.perf_counter()
    results = asyncio.run(sender.broadcast({"tag": "limited"}, ids(count)))
    elapsed = time.perf_counter() - start
    stats = simulated.stats()
    floor = (count - burst) / rate
    assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
    assert stats["accepted"] == {"limited": count}
    assert stats["throttled"] > 0  # the limit was met, and its 429s retried
    assert elapsed >= floor * 0.9  # never faster than the limit allows (speed: scripts/bench)
    # Paced, not hammering: without the bucket, 64 workers retrying at once make thousands.
    assert stats["throttled"] < 3 * count
    assert sender.pacer.rate is not None
    assert sender.pacer.rate < 2 * rate


def test_past_the_deadline_a_throttled_connection_is_reported(simulated):
    simulated.reset(latency_ms=5, rate=20, burst=5)
    sender = WebSocketSender(simulated.endpoint, max_concurrency=16, send_deadline=0.5)
    start = time.perf_counter()
    results = asyncio.run(sender.broadcast({"tag": "late"}, ids(100)))
    elapsed = time.perf_counter() - start
    delivered = [r for r in results if r.ok]
    late = [r for r in results if not r.ok]
    assert late
    assert all(r.error == "LimitExceededException" and not r.gone for r in late)
    assert simulated.stats()["accepted"] == {"late": len(delivered)}
    assert len(delivered) + len(late) == 100
    assert elapsed < 0.5 + 3  # the deadline holds (with room for a loaded machine)


def test_an_injected_client_is_used_and_its_throttling_paced_too(simulated):
    from botocore.config import Config

    simulated.reset(latency_ms=5, rate=100, burst=10)
    client = boto3.session.Session().client(
        "apigatewaymanagementapi",
        endpoint_url=simulated.endpoint,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=16),
    )
    sender = WebSocketSender("http://unused.invalid/x", client=client, max_concurrency=16)
    results = asyncio.run(sender.broadcast({"tag": "injected"}, ids(60)))
    assert all(r.ok for r in results)
    stats = simulated.stats()
    assert stats["accepted"] == {"injected": 60}
    assert stats["throttled"] > 0
    assert sender._fast is None  # nothing went out on the lean path


def test_gone_calls_on_gone_on_the_fast_path():
    gone: list[str] = []

    async def on_gone(connection_id: str) -> None:
        gone.append(connection_id)

    with ManagementApi() as api:
        api.open.update({"a=", "b="})
        sender = WebSocketSender(api.endpoint, on_gone=on_gone)
        results = asyncio.run(sender.broadcast("hi", ["a=", "left=", "b="]))
    assert [(r.ok, r.gone, r.error) for r in results] == [
        (True, False, None),
        (False, True, "GoneException"),
        (True, False, None),
    ]
    assert gone == ["left="]
    assert api.received == {"a=": [b"hi"], "b=": [b"hi"]}


def test_other_client_errors_are_reported_not_retried():
    with ManagementApi() as api:
        api.open.add("a=")
        result = asyncio.run(WebSocketSender(api.endpoint + "x").send("a=", "hi"))
    assert (result.ok, result.gone, result.error) == (False, False, "NotFoundException")
    assert api.calls == 1


def test_https_with_aws_ca_bundle(tmp_path, monkeypatch):
    pytest.importorskip("cryptography")
    from lambdakit.local.tls import local_ca

    files = local_ca(tmp_path)
    with ManagementApi() as api:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(files.cert, files.key)
        api._server.socket = context.wrap_socket(api._server.socket, server_side=True)
        api.open.add("a=")
        endpoint = api.endpoint.replace("http://127.0.0.1", "https://localhost")
        # Without the local CA the certificate is refused, as botocore would refuse it.
        refused = asyncio.run(WebSocketSender(endpoint, max_attempts=1).send("a=", "x"))
        assert not refused.ok
        assert refused.error == "SSLCertVerificationError"
        monkeypatch.setenv("AWS_CA_BUNDLE", os.fspath(files.ca_cert))
        sent = asyncio.run(WebSocketSender(endpoint).send("a=", "over TLS"))
    assert sent.ok
    assert api.received["a="] == [b"over TLS"]


def test_fan_out_hands_batches_to_event_invocations_that_deliver_them():
    connections = ids(250)
    with InvokeApi() as invoke_api, ManagementApi() as api:
        api.open.update(connections[:240])  # 10 have left
        lambda_client = boto3.session.Session().client(
            "lambda", endpoint_url=invoke_api.base_url, region_name="us-east-1"
        )
        sender = WebSocketSender(api.endpoint, send_deadline=20)
        batches = asyncio.run(
            sender.fan_out(
                {"msg": "hello"},
                connections,
                function_name="chat-sender",
                batch_size=100,
                account_rate=600,
                lambda_client=lambda_client,
            )
        )
        assert batches == 3
        events = [event for _, _, event in invoke_api.invocations]
        assert {(name, kind) for name, kind, _ in invoke_api.invocations} == {
            ("chat-sender", "Event")
        }
        assert all(fan_out.is_batch(event) for event in events)
        assert sorted(cid for event in events for cid in event["connection_ids"]) == connections
        assert sorted(len(event["connection_ids"]) for event in events) == [50, 100, 100]
        assert {event["rate"] for event in events} == {200.0}  # the limit's share each
        summaries = [fan_out.handle_batch(event) for event in events]
    assert sum(s["sent"] for s in summaries) == 240
    assert sum(s["gone"] for s in summaries) == 10
    assert all(api.received[cid] == [b'{"msg":"hello"}'] for cid in connections[:240])
    assert not fan_out.is_batch({"requestContext": {}})


def test_a_batch_paces_itself_at_its_share(simulated):
    simulated.reset(latency_ms=5)  # no limit: only the share paces the batch
    (event,) = batch_events(
        simulated.endpoint,
        b'{"tag": "share"}',
        ids(60),
        batch_size=100,
        account_rate=100,
        send_deadline=10,
    )
    start = time.perf_counter()
    summary = fan_out.handle_batch(event)
    elapsed = time.perf_counter() - start
    assert summary == {"sent": 60, "gone": 0, "failed": 0, "failures": {}}
    assert simulated.stats()["accepted"] == {"share": 60}
    assert elapsed >= 59 / 100 * 0.95  # 100/s: no faster than its share
