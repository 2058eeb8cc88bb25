"""The local API Gateway is secure by default, like a modern dev server (Vite CVE-2025-24010,
webpack-dev-server CVE-2018-14732): each test drives the real server on 127.0.0.1 (uvicorn with
the options ``lambdakit serve`` uses) with real clients: raw sockets, ``http.client``,
``websockets`` and boto3.

1. ``Host`` allow-list (DNS rebinding): HTTP, WebSocket and ``@connections``; ``--allowed-host``.
2. WebSocket ``Origin`` check; ``--allow-origin``.
3. ``@connections`` demands a SigV4 signature, with AWS's error shape.
4. Slow clients and big declared bodies: header and body deadlines, 413 before reading,
   the connection cap.
5. The SQLite store's files are private to the user.
6. ``--host`` other than loopback warns; printed URLs and the ``@connections`` endpoint work
   (IPv6 bracketed).
7. Logs carry no query strings and no secret-looking path segments.
"""

from __future__ import annotations

import asyncio
import http.client
import io
import json
import logging
import os
import select
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lambdakit.local.config import (
    FunctionRef,
    GatewayConfig,
    HttpRoute,
    ServerOptions,
    WebSocketApi,
)
from tests.local.signing import sigv4_headers
from tests.reliability.conftest import free_port

boto3 = pytest.importorskip("boto3")
pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import InvalidStatus  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
HTTP = (HttpRoute("ANY", "$default", FunctionRef("tests.local.apps:echo", 5)),)
WEBSOCKET = WebSocketApi(routes={}, catch_all=FunctionRef("tests.local.apps:websocket", 5))


def gateway_config(**server: Any) -> GatewayConfig:
    return GatewayConfig(http_routes=HTTP, websocket=WEBSOCKET, server=ServerOptions(**server))


def send_raw(
    port: int,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: bytes = b"",
) -> http.client.HTTPResponse:
    """A request with exactly these headers (``Host`` included, or left out)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers:
        connection.putheader(name, value)
    if body and not any(name.lower() == "content-length" for name, _ in headers):
        connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body or None)
    return connection.getresponse()


def handshake(port: int, host: str, origin: str | None = None) -> int:
    """A raw WebSocket handshake on ``/local``: the status of the answer (101 when accepted)."""
    lines = [
        "GET /local HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status_line = sock.makefile("rb").readline().decode()
    return int(status_line.split()[1])


async def open_and_identify(url: str) -> tuple[Any, str]:
    ws = await connect(url)
    await ws.send(json.dumps({"action": "echo"}))
    return ws, json.loads(await asyncio.wait_for(ws.recv(), 5))["connectionId"]


# -- 1. Host allow-list --------------------------------------------------------------------------


HOSTS = [
    ("127.0.0.1:{port}", 200),
    ("127.9.8.7", 200),  # all of 127.0.0.0/8
    ("localhost:{port}", 200),
    ("app.localhost:{port}", 200),
    ("[::1]:{port}", 200),
    ("evil.test:{port}", 403),  # a rebinding name
    ("localhost.evil.test", 403),
    ("10.0.0.5:{port}", 403),
]


def test_http_host_allow_list(serve):
    gateway = serve(gateway_config())
    statuses = []
    for host, _ in HOSTS:
        answer = send_raw(gateway.port, "GET", "/", [("Host", host.format(port=gateway.port))])
        statuses.append(answer.status)
        if answer.status == 403:
            assert "--allowed-host" in json.loads(answer.read())["message"]
    assert statuses == [status for _, status in HOSTS]


def test_websocket_and_connections_refuse_a_foreign_host(serve):
    gateway = serve(gateway_config())
    assert handshake(gateway.port, f"127.0.0.1:{gateway.port}") == 101
    assert handshake(gateway.port, f"evil.test:{gateway.port}") == 403
    url = f"{gateway.management}/@connections/AAAAAAAAAAAAAAA="
    signed = sigv4_headers("GET", url)
    signed.pop("Host", None)
    answer = send_raw(
        gateway.port,
        "GET",
        "/local/@connections/AAAAAAAAAAAAAAA=",
        [("Host", "evil.test"), *signed.items()],
    )
    assert answer.status == 403
    assert answer.getheader("x-amzn-ErrorType") is None  # the Host refusal, not the signature's


def test_allowed_host_opens_names_and_subdomains(serve):
    gateway = serve(gateway_config(allowed_hosts=("dev.test", ".example.test")))
    for host, status in [
        ("dev.test", 200),
        ("example.test:8080", 200),
        ("a.b.example.test", 200),
        ("sub.dev.test", 403),
        ("badexample.test", 403),
    ]:
        assert send_raw(gateway.port, "GET", "/", [("Host", host)]).status == status, host
    assert handshake(gateway.port, "dev.test") == 101


def test_cli_allows_the_bound_address_and_allowed_hosts():
    from lambdakit.local.cli import _parser, build_config

    def allowed(*argv: str) -> tuple[str, ...]:
        args = _parser().parse_args(["serve", "--http", "a:b", *argv])
        return build_config(args).server.allowed_hosts

    assert allowed() == ()
    assert allowed("--host", "0.0.0.0") == ()  # noqa: S104 - a wildcard names no host
    assert allowed("--host", "10.1.2.3", "--allowed-host", "dev.test") == ("10.1.2.3", "dev.test")


# -- 2. WebSocket Origin ---------------------------------------------------------------------------


ORIGINS = [
    (None, 101),  # not a browser
    ("http://localhost:5173", 101),  # a loopback page, any port
    ("http://127.0.0.1:8000", 101),
    ("https://evil.test", 403),
    ("null", 403),  # sandboxed frames, file:// pages
]


def test_websocket_origin(serve):
    gateway = serve(gateway_config())
    host = f"127.0.0.1:{gateway.port}"
    statuses = [handshake(gateway.port, host, origin) for origin, _ in ORIGINS]
    assert statuses == [status for _, status in ORIGINS]


def test_allow_origin_opens_websockets_to_a_listed_site(serve):
    gateway = serve(gateway_config(allowed_origins=("https://app.example.test",)))

    async def scenario() -> tuple[int, int]:
        async with connect(gateway.ws, origin="https://app.example.test"):  # type: ignore[arg-type]
            pass
        with pytest.raises(InvalidStatus) as refused:
            async with connect(gateway.ws, origin="https://other.example.test"):  # type: ignore[arg-type]
                pass
        return 101, refused.value.response.status_code

    assert asyncio.run(scenario()) == (101, 403)


# -- 3. @connections demands SigV4 -----------------------------------------------------------------


def unsigned_cases() -> list[tuple[str, dict[str, str], str]]:
    scope = "AKIDEXAMPLE/20250101/us-east-1/execute-api/aws4_request"
    good = (
        f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders=host;x-amz-date, Signature={'a' * 64}"
    )
    date = {"X-Amz-Date": "20250101T000000Z"}
    return [
        ("MissingAuthenticationTokenException", {}, "none"),
        ("IncompleteSignatureException", {"Authorization": "Bearer abc", **date}, "bearer"),
        ("IncompleteSignatureException", {"Authorization": good}, "no-date"),
        (
            "IncompleteSignatureException",
            {"Authorization": good.replace("a" * 64, "zz"), **date},
            "bad-signature",
        ),
        (
            "IncompleteSignatureException",
            {"Authorization": good.replace("execute-api", "s3"), **date},
            "other-service",
        ),
    ]


def test_connections_refuses_unsigned_requests_as_aws_does(serve):
    gateway = serve(gateway_config())

    async def scenario() -> list[tuple[str, int, dict[str, Any], str | None, list[str]]]:
        ws, connection_id = await open_and_identify(gateway.ws)
        results = []
        path = f"/local/@connections/{connection_id}"
        for expected, headers, name in unsigned_cases():
            answer = await asyncio.to_thread(
                send_raw,
                gateway.port,
                "POST",
                path,
                [("Host", f"127.0.0.1:{gateway.port}"), *headers.items()],
                b'{"pushed": true}',
            )
            cors = [h for h, _ in answer.getheaders() if h.lower().startswith("access-control")]
            results.append(
                (
                    name,
                    answer.status,
                    json.loads(answer.read()),
                    answer.getheader("x-amzn-ErrorType"),
                    cors,
                )
            )
            assert expected == results[-1][3], name
        # Nothing reached the client; a signed post does.
        url = f"{gateway.management}/@connections/{connection_id}"
        answer = await asyncio.to_thread(
            send_raw,
            gateway.port,
            "POST",
            path,
            [
                ("Host", f"127.0.0.1:{gateway.port}"),
                *sigv4_headers("POST", url, b'{"signed": 1}').items(),
            ],
            b'{"signed": 1}',
        )
        assert answer.status == 200
        assert json.loads(await asyncio.wait_for(ws.recv(), 5)) == {"signed": 1}
        await ws.close()
        return results

    results = asyncio.run(scenario())
    assert all(status == 403 and not cors for _, status, _, _, cors in results)
    assert results[0][2] == {"message": "Missing Authentication Token"}
    assert "requires 'Credential' parameter" in results[1][2]["message"]
    assert "'X-Amz-Date' or a 'Date' header" in results[2][2]["message"]


def test_the_invoke_api_demands_a_lambda_signature(serve):
    """Lambda's Invoke API, like @connections, answers unsigned requests (and ones signed for
    another service) with AWS's 403; boto3's lambda client, which signs, is served."""
    gateway = serve(gateway_config())
    path = "/2015-03-31/functions/tests.local.apps.echo/invocations"
    url = f"{gateway.http}{path}"
    host = [("Host", f"127.0.0.1:{gateway.port}")]
    unsigned = send_raw(gateway.port, "POST", path, host, b"{}")
    wrong_service = send_raw(
        gateway.port, "POST", path, [*host, *sigv4_headers("POST", url, b"{}").items()], b"{}"
    )
    client = boto3.session.Session().client(
        "lambda",
        endpoint_url=gateway.http,
        region_name="us-east-1",
        aws_access_key_id="anything",
        aws_secret_access_key="anything",
    )
    answer = client.invoke(FunctionName="tests.local.apps.echo", Payload=b"{}")
    assert unsigned.status == 403
    assert unsigned.getheader("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert wrong_service.status == 403
    assert "'lambda'" in json.loads(wrong_service.read())["message"]
    assert answer["StatusCode"] == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({"Origin": "https://attacker.example"}, 403, id="foreign-origin"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, 403, id="cross-site-fetch"),
        pytest.param({"Origin": "null"}, 403, id="null-origin"),
        pytest.param({"Origin": "http://localhost:5173"}, 200, id="loopback-page"),
        pytest.param({}, 200, id="no-browser"),
    ],
)
def test_a_forged_presigned_request_from_another_site_is_refused(serve, headers, status):
    """The signature is checked for form only, so a page could put a made-up presigned query
    on a simple cross-site POST (no preflight): the AWS APIs refuse other sites' pages."""
    gateway = serve(gateway_config())
    query = (
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x/20250101/us-east-1/lambda/"
        "aws4_request&X-Amz-Date=20250101T000000Z&X-Amz-SignedHeaders=host&X-Amz-Signature="
        + "0"
        * 64
    )
    path = f"/2015-03-31/functions/tests.local.apps.echo/invocations?{query}"
    answer = send_raw(
        gateway.port,
        "POST",
        path,
        [("Host", f"127.0.0.1:{gateway.port}"), ("Content-Type", "text/plain"), *headers.items()],
        b"{}",
    )
    assert answer.status == status


def test_boto3_and_presigned_requests_are_accepted(serve):
    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    gateway = serve(gateway_config())
    client = boto3.session.Session().client(
        "apigatewaymanagementapi",
        endpoint_url=gateway.management,
        region_name="eu-west-1",
        aws_access_key_id="anything",
        aws_secret_access_key="anything",
    )

    async def scenario() -> tuple[int, Any, int]:
        ws, connection_id = await open_and_identify(gateway.ws)
        unsigned = await asyncio.to_thread(
            send_raw,
            gateway.port,
            "GET",
            f"/local/@connections/{connection_id}",
            [("Host", f"127.0.0.1:{gateway.port}")],
        )
        await asyncio.to_thread(client.post_to_connection, ConnectionId=connection_id, Data=b"1")
        pushed = await asyncio.wait_for(ws.recv(), 5)
        request = AWSRequest(method="GET", url=f"{gateway.management}/@connections/{connection_id}")
        SigV4QueryAuth(Credentials("k", "s"), "execute-api", "us-east-1").add_auth(request)
        path = request.url.split(str(gateway.port), 1)[1]
        answer = await asyncio.to_thread(
            send_raw, gateway.port, "GET", path, [("Host", f"127.0.0.1:{gateway.port}")]
        )
        await ws.close()
        return unsigned.status, pushed, answer.status

    assert asyncio.run(scenario()) == (403, "1", 200)


# -- 4. slow clients, big bodies, too many connections --------------------------------------------


def closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed ``sock`` within ``seconds``, and what it sent first."""
    sock.settimeout(0.1)
    received = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            continue
        except ConnectionError:
            return True, received
        if not chunk:
            return True, received
        received += chunk
    return False, received


def test_slow_loris_connections_are_closed_and_others_still_served(serve):
    gateway = serve(gateway_config(header_timeout=0.5))
    sockets = [socket.create_connection(("127.0.0.1", gateway.port)) for _ in range(60)]
    try:
        for i, sock in enumerate(sockets):
            if i % 2:  # half send a partial request, half nothing at all
                sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        for _ in range(2):  # a trickle of bytes does not extend the deadline
            time.sleep(0.2)
            for sock in sockets[1::2]:
                sock.sendall(b"a")
        fresh = send_raw(gateway.port, "GET", "/", [("Host", "127.0.0.1")])
        assert fresh.status == 200
        verdicts = [closed_within(sock, 2.0) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert all(closed for closed, _ in verdicts)
    assert all(first.startswith(b"HTTP/1.1 408") for _, first in verdicts)


def test_a_body_sent_too_slowly_gets_408_and_the_connection_closes(serve):
    gateway = serve(gateway_config(body_timeout=0.5))
    with socket.create_connection(("127.0.0.1", gateway.port)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\nabc")
        started = time.monotonic()
        closed, answer = closed_within(sock, 5.0)
    assert closed
    assert time.monotonic() - started < 3
    assert answer.startswith(b"HTTP/1.1 408")


def test_a_declared_10_gb_body_gets_413_at_once_and_is_not_read(serve):
    gateway = serve(gateway_config())
    with socket.create_connection(("127.0.0.1", gateway.port)) as sock:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10737418240\r\n\r\n")
        sock.settimeout(5)
        started = time.monotonic()
        first = sock.recv(4096)
        assert first.startswith(b"HTTP/1.1 413")
        assert time.monotonic() - started < 1
        # The client keeps sending: the server stops listening within its linger time.
        closed = False
        while time.monotonic() - started < 6 and not closed:
            try:
                sock.sendall(b"x" * 65536)
                time.sleep(0.05)
            except (BrokenPipeError, ConnectionError):
                closed = True
            else:
                closed = closed_within(sock, 0.05)[0]
    assert closed, "the server kept reading the 10 GB body"


def test_connections_over_the_cap_get_503(serve):
    gateway = serve(gateway_config(max_connections=4, header_timeout=5))
    idle = [socket.create_connection(("127.0.0.1", gateway.port)) for _ in range(4)]
    try:
        time.sleep(0.2)
        refused = send_raw(gateway.port, "GET", "/", [("Host", "127.0.0.1")])
        assert refused.status == 503
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.2)
    assert send_raw(gateway.port, "GET", "/", [("Host", "127.0.0.1")]).status == 200


# -- 5. the SQLite store is private --------------------------------------------------------------


def test_sqlite_store_files_are_private(tmp_path):
    from lambdakit.websocket.stores.records import CONNECTED, ConnectionRecord
    from lambdakit.websocket.stores.sqlite import SQLiteStore

    folder = tmp_path / "state"
    store = SQLiteStore(folder / "connections.db")
    previous = os.umask(0o022)  # the usual umask: files 0644 unless the store says otherwise
    try:
        now = time.time()
        record = ConnectionRecord(
            connection_id="c1=",
            partition="p",
            crt=1,
            status=CONNECTED,
            connected_at=now,
            last_seen=now,
            ttl=int(now) + 60,
            client_data=None,
            disconnected_at=None,
        )
        asyncio.run(store.put(record))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    finally:
        os.umask(previous)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {"connections.db", "connections.db-wal", "connections.db-shm"} <= set(modes)
    assert set(modes.values()) == {0o600}, modes


# -- 6. --host: warning, URLs, endpoint ------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "shown"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
        ("::1", "[::1]"),
        ("::", "[::1]"),
        ("0.0.0.0", "127.0.0.1"),  # noqa: S104
        ("192.168.1.5", "192.168.1.5"),
        ("devbox.lan", "devbox.lan"),
    ],
)
def test_urls_and_endpoint_for_each_host(host, shown, monkeypatch):
    from lambdakit.local.cli import prepare_environment, url_host

    assert url_host(host) == shown
    monkeypatch.delenv("LAMBDAKIT_WS_ENDPOINT", raising=False)
    for name in ("LAMBDAKIT_CONNECTION_STORE", "LAMBDAKIT_TRACEBACK", "AWS_REGION"):
        monkeypatch.setenv(name, os.environ.get(name, "x"))
    prepare_environment(host, 3000, "local")
    endpoint = os.environ["LAMBDAKIT_WS_ENDPOINT"]
    assert endpoint == f"http://{shown}:3000/local"
    boto3.session.Session().client(  # botocore refuses http://::1:3000
        "apigatewaymanagementapi", endpoint_url=endpoint, region_name="us-east-1"
    )


def test_exposure_warning_names_what_is_exposed():
    from lambdakit.local.cli import exposure_warning

    config = gateway_config(allowed_hosts=("192.168.1.5",))
    assert exposure_warning("127.0.0.1", config) is None
    assert exposure_warning("::1", config) is None
    everywhere = exposure_warning("0.0.0.0", config)  # noqa: S104
    assert everywhere is not None
    assert "every network interface" in everywhere
    assert "HTTP functions" in everywhere
    assert "@connections" in everywhere
    assert "--allowed-host" in everywhere
    assert "192.168.1.5" in everywhere


def start_cli(*argv: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "LAMBDAKIT_CONNECTION_STORE": "memory"}
    environment.pop("LAMBDAKIT_WS_ENDPOINT", None)
    return subprocess.Popen(
        [sys.executable, "-m", "lambdakit", "serve", "--no-reload", *argv],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_cli_on_ipv6_loopback_prints_working_bracketed_urls():
    port = free_port()
    process = start_cli(
        "--http", "tests.local.apps:echo", "--websocket", "tests.local.apps:websocket",
        "--host", "::1", "--port", str(port),
    )  # fmt: skip
    try:
        banner: list[str] = []
        while not any("@connections:" in line for line in banner) and len(banner) < 40:
            banner.append(process.stdout.readline())  # type: ignore[union-attr]
        management = next(line for line in banner if "@connections:" in line).split()[-1]
        http_url = next(line for line in banner if "HTTP:" in line).split()[-1]
        assert http_url == f"http://[::1]:{port}"
        deadline = time.monotonic() + 15
        while True:
            try:
                connection = http.client.HTTPConnection("::1", port, timeout=2)
                connection.request("GET", "/")
                assert connection.getresponse().status == 200
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        client = boto3.session.Session().client(
            "apigatewaymanagementapi",
            endpoint_url=management.removesuffix("/@connections"),
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        with pytest.raises(client.exceptions.GoneException):  # signed, routed, answered
            client.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "WARNING" not in (process.stderr.read() if process.stderr else "")


def read_line(stream: Any, timeout: float) -> str:
    """A line of ``stream``, or ``""`` if none comes within ``timeout`` seconds."""
    ready, _, _ = select.select([stream], [], [], timeout)
    return str(stream.readline()) if ready else ""


def test_cli_on_all_interfaces_warns():
    process = start_cli("--http", "tests.local.apps:echo", "--host", "0.0.0.0", "--port", "0")  # noqa: S104
    try:
        warning = read_line(process.stderr, 15)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert warning.startswith("WARNING: lambdakit serve is listening on every network interface")
    assert "HTTP functions" in warning


# -- 7. logs -------------------------------------------------------------------------------------


@pytest.fixture
def uvicorn_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    loggers = [logging.getLogger(n) for n in ("uvicorn.access", "uvicorn.error")]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        for log, level in zip(loggers, levels, strict=False):
            log.removeHandler(handler)
            log.setLevel(level)


def test_logs_carry_no_query_strings_or_secret_path_segments(serve, uvicorn_logs, lambdakit_logs):
    gateway = serve(gateway_config())
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlc2lnbmF0dXJl"
    reset = "9f86d081884c7d659a2feaa0c55ad015"
    for path in ("/items/7?token=s3cr3t-query&x=1", f"/reset/{reset}", f"/session/{jwt}/items"):
        send_raw(gateway.port, "GET", path, [("Host", "127.0.0.1")]).read()

    async def websocket() -> None:
        async with connect(f"{gateway.ws}?token=s3cr3t-ws"):
            pass

    asyncio.run(websocket())
    time.sleep(0.2)
    text = uvicorn_logs.getvalue() + lambdakit_logs.text
    assert "/items/7" in text
    assert "/reset/[REDACTED]" in text
    assert "GET /" in text
    for secret in ("s3cr3t-query", "s3cr3t-ws", "token=", reset, jwt):
        assert secret not in text
