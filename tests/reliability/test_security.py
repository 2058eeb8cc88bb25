"""Security review, as tests.

1. No traceback reaches a client unless enabled: the HTTP decorator, the WebSocket resolver,
   the local gateway's own errors; ``lambdakit serve`` turns tracebacks on for your functions
   only while it is bound to loopback.
2. Secrets stay out of logs and error notifications: headers (``Authorization``, cookies, API
   keys), query parameters, configured body fields, credentials in any field. The JSON log
   lines and the reports are captured and searched for every secret value.
3. CORS never combines ``*`` with credentials and never reflects an origin it does not allow.
4. The local server binds loopback by default: the listening socket, read from /proc/net/tcp.
5. Request-size limits: HTTP bodies over 10 MB are 413 (with and without Content-Length),
   WebSocket messages over 128 KB close with 1009, ``@connections`` posts over 128 KB are 413.

The ``$connect`` authorizer has its own file, ``test_authorizer.py``.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdakit import AppError, CorsConfig, LambdaResponse, aws_lambda_handler, get_body
from lambdakit.local.config import FunctionRef, GatewayConfig, HttpRoute, Limits, WebSocketApi
from lambdakit.testing import (
    LambdaContext,
    alb_event,
    function_url_event,
    http_api_event,
    rest_event,
    websocket_connect_event,
    websocket_message_event,
)
from lambdakit.websocket import WebSocketResolver
from tests.local.signing import sigv4_headers
from tests.reliability.conftest import free_port
from tests.test_fuzz import FUZZ

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "authorization": "Bearer SECRET-AUTH-e1f2a3b4c5",
    "cookie": "SECRET-COOKIE-77aa88bb",
    "api_key_header": "SECRET-APIKEY-x9y8z7",
    "token_query": "SECRET-QUERY-TOKEN-4455",
    "signature_query": "SECRET-SIG-6677",
    "password": "SECRET-PASSWORD-hunter2",
    "card_number": "SECRET-CARD-4111111111111111",
    "dob": "SECRET-DOB-1990-01-01",
    "user_pin": "SECRET-PIN-0000",
    "jwt_in_note": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl",
    "aws_key_in_data": "AKIAIOSFODNN7EXAMPLE",
}


@pytest.fixture(autouse=True)
def no_traceback_env(monkeypatch):
    monkeypatch.delenv("LAMBDAKIT_TRACEBACK", raising=False)


@pytest.fixture
def environment() -> Iterator[None]:
    """Put back whatever ``prepare_environment`` sets."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


# -- 1. tracebacks -----------------------------------------------------------------------------


def crash(event: Any, context: Any) -> Any:
    raise RuntimeError("boom at /srv/app/secret_module.py")


def has_traceback(text: str) -> bool:
    return "Traceback (most recent call last)" in text or 'File "' in text


@pytest.mark.parametrize(
    ("option", "env", "shown"),
    [
        pytest.param(None, None, False, id="default"),
        pytest.param(False, "1", False, id="off-beats-env"),
        pytest.param(None, "1", True, id="env"),
        pytest.param(True, None, True, id="on"),
    ],
)
@pytest.mark.parametrize("build", [rest_event, http_api_event, alb_event, function_url_event])
def test_http_tracebacks_only_when_enabled(monkeypatch, option, env, shown, build):
    if env:
        monkeypatch.setenv("LAMBDAKIT_TRACEBACK", env)
    handler = aws_lambda_handler(traceback=option)(crash)
    result = handler(build("POST", "/x", body={"a": 1}), LambdaContext())
    body = json.loads(result["body"])
    assert ("traceback" in body) == shown
    assert has_traceback(result["body"]) == shown


@pytest.mark.parametrize(
    "error",
    [
        AppError("B00001", "expected", status_code=409),
        ValueError("bad"),
        KeyError("k"),
        RecursionError("deep"),
    ],
)
def test_no_http_error_path_leaks_a_traceback_by_default(error):
    @aws_lambda_handler(error_message="Internal error")
    def handler(event: Any, context: Any) -> Any:
        raise error

    result = handler(rest_event(), LambdaContext())
    assert not has_traceback(result["body"])
    assert "secret_module" not in result["body"]


@pytest.mark.parametrize(("option", "shown"), [(None, False), (True, True)])
def test_websocket_tracebacks_only_when_enabled(option, shown):
    resolver = WebSocketResolver(traceback=option)
    resolver.on_connect()(lambda event, context, connection_id: crash(event, context))
    resolver.on_message("$default")(
        lambda event, context, connection_id, body: crash(event, context)
    )
    for event in (websocket_connect_event(), websocket_message_event("hi")):
        result = resolver.resolve(event, None)
        assert result["statusCode"] == 500
        assert has_traceback(result["body"]) == shown


def local_config() -> GatewayConfig:
    """``/crash`` raises (an undecorated function: a Lambda error); anything else echoes."""

    def ref(name: str) -> FunctionRef:
        return FunctionRef(f"tests.local.apps:{name}", 5)

    return GatewayConfig(
        http_routes=(
            HttpRoute("ANY", "/crash", ref("raises")),
            HttpRoute("ANY", "$default", ref("echo")),
        ),
        websocket=WebSocketApi(routes={}, catch_all=ref("websocket_crashes")),
    )


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    """``urlopen`` on the test gateway (loopback, http only)."""
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    return urllib.request.urlopen(request, timeout=10)  # noqa: S310


def test_the_local_gateways_own_errors_carry_no_traceback(serve):
    gateway = serve(local_config())
    with pytest.raises(urllib.error.HTTPError) as caught:
        fetch(gateway.http + "/crash")
    text = caught.value.read().decode()
    assert caught.value.code == 502
    assert json.loads(text) == {"message": "Internal server error"}

    async def frame() -> Any:
        async with connect(gateway.ws) as ws:
            await ws.send("hello")
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    answer = run(frame())
    assert answer["message"] == "Internal server error"
    assert not has_traceback(json.dumps(answer))


@pytest.mark.parametrize(
    ("host", "enabled"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),  # noqa: S104 - not bound: the rule is what is checked
        ("10.1.2.3", False),
    ],
)
def test_serve_enables_tracebacks_for_loopback_only(environment, host, enabled):
    from lambdakit.local.cli import prepare_environment

    os.environ.pop("LAMBDAKIT_TRACEBACK", None)
    prepare_environment(host, 3000, "local")
    assert (os.environ.get("LAMBDAKIT_TRACEBACK") == "1") == enabled


# -- 2. secrets in logs and notifications ------------------------------------------------------


def secret_request(build: Any) -> dict[str, Any]:
    headers = {
        "Authorization": SECRETS["authorization"],
        "Cookie": f"session={SECRETS['cookie']}",
        "X-Api-Key": SECRETS["api_key_header"],
        "X-Trace": "t-1",
    }
    body = {
        "name": "Ada",
        "password": SECRETS["password"],
        "payment": {"card_number": SECRETS["card_number"]},
        "dob": SECRETS["dob"],
        "profile": {"user_pin": SECRETS["user_pin"], "note": f"{SECRETS['jwt_in_note']}"},
        "data": [SECRETS["aws_key_in_data"]],
    }
    query = {"access_token": SECRETS["token_query"], "X-Amz-Signature": SECRETS["signature_query"]}
    return build("POST", "/users", headers=headers, query=query, body=body)


def assert_no_secret(text: str) -> None:
    leaked = [name for name, value in SECRETS.items() if value in text]
    assert not leaked, leaked


@pytest.mark.parametrize("build", [rest_event, http_api_event, alb_event, function_url_event])
def test_http_logs_and_reports_never_hold_a_secret(build, lambdakit_logs, capsys):
    reports: list[str] = []

    @aws_lambda_handler(error_receiver=reports.append, redact_fields=["dob"], access_log=True)
    def handler(event: Any, context: Any) -> Any:
        get_body(event)
        raise RuntimeError("database down")

    event = secret_request(build)
    if build is http_api_event:
        event["cookies"] = [f"session={SECRETS['cookie']}"]
    handler(event, LambdaContext())
    (report,) = reports
    assert_no_secret(report)
    assert_no_secret(lambdakit_logs.text)
    assert_no_secret(capsys.readouterr().out)
    for line in ("Authorization", "X-Api-Key", "access_token", "password", "dob", "user_pin"):
        assert f'"{line}":"[REDACTED]"' in report.replace("authorization", "Authorization").replace(
            "x-api-key", "X-Api-Key"
        ), line
    assert '"X-Trace":"t-1"' in report.replace("x-trace", "X-Trace")  # harmless values stay


def test_client_errors_echo_no_secret(lambdakit_logs):
    @aws_lambda_handler()
    def handler(event: Any, context: Any) -> Any:
        from dataclasses import dataclass

        @dataclass
        class Login:
            user: str
            attempts: int

        return get_body(event, Login)

    wrong = rest_event("POST", "/login", body={"user": 7, "attempts": SECRETS["password"]})
    broken = rest_event("POST", "/login", body=f"password={SECRETS['password']}&x=1")
    for event in (wrong, broken):
        result = handler(event, LambdaContext())
        assert 400 <= result["statusCode"] < 500
        assert_no_secret(result["body"])
    assert_no_secret(lambdakit_logs.text)


def test_websocket_logs_and_reports_never_hold_a_secret(lambdakit_logs):
    reports: list[str] = []
    resolver = WebSocketResolver(error_receiver=reports.append, redact_fields=("dob",))

    @resolver.on_connect()
    def on_connect(event: Any, context: Any, connection_id: str) -> Any:
        raise RuntimeError("auth service down")

    @resolver.on_message("$default")
    def on_message(event: Any, context: Any, connection_id: str, body: Any) -> Any:
        raise RuntimeError("handler bug")

    handshake = websocket_connect_event(
        headers={"Authorization": SECRETS["authorization"], "Cookie": SECRETS["cookie"]},
        query={"token": SECRETS["token_query"]},
    )
    message = websocket_message_event(
        {"password": SECRETS["password"], "dob": SECRETS["dob"], "note": SECRETS["jwt_in_note"]}
    )
    for event in (handshake, message):
        assert resolver.resolve(event, None)["statusCode"] == 500
    assert len(reports) == 2
    for report in reports:
        assert_no_secret(report)
    assert_no_secret(lambdakit_logs.text)


def test_the_local_gateway_logs_no_secret(serve, lambdakit_logs):
    gateway = serve(local_config())
    with fetch(
        gateway.http + f"/users?access_token={SECRETS['token_query']}",
        data=json.dumps({"password": SECRETS["password"]}).encode(),
        headers={"Authorization": SECRETS["authorization"], "Cookie": SECRETS["cookie"]},
    ) as answer:
        assert answer.status == 200
    with pytest.raises(urllib.error.HTTPError):
        fetch(
            gateway.http + f"/crash?token={SECRETS['token_query']}",
            headers={"Authorization": SECRETS["authorization"]},
        )
    assert lambdakit_logs.records  # it did log the requests
    assert_no_secret(lambdakit_logs.text)


# -- 3. CORS ------------------------------------------------------------------------------------

ALLOWED = ("https://app.example.com", "https://admin.example.com")
origins = st.one_of(
    st.sampled_from(
        [
            *ALLOWED,
            "https://app.example.com/",
            "https://APP.example.com",
            "http://app.example.com",
            "https://app.example.com.evil.com",
            "https://evil.com/https://app.example.com",
            "https://evil-app.example.com",
            "https://app.example.com:8443",
            "null",
            "*",
            "",
        ]
    ),
    st.text(max_size=40),
    st.none(),
)
configs = st.one_of(
    st.just(True),
    st.just(CorsConfig()),
    st.builds(
        CorsConfig,
        allow_origins=st.just(ALLOWED),
        allow_methods=st.just(("GET", "POST")),
        allow_headers=st.just(("Content-Type", "Authorization")),
        allow_credentials=st.booleans(),
        max_age=st.none() | st.integers(0, 86400),
    ),
)
outcomes = st.sampled_from(["data", "app-error", "crash", "response", "proxy", "preflight"])


def response_headers(result: dict[str, Any]) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in (result.get("headers") or {}).items():
        headers.setdefault(name.lower(), []).append(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.setdefault(name.lower(), []).extend(values)
    return headers


def assert_cors_is_sound(headers: dict[str, list[str]], origin: Any, cors: Any) -> None:
    allow_origin = headers.get("access-control-allow-origin", [])
    credentials = headers.get("access-control-allow-credentials", [])
    assert len(allow_origin) <= 1
    if "*" in allow_origin:
        assert not credentials, "'*' together with credentials"
    if allow_origin and allow_origin != ["*"]:
        assert isinstance(cors, CorsConfig)
        assert allow_origin == [origin], "an origin other than the request's"
        assert origin.rstrip("/") in ALLOWED, "an origin that is not allowed was reflected"
        assert any("origin" in v.lower() for v in headers.get("vary", [])), "no Vary: Origin"
    stranger = not isinstance(origin, str) or origin.rstrip("/") not in ALLOWED
    if isinstance(cors, CorsConfig) and not cors.wildcard and stranger:
        assert not allow_origin


def cors_handler(cors: Any, outcome: str) -> Any:
    @aws_lambda_handler(cors=cors)
    def handler(event: Any, context: Any) -> Any:
        if outcome == "app-error":
            raise AppError("B00409", "conflict", status_code=409)
        if outcome == "crash":
            raise RuntimeError("bug")
        if outcome == "response":
            return LambdaResponse.create(body={"ok": True}, status_code=201)
        if outcome == "proxy":
            return {"statusCode": 200, "headers": {"X-Own": "1"}, "body": "{}"}
        return {"ok": True}

    return handler


@FUZZ
@given(
    cors=configs,
    origin=origins,
    outcome=outcomes,
    build=st.sampled_from([rest_event, http_api_event, alb_event, function_url_event]),
)
def test_cors_never_allows_star_with_credentials_nor_reflects_a_stranger(
    cors, origin, outcome, build
):
    headers = {} if origin is None else {"Origin": origin}
    method = "GET"
    if outcome == "preflight":
        method = "OPTIONS"
        headers["Access-Control-Request-Method"] = "POST"
        headers["Access-Control-Request-Headers"] = "content-type"
    result = cors_handler(cors, outcome)(build(method, "/x", headers=headers), LambdaContext())
    assert_cors_is_sound(response_headers(result), origin, cors)


def test_credentials_with_a_wildcard_are_refused_at_configuration():
    for wildcard in (
        {"allow_origins": ("*",)},
        {"allow_origins": ALLOWED, "allow_headers": ("*",), "allow_methods": ("GET",)},
        {"allow_origins": ALLOWED, "allow_headers": ("X",), "allow_methods": ("*",)},
    ):
        with pytest.raises(ValueError, match="credentials"):
            CorsConfig(allow_credentials=True, **wildcard)


def test_a_handlers_own_star_origin_never_gets_credentials_added():
    cors = CorsConfig(
        allow_origins=ALLOWED,
        allow_methods=("GET",),
        allow_headers=("Content-Type",),
        allow_credentials=True,
    )

    @aws_lambda_handler(cors=cors)
    def handler(event: Any, context: Any) -> Any:
        return {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": ""}

    result = handler(rest_event(headers={"Origin": ALLOWED[0]}), LambdaContext())
    assert_cors_is_sound(response_headers(result), ALLOWED[0], cors)


# -- 4. loopback by default --------------------------------------------------------------------


def listening(port: int) -> list[str]:
    """The local addresses of the LISTEN sockets on ``port``, from /proc/net/tcp{,6}."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                address, port_hex = fields[1].rsplit(":", 1)
                if int(port_hex, 16) == port and fields[3] == "0A":  # 0A: TCP_LISTEN
                    found.append(address)
    return found


def test_serve_binds_loopback_by_default(tmp_path):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "LAMBDAKIT_SQLITE_PATH": str(tmp_path / "c")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lambdakit",
            "serve",
            "--http",
            "tests.local.apps:echo",
            "--port",
            str(port),
            "--no-reload",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not listening(port):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("lambdakit serve did not listen")
            time.sleep(0.05)
        # 0100007F is 127.0.0.1 as /proc/net/tcp writes it; nothing on 0.0.0.0 or IPv6.
        assert listening(port) == ["0100007F"]
    finally:
        server.terminate()
        server.wait(timeout=15)


# -- 5. request-size limits --------------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


def post(url: str, body: bytes, *, chunked: bool = False) -> tuple[int, bytes]:
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        if chunked:
            pieces = (body[i : i + 1024 * 1024] for i in range(0, len(body), 1024 * 1024))
            connection.request("POST", "/size", pieces, encode_chunked=True)
        else:
            connection.request("POST", "/size", body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_http_bodies_over_10_mb_are_413(serve, chunked):
    gateway = serve(
        GatewayConfig(
            http_routes=(
                HttpRoute("ANY", "$default", FunctionRef("tests.reliability.loadapp:http", 30)),
            )
        )
    )
    status, answer = post(gateway.http, b"a" * TEN_MB, chunked=chunked)
    assert status == 200
    assert json.loads(answer)["data"] == {"bytes": TEN_MB}
    status, answer = post(gateway.http, b"a" * (TEN_MB + 1), chunked=chunked)
    assert status == 413
    assert json.loads(answer) == {"message": "Request Entity Too Large"}


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


@pytest.mark.parametrize("unit", ["a", "é"], ids=["ascii", "two-byte-utf8"])
def test_websocket_messages_over_128_kb_close_with_1009(serve, unit):
    gateway = serve(
        GatewayConfig(
            websocket=WebSocketApi(
                routes={}, catch_all=FunctionRef("tests.local.apps:websocket", 5)
            ),
            limits=Limits(),
        )
    )
    limit = 128 * 1024
    at_limit = unit * (limit // len(unit.encode()))
    step = 32 * 1024 // len(unit.encode())  # frames within API Gateway's 32 KB

    def fragments(text: str) -> list[str]:
        return [text[i : i + step] for i in range(0, len(text), step)]

    async def scenario() -> tuple[Any, int | None]:
        async with connect(gateway.ws, max_size=None, compression=None) as ws:
            await ws.send(fragments(at_limit))
            echoed = json.loads(await asyncio.wait_for(ws.recv(), 10))
            try:
                await ws.send(fragments(at_limit + "a"))  # closed while the frames go out
                await asyncio.wait_for(ws.recv(), 10)
            except ConnectionClosed as closed:
                return echoed, closed.rcvd.code if closed.rcvd else None
            return echoed, None

    echoed, code = run(scenario())
    assert echoed == {"default": at_limit}
    assert code == 1009


def test_connections_api_posts_over_128_kb_are_413(serve):
    gateway = serve(
        GatewayConfig(
            websocket=WebSocketApi(
                routes={}, catch_all=FunctionRef("tests.local.apps:websocket", 5)
            )
        )
    )

    async def scenario() -> tuple[int, int]:
        async with connect(gateway.ws) as ws:
            await ws.send(json.dumps({"action": "echo"}))
            connection_id = json.loads(await asyncio.wait_for(ws.recv(), 10))["connectionId"]
            url = f"{gateway.management}/@connections/{connection_id}"
            statuses = []
            for size in (128 * 1024, 128 * 1024 + 1):
                body = b"x" * size
                try:
                    with fetch(url, data=body, headers=sigv4_headers("POST", url, body)) as answer:
                        statuses.append(answer.status)
                except urllib.error.HTTPError as refused:
                    statuses.append(refused.code)
            return statuses[0], statuses[1]

    assert run(scenario()) == (200, 413)
