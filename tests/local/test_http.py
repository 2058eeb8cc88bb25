from __future__ import annotations

import base64
import dataclasses
import json
import logging
import urllib.error
import urllib.request

import pytest

from lambdakit.local.config import FunctionRef, GatewayConfig, HttpRoute


def config(
    handler: str,
    *,
    version: str = "1.0",
    timeout: float = 5.0,
    path: str = "$default",
    method: str = "ANY",
) -> GatewayConfig:
    return GatewayConfig(
        http_routes=(
            HttpRoute(method, path, FunctionRef(f"tests.local.apps:{handler}", timeout), version),  # type: ignore[arg-type]
        )
    )


def request(
    url: str,
    *,
    method: str = "GET",
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, list[str]], bytes]:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - loopback
            status, raw_headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, raw_headers, body = error.code, error.headers, error.read()
    multi: dict[str, list[str]] = {}
    for name, value in raw_headers.items():
        multi.setdefault(name.lower(), []).append(value)
    return status, multi, body


def test_rest_event_shape(serve):
    gateway = serve(config("echo"))
    status, _, body = request(
        f"{gateway.http}/items/42?tag=a&tag=b&q=x%20y",
        method="POST",
        data=b'{"n": 1}',
        headers={"Content-Type": "application/json", "X-Custom": "v", "User-Agent": "test/1"},
    )
    assert status == 200
    event = json.loads(body)
    assert event["httpMethod"] == "POST"
    assert event["path"] == "/items/42"
    assert event["resource"] == "/{proxy+}"
    assert event["queryStringParameters"] == {"tag": "b", "q": "x y"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "q": ["x y"]}
    assert event["headers"]["X-Custom"] == "v"  # as sent: REST APIs keep the case
    assert event["multiValueHeaders"]["X-Custom"] == ["v"]
    assert event["body"] == '{"n": 1}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "test/1"
    assert context["stage"] == "local"
    assert context["path"] == "/items/42"  # the URL used (no stage: as SAM CLI serves it)
    assert context["requestId"]
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None


def test_path_parameters_from_route_templates(serve):
    gateway = serve(config("echo", path="/users/{user_id}/files/{path+}", method="GET"))
    status, _, body = request(f"{gateway.http}/users/7/files/a/b.txt")
    assert status == 200
    event = json.loads(body)
    assert event["pathParameters"] == {"user_id": "7", "path": "a/b.txt"}
    assert event["resource"] == "/users/{user_id}/files/{path+}"
    assert request(f"{gateway.http}/users/7/files/x", method="POST")[0] == 403
    status, _, body = request(f"{gateway.http}/nope")
    assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})


def test_http_api_event_shape(serve):
    gateway = serve(config("echo", version="2.0"))
    status, _, body = request(
        f"{gateway.http}/v2/path?a=1&a=2", headers={"Cookie": "s=1; t=2", "X-Two": "2"}
    )
    event = json.loads(body)
    assert status == 200
    assert event["version"] == "2.0"
    assert event["rawPath"] == "/v2/path"
    assert event["rawQueryString"] == "a=1&a=2"
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert event["cookies"] == ["s=1", "t=2"]
    assert "cookie" not in event["headers"]
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert event["routeKey"] == "$default"


def test_binary_request_body_is_base64(serve):
    gateway = serve(
        dataclasses.replace(config("echo"), binary_media_types=("application/octet-stream",))
    )
    payload = b"\x00\x01\xfe\xff"
    _, _, body = request(
        gateway.http + "/upload",
        method="POST",
        data=payload,
        headers={"Content-Type": "application/octet-stream"},
    )
    event = json.loads(body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload


def test_binary_response_and_multi_value_headers(serve):
    """A REST API sends a base64-encoded result as bytes only when the request's first
    Accept type is one of its binary media types; otherwise as the base64 text, as AWS does."""
    gateway = serve(dataclasses.replace(config("echo"), binary_media_types=("image/png",)))
    png = {"Accept": "image/png"}
    status, headers, body = request(gateway.http + "/binary", headers=png)
    assert (status, body) == (200, b"\x89PNG\x00\xff")
    assert headers["content-type"] == ["image/png"]
    encoded = base64.b64encode(b"\x89PNG\x00\xff")
    for accept in ({}, {"Accept": "*/*"}, {"Accept": "text/html,image/png"}):
        assert request(gateway.http + "/binary", headers=accept)[2] == encoded, accept
    anything = serve(dataclasses.replace(config("echo"), binary_media_types=("*/*",)))
    assert request(anything.http + "/binary", headers={"Accept": "text/html"})[2] == (
        b"\x89PNG\x00\xff"
    )
    status, headers, _ = request(gateway.http + "/cookies")
    assert status == 201
    assert headers["set-cookie"] == ["a=1", "b=2"]
    assert headers["x-one"] == ["1"]


def test_v2_response_cookies_and_inferred_responses(serve):
    gateway = serve(config("echo", version="2.0"))
    _, headers, _ = request(gateway.http + "/v2-cookies")
    assert headers["set-cookie"] == ["a=1", "b=2"]
    inferred = serve(config("inferred", version="2.0"))
    status, headers, body = request(inferred.http + "/")
    assert (status, json.loads(body)) == (200, {"hello": "world"})


def test_lambda_context(serve):
    gateway = serve(config("echo", timeout=7))
    data = json.loads(request(gateway.http + "/context")[2])
    assert data["request_id"]
    assert 0 < data["remaining"] <= 7000
    assert data["function_name"] == "tests.local.apps.echo"


@pytest.mark.parametrize(
    ("handler", "reason"),
    [
        pytest.param("malformed_body", "body must be a string", id="body-not-string"),
        pytest.param("malformed_status", "statusCode must be an integer", id="status-string"),
        pytest.param("malformed_extra", "unexpected fields ['message']", id="extra-field"),
        pytest.param("not_a_dict", "must be a JSON object", id="list"),
    ],
)
def test_malformed_results_are_502_with_a_log_line(serve, caplog, handler, reason):
    gateway = serve(config(handler))
    from lambdakit.logs import configure_logging

    configure_logging()  # set up on first use: do it before changing it
    logger = logging.getLogger("lambdakit")
    logger.propagate = True
    try:
        with caplog.at_level(logging.ERROR, logger="lambdakit"):
            status, _, body = request(gateway.http + "/")
    finally:
        logger.propagate = False
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
    assert "Malformed Lambda proxy response" in caplog.text
    assert reason in caplog.text


def test_a_status_of_digits_is_read_as_api_gateway_reads_it(serve):
    status, _, body = request(serve(config("status_as_digits")).http + "/")
    assert (status, body) == (201, b"made")


def test_an_http_api_skips_fields_a_rest_api_refuses(serve):
    # An HTTP API route of payload 1.0 (the kind of API from the payload: 2.0 is an HTTP API).
    status, _, body = request(serve(config("malformed_extra", version="2.0")).http + "/")
    assert (status, body) == (200, b"x")


@pytest.mark.parametrize(
    ("version", "content_type"),
    [
        pytest.param("1.0", "application/json", id="rest"),
        pytest.param("2.0", "text/plain; charset=utf-8", id="http-api"),
    ],
)
def test_a_response_without_content_type_gets_the_apis_default(serve, version, content_type):
    status, headers, _ = request(serve(config("no_content_type", version=version)).http + "/")
    assert (status, headers["content-type"]) == (200, [content_type])


def test_an_http_api_answers_a_failed_integration_with_500(serve):
    for handler in ("raises", "malformed_body"):
        status, _, body = request(serve(config(handler, version="2.0")).http + "/")
        assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})


def test_a_missing_rest_route_is_a_missing_authentication_token(serve):
    status, headers, body = request(serve(config("echo", path="/items")).http + "/other")
    assert (status, body) == (403, b'{"message":"Missing Authentication Token"}')
    assert headers["x-amzn-errortype"] == ["MissingAuthenticationTokenException"]


def test_handler_error_is_502_and_the_server_keeps_serving(serve):
    gateway = serve(config("raises"))
    assert request(gateway.http + "/")[0] == 502
    assert request(gateway.http + "/")[0] == 502


def test_handler_past_its_timeout_is_502(serve):
    gateway = serve(config("hangs", timeout=0.3))
    status, _, body = request(gateway.http + "/")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})


def test_request_over_10_mb_is_413(serve):
    gateway = serve(config("echo"))
    status, _, _ = request(gateway.http + "/", method="POST", data=b"x" * (10 * 1024 * 1024 + 1))
    assert status == 413
