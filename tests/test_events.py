from __future__ import annotations

import base64

import pytest

from lambdakit import InvalidBodyError, LambdaEvent, get_body, get_headers, get_source_ip
from lambdakit.testing import alb_event, function_url_event, http_api_event, rest_event


def test_seed_constructor_and_from_event_are_the_same_view():
    event = rest_event("POST", "/a", headers={"X-Key": "v"}, body={"k": 1})
    for view in (LambdaEvent(**event), LambdaEvent.from_event(event)):
        assert view.body == '{"k": 1}'
        assert view.get_json_body() == {"k": 1}
        assert view.headers["x-key"] == "v"
        assert view.requestContext.request_id == event["requestContext"]["requestId"]
        assert view.requestContext.get_source_ip() == "203.0.113.10"


def test_from_event_does_not_copy():
    event = rest_event()
    assert LambdaEvent.from_event(event).raw_event is event


@pytest.mark.parametrize(
    ("event", "trigger"),
    [
        pytest.param(rest_event(), "rest", id="rest"),
        pytest.param(http_api_event(), "http", id="http-api"),
        pytest.param(function_url_event(), "function_url", id="function-url"),
        pytest.param(alb_event(), "alb", id="alb"),
        pytest.param({"detail-type": "Scheduled Event"}, "unknown", id="eventbridge"),
    ],
)
def test_trigger(event, trigger):
    assert LambdaEvent.from_event(event).trigger == trigger


def test_headers_ignore_case_and_keep_names():
    view = LambdaEvent.from_event(rest_event(headers={"Content-Type": "text/plain"}))
    assert view.headers["content-type"] == view.headers["CONTENT-TYPE"] == "text/plain"
    assert "CoNtEnT-tYpE" in view.headers
    assert list(view.headers) == ["Content-Type"]
    assert view.headers.get("missing") is None


def test_multi_value_headers():
    event = rest_event()
    event["headers"] = {"Accept": "b"}
    event["multiValueHeaders"] = {"Accept": ["a", "b"]}
    assert LambdaEvent.from_event(event).headers.get_all("accept") == ["a", "b"]


def test_multi_value_only_headers_are_joined():
    view = LambdaEvent.from_event(alb_event(headers={"Accept": "a"}, multi_value=True))
    view.raw_event["multiValueHeaders"]["accept"] = ["a", "b"]
    assert view.headers["Accept"] == "a, b"
    assert view.headers.get_all("ACCEPT") == ["a", "b"]


def alb_multi_value_event(**kwargs):
    return alb_event(multi_value=True, **kwargs)


@pytest.mark.parametrize(
    "builder",
    [rest_event, http_api_event, alb_multi_value_event, function_url_event],
    ids=["rest", "http-api", "alb-multi-value", "function-url"],
)
def test_query_parameters_read_the_same_on_every_trigger(builder):
    view = LambdaEvent.from_event(builder(query={"q": "a b&c", "tag": ["x", "y"]}))
    assert view.query_string_parameters["q"] == "a b&c"
    assert view.multi_value_query_string_parameters["tag"] == ["x", "y"]


def test_alb_single_value_mode_keeps_the_last_value_only():
    # As AWS documents: without multi-value mode an ALB passes the last value of a repeated name.
    view = LambdaEvent.from_event(alb_event(query={"tag": ["x", "y%"]}))
    assert view.query_string_parameters == {"tag": "y%"}
    assert view.multi_value_query_string_parameters == {"tag": ["y%"]}


def test_alb_multi_value_query_is_decoded():
    view = LambdaEvent.from_event(alb_event(query={"q": ["a b", "ç"]}, multi_value=True))
    assert view.multi_value_query_string_parameters == {"q": ["a b", "ç"]}


def test_null_maps_read_as_empty():
    event = rest_event()
    for key in (
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "pathParameters",
        "multiValueQueryStringParameters",
        "requestContext",
        "body",
    ):
        event[key] = None
    view = LambdaEvent.from_event(event)
    assert dict(view.headers) == {}
    assert view.query_string_parameters == {}
    assert view.multi_value_query_string_parameters == {}
    assert view.path_parameters == {}
    assert view.get_json_body() is None
    assert view.requestContext.get_source_ip() is None
    assert view.requestContext.request_id is None


def test_v2_cookies_and_cookie_header():
    assert LambdaEvent.from_event(http_api_event(cookies=["a=1", "b=2"])).cookies == ["a=1", "b=2"]
    view = LambdaEvent.from_event(rest_event(headers={"Cookie": "a=1; b=2"}))
    assert view.cookies == ["a=1", "b=2"]


def test_source_ip_per_trigger():
    assert get_source_ip(rest_event(source_ip="1.1.1.1")) == "1.1.1.1"
    assert get_source_ip(http_api_event(source_ip="2.2.2.2")) == "2.2.2.2"
    assert get_source_ip(function_url_event(source_ip="3.3.3.3")) == "3.3.3.3"
    event = alb_event(headers={"X-Forwarded-For": "10.0.0.1, 4.4.4.4"})
    assert get_source_ip(event) == "4.4.4.4"  # the address the ALB itself saw


def test_missing_body_is_none_not_an_error():
    for body in (None, ""):
        event = rest_event()
        event["body"] = body
        assert get_body(event) is None
    assert get_body(http_api_event()) is None


def test_base64_body_is_decoded():
    event = rest_event("POST", body="ignored")
    event["body"] = base64.b64encode('{"name": "Zoë"}'.encode()).decode()
    event["isBase64Encoded"] = True
    assert get_body(event) == {"name": "Zoë"}
    assert LambdaEvent.from_event(event).decoded_body == '{"name": "Zoë"}'.encode()


@pytest.mark.parametrize(
    ("body", "is_base64", "code"),
    [
        pytest.param("{oops", False, "S40001", id="bad-json"),
        pytest.param("[" * 100_000, False, "S40001", id="too-deep"),
        pytest.param("not base64!", True, "S40002", id="bad-base64"),
        pytest.param(base64.b64encode(b"\xff\xfe").decode(), True, "S40003", id="bad-utf8"),
        pytest.param("\ud800", False, "S40003", id="lone-surrogate"),
    ],
)
def test_malformed_body_is_a_client_error_with_its_own_code(body, is_base64, code):
    event = rest_event("POST")
    event["body"] = body
    event["isBase64Encoded"] = is_base64
    with pytest.raises(InvalidBodyError) as caught:
        get_body(event)
    assert caught.value.code == code
    assert caught.value.status_code == 400


def test_text_body():
    assert LambdaEvent.from_event(rest_event("POST", body="plain")).get_text_body() == "plain"


def test_get_headers_is_case_insensitive():
    assert get_headers(http_api_event(headers={"X-Api-Key": "k"}))["X-API-KEY"] == "k"


def test_request_context_fields():
    event = rest_event(stage="dev")
    context = LambdaEvent.from_event(event).requestContext
    assert context.stage == "dev"
    assert context.api_id == "abcdef1234"
    assert context.account_id == "123456789012"
    assert context.domain_name == "abcdef1234.execute-api.us-east-1.amazonaws.com"
    assert isinstance(context.time_epoch, int)
    assert context["stage"] == context.get("stage") == "dev"


def test_method_and_path():
    for builder in (rest_event, http_api_event, alb_event, function_url_event):
        view = LambdaEvent.from_event(builder("patch", "/x/1"))
        assert (view.http_method, view.path) == ("PATCH", "/x/1")


def test_wrongly_typed_fields_do_not_crash():
    event = {
        "httpMethod": 5,
        "headers": ["x"],
        "requestContext": "ctx",
        "body": 7,
        "queryStringParameters": "a=b",
    }
    view = LambdaEvent.from_event(event)
    assert view.http_method == ""
    assert dict(view.headers) == {}
    assert view.body is None
    assert view.query_string_parameters == {}
    assert view.requestContext.get_source_ip() is None
