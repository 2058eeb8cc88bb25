from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambdakit import AppError, CorsConfig, LambdaResponse, aws_lambda_handler, get_body
from lambdakit.testing import (
    LambdaContext,
    alb_event,
    function_url_event,
    http_api_event,
    rest_event,
)

SECRET = "Bearer very-secret-token"


def envelope(result: dict[str, Any]) -> Any:
    return json.loads(result["body"])


def assert_proxy_result(result: dict[str, Any]) -> None:
    assert isinstance(result["statusCode"], int)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in result["headers"].items())
    assert isinstance(result["body"], str)
    assert isinstance(result["isBase64Encoded"], bool)


@pytest.mark.parametrize(
    "builder",
    [
        pytest.param(rest_event, id="rest"),
        pytest.param(http_api_event, id="http-api"),
        pytest.param(alb_event, id="alb"),
        pytest.param(function_url_event, id="function-url"),
    ],
)
def test_returned_data_becomes_the_success_envelope(builder):
    @aws_lambda_handler()
    def handler(event, context):
        return {"echo": get_body(event)}

    result = handler(builder("POST", "/items", body={"a": 1}), LambdaContext())

    assert_proxy_result(result)
    assert result["statusCode"] == 200
    assert result["isBase64Encoded"] is False
    assert result["headers"]["Content-Type"] == "application/json; charset=UTF-8"
    assert result["headers"]["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in result["headers"]
    body = envelope(result)
    assert body["rslt_cd"] == "S00000"
    assert body["rslt_msg"] == "Call Success"
    assert isinstance(body["duration"], float)
    assert body["data"] == {"echo": {"a": 1}}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"a": [1, 2.5, None, True], "zoë": "naïve"}, id="dict"),
        pytest.param([], id="list"),
        pytest.param("text", id="str"),
        pytest.param(None, id="none"),
    ],
)
def test_envelope_text_is_what_the_json_writer_gives(data):
    # The envelope's fixed part is written once; the text must still be _json's, byte for byte.
    from lambdakit import _json

    result = aws_lambda_handler()(lambda event, context: data)(rest_event(), LambdaContext())

    assert result["body"] == _json.dumps(json.loads(result["body"]))


@pytest.mark.parametrize("value", [[1, 2], "text", 3, None, True], ids=repr)
def test_lists_and_scalars_are_data_too(value):
    handler = aws_lambda_handler()(lambda event, context: value)
    assert envelope(handler(rest_event(), None))["data"] == value


def test_async_handlers_are_awaited():
    @aws_lambda_handler()
    async def handler(event, context):
        return {"async": True}

    assert envelope(handler(rest_event(), None))["data"] == {"async": True}


def test_dataclasses_and_decimals_serialise():
    from decimal import Decimal

    @dataclass
    class User:
        name: str
        score: Decimal

    handler = aws_lambda_handler()(lambda e, c: {"user": User("Ada", Decimal("1.5"))})
    assert envelope(handler(rest_event(), None))["data"] == {"user": {"name": "Ada", "score": 1.5}}


def test_lambda_response_is_passed_through_with_cors():
    @aws_lambda_handler()
    def handler(event, context):
        return LambdaResponse.create(body="created", content_type="text/plain", status_code=201)

    result = handler(rest_event(), None)
    assert result["statusCode"] == 201
    assert result["body"] == "created"
    assert result["headers"]["Content-Type"] == "text/plain; charset=UTF-8"
    assert result["headers"]["Access-Control-Allow-Origin"] == "*"


def test_proxy_dict_is_normalised():
    @aws_lambda_handler()
    def handler(event, context):
        return {"statusCode": 400, "message": "Invalid connection", "headers": {"X-Count": 3}}

    result = handler(rest_event(), None)
    assert_proxy_result(result)
    assert result["statusCode"] == 400
    assert json.loads(result["body"]) == {"message": "Invalid connection"}
    assert result["headers"]["X-Count"] == "3"


def test_app_error_gives_its_code_without_data():
    @aws_lambda_handler()
    def handler(event, context):
        raise AppError("B00001", "Missing request body")

    result = handler(rest_event(), None)
    assert result["statusCode"] == 200  # the seed's default
    body = envelope(result)
    assert body["rslt_cd"] == "B00001"
    assert body["rslt_msg"] == "Missing request body"
    assert "data" not in body
    assert "traceback" not in body


def test_app_error_status_and_details():
    @aws_lambda_handler()
    def handler(event, context):
        raise AppError("B00404", "Not found", status_code=404, details={"id": "7"})

    result = handler(rest_event(), None)
    assert result["statusCode"] == 404
    assert envelope(result)["details"] == {"id": "7"}


def test_unexpected_error_hides_the_traceback_by_default(monkeypatch):
    monkeypatch.delenv("LAMBDAKIT_TRACEBACK", raising=False)

    @aws_lambda_handler()
    def handler(event, context):
        raise ValueError("boom")

    result = handler(rest_event(), None)
    body = envelope(result)
    assert result["statusCode"] == 200
    assert body["rslt_cd"] == "S99999"
    assert body["rslt_msg"] == "boom"
    assert "traceback" not in body
    assert "Traceback" not in result["body"]


@pytest.mark.parametrize("how", ["option", "environment"])
def test_traceback_in_body_when_enabled(monkeypatch, how):
    if how == "environment":
        monkeypatch.setenv("LAMBDAKIT_TRACEBACK", "1")
        decorator = aws_lambda_handler()
    else:
        decorator = aws_lambda_handler(traceback=True)

    @decorator
    def handler(event, context):
        raise ValueError("boom")

    body = envelope(handler(rest_event(), None))
    assert "Traceback" in body["traceback"]
    assert "ValueError: boom" in body["traceback"]


def test_error_status_code_option():
    handler = aws_lambda_handler(error_status_code=500)(lambda e, c: 1 / 0)
    assert handler(rest_event(), None)["statusCode"] == 500


def test_error_receiver_gets_a_redacted_report():
    reports: list[str] = []

    @aws_lambda_handler(error_receiver=reports.append, redact_fields=["ssn"])
    def handler(event, context):
        raise RuntimeError("database down")

    event = rest_event(
        "POST",
        "/users",
        headers={"Authorization": SECRET, "Cookie": "session=abc", "X-Trace": "t-1"},
        body={"name": "Ada", "password": "hunter2", "ssn": "123-45-6789"},
        source_ip="198.51.100.7",
    )
    handler(event, None)

    assert len(reports) == 1
    report = reports[0]
    assert event["requestContext"]["requestId"] in report
    assert "POST /users" in report
    assert "198.51.100.7" in report
    assert "RuntimeError: database down" in report
    assert "Traceback" in report
    assert "t-1" in report
    for secret in (SECRET, "very-secret-token", "session=abc", "hunter2", "123-45-6789"):
        assert secret not in report


def test_async_error_receiver_is_awaited():
    reports: list[str] = []

    async def receiver(message: str) -> None:
        reports.append(message)

    aws_lambda_handler(error_receiver=receiver)(lambda e, c: 1 / 0)(rest_event(), None)
    assert "ZeroDivisionError" in reports[0]


def test_ignored_app_errors_are_not_reported():
    reports: list[str] = []

    @aws_lambda_handler(error_receiver=reports.append, ignore_app_errors=["B00404"])
    def handler(event, context):
        raise AppError(event["path"].strip("/"), "nope")

    handler(rest_event(path="/B00404"), None)
    assert reports == []
    handler(rest_event(path="/B00500"), None)
    assert len(reports) == 1


def test_client_errors_are_not_reported():
    reports: list[str] = []
    handler = aws_lambda_handler(error_receiver=reports.append)(lambda e, c: get_body(e))
    result = handler(rest_event("POST", body="{not json"), None)
    assert result["statusCode"] == 400
    assert envelope(result)["rslt_cd"] == "S40001"
    assert reports == []


def test_a_failing_receiver_leaves_the_response_unchanged(caplog):
    def receiver(message: str) -> None:
        raise ConnectionError("slack unreachable")

    handler = aws_lambda_handler(error_receiver=receiver)(lambda e, c: 1 / 0)
    baseline = aws_lambda_handler()(lambda e, c: 1 / 0)
    event = rest_event()
    result, expected = handler(event, None), baseline(event, None)
    assert result["statusCode"] == expected["statusCode"]
    assert envelope(result)["rslt_cd"] == envelope(expected)["rslt_cd"] == "S99999"
    assert envelope(result)["rslt_msg"] == "division by zero"


@pytest.mark.parametrize(
    ("returned", "body", "base64_encoded"),
    [
        pytest.param(
            {"data": "<root>XML response</root>"},
            "<root>XML response</root>",
            False,
            id="seed-data-key",
        ),
        pytest.param("<root/>", "<root/>", False, id="str"),
        pytest.param(b"\x00\x01", base64.b64encode(b"\x00\x01").decode(), True, id="bytes"),
    ],
)
def test_other_content_types_send_the_data_as_is(returned, body, base64_encoded):
    handler = aws_lambda_handler(content_type="application/xml")(lambda e, c: returned)
    result = handler(rest_event(), None)
    assert result["statusCode"] == 200
    assert result["body"] == body
    assert result["isBase64Encoded"] is base64_encoded
    expected_type = "application/xml" if base64_encoded else "application/xml; charset=UTF-8"
    assert result["headers"]["Content-Type"] == expected_type


def test_other_content_type_with_unrepresentable_data_is_an_error():
    handler = aws_lambda_handler(content_type="text/html")(lambda e, c: {"a": 1, "b": 2})
    result = handler(rest_event(), None)
    assert envelope(result)["rslt_cd"] == "S99999"
    assert result["headers"]["Content-Type"] == "application/json; charset=UTF-8"


def test_unserialisable_data_is_an_internal_error_not_a_crash():
    handler = aws_lambda_handler()(lambda e, c: {"value": object()})
    result = handler(rest_event(), None)
    assert_proxy_result(result)
    assert envelope(result)["rslt_cd"] == "S99999"


def test_direct_invocation_returns_the_envelope_itself():
    handler = aws_lambda_handler()(lambda e, c: {"task": e["task"]})
    result = handler({"task": "nightly"}, LambdaContext())
    assert result["rslt_cd"] == "S00000"
    assert result["data"] == {"task": "nightly"}
    assert "statusCode" not in result
    json.dumps(result)  # what the Lambda runtime will do with it


def test_direct_invocation_error_is_an_envelope():
    handler = aws_lambda_handler()(lambda e, c: 1 / 0)
    assert handler([1, 2, 3], None)["rslt_cd"] == "S99999"


def test_alb_multi_value_mode_answers_in_multi_value_headers():
    handler = aws_lambda_handler()(lambda e, c: {"ok": True})
    result = handler(alb_event(multi_value=True), None)
    assert "headers" not in result
    assert result["multiValueHeaders"]["Content-Type"] == ["application/json; charset=UTF-8"]
    assert result["statusDescription"] == "200 OK"


def test_http_api_response_cookies():
    @aws_lambda_handler()
    def handler(event, context):
        return LambdaResponse.create(body={}, cookies=["a=1; Secure", "b=2"])

    result = handler(http_api_event(), None)
    assert result["cookies"] == ["a=1; Secure", "b=2"]
    assert "multiValueHeaders" not in result


EVERY_TRIGGER = pytest.mark.parametrize(
    "builder",
    [
        pytest.param(rest_event, id="rest"),
        pytest.param(http_api_event, id="http-api"),
        pytest.param(alb_event, id="alb"),
        pytest.param(function_url_event, id="function-url"),
    ],
)


@EVERY_TRIGGER
def test_preflight_is_answered_without_calling_the_handler(builder):
    calls = []
    cors = CorsConfig(
        allow_origins=("https://app.example.com",),
        allow_methods=("GET", "POST"),
        allow_headers=("Content-Type",),
        allow_credentials=True,
        max_age=600,
    )
    handler = aws_lambda_handler(cors=cors)(lambda e, c: calls.append(1))
    result = handler(
        builder(
            "OPTIONS",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "POST",
            },
        ),
        None,
    )
    assert calls == []
    assert result["statusCode"] == 204
    headers = result.get("headers") or {k: v[0] for k, v in result["multiValueHeaders"].items()}
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert headers["Access-Control-Max-Age"] == "600"


@pytest.mark.parametrize("builder", [rest_event, http_api_event, function_url_event])
def test_a_plain_get_is_answered_without_viewing_the_event(builder, monkeypatch):
    """The common case reads the method from the plain dict, where it is (at the top, or in
    ``requestContext.http``): no view. (An ALB answer is written from the view.)"""

    def viewed(*args: Any) -> None:
        raise AssertionError("the event was viewed")

    handler = aws_lambda_handler()(lambda e, c: {"ok": True})
    event = builder("GET", headers={"Origin": "https://app.example.com"})
    monkeypatch.setattr("lambdakit.handler.LambdaEvent._of_dict", viewed)
    assert handler(event, None)["statusCode"] == 200


def test_configured_cors_reflects_only_allowed_origins():
    cors = CorsConfig(allow_origins=("https://app.example.com",))
    handler = aws_lambda_handler(cors=cors)(lambda e, c: {})
    allowed = handler(rest_event(headers={"Origin": "https://app.example.com"}), None)
    other = handler(rest_event(headers={"Origin": "https://evil.example"}), None)
    assert allowed["headers"]["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert allowed["headers"]["Vary"] == "Origin"
    assert "Access-Control-Allow-Origin" not in other["headers"]


def test_cors_can_be_switched_off():
    handler = aws_lambda_handler(cors=False)(lambda e, c: {})
    headers = handler(rest_event(headers={"Origin": "https://x.example"}), None)["headers"]
    assert not any(k.startswith("Access-Control") for k in headers)


def test_access_log_line(capsys, monkeypatch):
    logging.getLogger("lambdakit").setLevel(logging.INFO)
    handler = aws_lambda_handler(access_log=True)(lambda e, c: {})
    event = rest_event("GET", "/health", headers={"Authorization": SECRET})
    handler(event, None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    access = [line for line in lines if line["message"] == "request"]
    assert len(access) == 1
    entry = access[0]
    assert entry["request_id"] == event["requestContext"]["requestId"]
    assert entry["status"] == 200
    assert entry["rslt_cd"] == "S00000"
    assert entry["path"] == "/health"
    assert isinstance(entry["cold_start"], bool)
    assert isinstance(entry["duration_ms"], float)
    assert SECRET not in json.dumps(lines)


def test_access_log_is_off_by_default(capsys, monkeypatch):
    monkeypatch.delenv("LAMBDAKIT_ACCESS_LOG", raising=False)
    aws_lambda_handler()(lambda e, c: {})(rest_event(), None)
    assert '"message": "request"' not in capsys.readouterr().out


def test_errors_are_logged_with_traceback_and_request_id(capsys):
    handler = aws_lambda_handler()(lambda e, c: 1 / 0)
    event = rest_event()
    handler(event, None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    error = next(line for line in lines if line["level"] == "ERROR")
    assert error["request_id"] == event["requestContext"]["requestId"]
    assert error["rslt_cd"] == "S99999"
    assert "ZeroDivisionError" in error["exception"]["traceback"]


def test_bad_decorator_arguments_fail_early():
    with pytest.raises(TypeError):
        aws_lambda_handler(error_receiver="slack")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        aws_lambda_handler(ignore_app_errors="B00001")
    with pytest.raises(TypeError):
        aws_lambda_handler()("not a function")  # type: ignore[arg-type]


# -- regressions from review ---------------------------------------------------------------


def test_a_hand_built_lambda_response_is_normalised():
    @aws_lambda_handler()
    def handler(event, context):
        return LambdaResponse(headers={"X-Count": 5, "X-Flag": True}, body={"a": 1})  # type: ignore[arg-type, dict-item]

    result = handler(rest_event(), None)
    assert_proxy_result(result)
    assert result["headers"]["X-Count"] == "5"
    assert result["headers"]["X-Flag"] == "true"
    assert json.loads(result["body"]) == {"a": 1}


@pytest.mark.parametrize(
    "response",
    [
        pytest.param(LambdaResponse(statusCode=99999), id="bad-status"),
        pytest.param(LambdaResponse(multiValueHeaders={"X-A": 5}), id="bad-multi"),  # type: ignore[dict-item]
    ],
)
def test_a_broken_lambda_response_is_an_error_not_a_502(response):
    result = aws_lambda_handler()(lambda e, c: response)(http_api_event(), None)
    assert_proxy_result(result)
    assert 100 <= result["statusCode"] <= 599


def test_error_path_never_raises():
    from decimal import Decimal

    @aws_lambda_handler()
    def handler(event, context):
        raise AppError("B1", "x", details={"v": Decimal("Infinity")})

    result = handler(rest_event(), None)
    body = envelope(result)
    assert body["rslt_cd"] == "B1"
    assert "details" not in body
    assert handler({"direct": True}, None)["rslt_cd"] == "B1"


def test_cancelled_async_handler_is_an_internal_error():
    import asyncio

    @aws_lambda_handler()
    async def handler(event, context):
        raise asyncio.CancelledError

    assert envelope(handler(rest_event(), None))["rslt_cd"] == "S99999"


def test_decorator_cors_config_wins_over_create_defaults():
    cors = CorsConfig(
        allow_origins=("https://app.example.com",),
        allow_methods=("GET",),
        allow_headers=("Content-Type",),
        allow_credentials=True,
    )
    handler = aws_lambda_handler(cors=cors)(lambda e, c: LambdaResponse.create(body={"ok": 1}))
    allowed = handler(rest_event(headers={"Origin": "https://app.example.com"}), None)["headers"]
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert allowed["Access-Control-Allow-Credentials"] == "true"
    other = handler(rest_event(headers={"Origin": "https://evil.example"}), None)["headers"]
    assert "Access-Control-Allow-Origin" not in other


def test_vary_is_merged_not_replaced():
    cors = CorsConfig(allow_origins=("https://a.example",))
    handler = aws_lambda_handler(cors=cors)(
        lambda e, c: {"statusCode": 200, "headers": {"Vary": "Accept-Encoding"}, "body": ""}
    )
    headers = handler(rest_event(headers={"Origin": "https://a.example"}), None)["headers"]
    assert headers["Vary"] == "Accept-Encoding, Origin"


@pytest.mark.parametrize(
    "body", ["NaN", '{"x": Infinity}', "-Infinity", "1e999", '{"x": [-1e400]}']
)
def test_nan_and_infinity_are_not_json(body):
    """Nor a number past a float's range, which would parse as infinity and fail the answer."""
    reports: list[str] = []
    handler = aws_lambda_handler(error_receiver=reports.append)(lambda e, c: get_body(e))
    result = handler(rest_event("POST", body=body), None)
    assert result["statusCode"] == 400
    assert envelope(result)["rslt_cd"] == "S40001"
    assert reports == []


def test_a_body_that_is_not_a_string_is_a_malformed_event():
    event = rest_event("POST")
    event["body"] = {"a": 1}
    result = aws_lambda_handler()(lambda e, c: get_body(e))(event, None)
    assert result["statusCode"] == 400
    assert envelope(result)["rslt_cd"] == "S40000"


@pytest.mark.parametrize(
    ("content_type", "charset", "header"),
    [
        ("application/vnd.api+json", "UTF-8", "application/vnd.api+json; charset=UTF-8"),
        ("application/problem+json", "UTF-8", "application/problem+json; charset=UTF-8"),
        ("application/json", None, "application/json"),
    ],
)
def test_json_content_types_and_charset_are_kept(content_type, charset, header):
    handler = aws_lambda_handler(content_type=content_type, charset=charset)(lambda e, c: {})
    assert handler(rest_event(), None)["headers"]["Content-Type"] == header


def test_headers_and_request_context_serialise():
    from lambdakit import LambdaEvent

    @aws_lambda_handler()
    def handler(event, context):
        view = LambdaEvent(**event)
        return {"headers": view.headers, "context": view.requestContext}

    data = envelope(handler(rest_event(headers={"X-A": "1"}), None))["data"]
    assert data["headers"] == {"X-A": "1"}
    assert data["context"]["stage"] == "prod"


def test_alb_single_value_mode_sends_the_cookie_in_headers():
    handler = aws_lambda_handler()(
        lambda e, c: LambdaResponse.create(body={}, cookies=["s=1; HttpOnly"])
    )
    result = handler(alb_event(), None)
    assert result["headers"]["Set-Cookie"] == "s=1; HttpOnly"
    assert "multiValueHeaders" not in result


def test_error_status_code_must_be_a_status():
    with pytest.raises(ValueError, match="statusCode"):
        aws_lambda_handler(error_status_code=999)


def test_error_message_hides_exception_text():
    handler = aws_lambda_handler(error_message="Internal error")(
        lambda e, c: (_ for _ in ()).throw(RuntimeError("db password=hunter2"))
    )
    body = envelope(handler(rest_event(), None))
    assert body == {"rslt_cd": "S99999", "rslt_msg": "Internal error", "duration": body["duration"]}


def test_decorator_without_parentheses_says_so():
    @aws_lambda_handler  # type: ignore[arg-type]
    def handler(event, context):
        return {}

    with pytest.raises(TypeError, match="parentheses"):
        handler(rest_event(), None)  # type: ignore[call-arg, arg-type]


def test_error_receiver_timeout_bounds_a_hanging_receiver():
    import threading
    import time as clock

    release = threading.Event()

    def hangs(report: str) -> None:
        release.wait(10)

    handler = aws_lambda_handler(error_receiver=hangs, error_receiver_timeout=0.2)(
        lambda e, c: 1 / 0
    )
    started = clock.monotonic()
    result = handler(rest_event(), None)
    release.set()
    assert envelope(result)["rslt_cd"] == "S99999"
    assert clock.monotonic() - started < 5  # bounded by the option, not by the receiver
    with pytest.raises(ValueError, match="error_receiver_timeout"):
        aws_lambda_handler(error_receiver_timeout=0)


# -- regressions from the final review -------------------------------------------------------


def test_responses_and_cors_configs_copy_and_pickle():
    import copy
    import pickle

    response = LambdaResponse.create(body={"a": 1}, cookies=["s=1"])
    for clone in (
        copy.copy(response),
        copy.deepcopy(response),
        pickle.loads(pickle.dumps(response)),  # noqa: S301 - our own bytes
    ):
        assert clone == response
        assert clone.uses_default_cors is True
    assert response.replace(statusCode=201).statusCode == 201
    cors = CorsConfig(allow_origins=("https://a.example",))
    assert pickle.loads(pickle.dumps(cors)) == cors  # noqa: S301
    with pytest.raises(AttributeError, match="immutable"):
        del cors.allow_origins


def test_a_handlers_multi_value_origin_is_not_mixed_with_credentials():
    cors = CorsConfig(
        allow_origins=("https://a.example",),
        allow_methods=("GET",),
        allow_headers=("Content-Type",),
        allow_credentials=True,
    )
    handler = aws_lambda_handler(cors=cors)(
        lambda e, c: {
            "statusCode": 200,
            "multiValueHeaders": {"Access-Control-Allow-Origin": ["*"]},
            "body": "",
        }
    )
    result = handler(rest_event(headers={"Origin": "https://a.example"}), None)
    assert "Access-Control-Allow-Credentials" not in result["headers"]


def test_bad_options_fail_at_decoration():
    with pytest.raises(TypeError, match="strings"):
        aws_lambda_handler(redact_fields=[None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="finite"):
        aws_lambda_handler(error_receiver_timeout=float("inf"))


def test_an_error_with_an_unserialisable_code_still_answers():
    @aws_lambda_handler()
    def handler(event, context):
        raise AppError(("t", object()), "x")  # type: ignore[arg-type]

    result = handler(rest_event(), None)
    assert_proxy_result(result)
    assert envelope(result)["rslt_msg"] == "x"


def test_async_receiver_runs_on_the_handlers_loop():
    import asyncio

    loops = {}

    async def receiver(report: str) -> None:
        loops["receiver"] = asyncio.get_running_loop()

    @aws_lambda_handler(error_receiver=receiver)
    async def handler(event, context):
        loops["handler"] = asyncio.get_running_loop()
        raise RuntimeError("boom")

    handler(rest_event(), None)
    assert loops["receiver"] is loops["handler"]


def test_a_huge_receiver_timeout_from_the_environment_is_capped(monkeypatch):
    monkeypatch.setenv("LAMBDAKIT_ERROR_RECEIVER_TIMEOUT", "1e10")
    reports: list[str] = []
    handler = aws_lambda_handler(error_receiver=reports.append)(lambda e, c: 1 / 0)
    assert envelope(handler(rest_event(), None))["rslt_cd"] == "S99999"
    assert len(reports) == 1


def test_the_applications_log_level_is_kept():
    import subprocess
    import sys

    code = (
        "import logging, sys; from lambdakit import aws_lambda_handler;"
        "from lambdakit.testing import rest_event;"
        "logging.getLogger('lambdakit').setLevel(logging.WARNING);"
        "aws_lambda_handler(access_log=True)(lambda e, c: {})(rest_event(), None);"
        "print(logging.getLogger('lambdakit').level)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == str(30)
    assert '"message": "request"' not in result.stdout


# The success envelope writes its duration with handler._seconds_text, a faster way to the
# text of round(seconds, 6): exactly that text, ties, zero and odd values included.
@pytest.mark.parametrize(
    "seconds",
    [0.0, -0.0, 5e-7, 1.5e-6, 2.5e-6, 4.9999999e-7, 1e-6, 1.234567e-6, 0.0001, 0.000999999,
     0.1234565, 1.0, 999.9999995, 1e3, 999_999.9999994, 1e9, 1e-320, -1.5, float("inf"),
     float("nan")],
)  # fmt: skip
def test_duration_text_is_that_of_round(seconds: float) -> None:
    from lambdakit.handler import _seconds_text

    assert _seconds_text(seconds) == repr(round(seconds, 6))


@given(
    seconds=st.floats(min_value=0.0, max_value=2e3)
    | st.integers(0, 10**9).map(lambda micros: (micros + 0.5) / 1e6)  # ties
    | st.integers(0, 10**6).map(lambda micros: micros / 1e6)
)
def test_duration_text_is_that_of_round_everywhere(seconds: float) -> None:
    from lambdakit.handler import _seconds_text

    assert _seconds_text(seconds) == repr(round(seconds, 6))
