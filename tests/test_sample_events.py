"""Every real HTTP / WebSocket sample event through the helpers and ``aws_lambda_handler``.

The expected values in ``CASES`` were read from each file by hand: a change in how lambdakit
reads an event shows up here as a difference against what AWS actually sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest

from lambdakit import (
    InvalidBodyError,
    LambdaEvent,
    aws_lambda_handler,
    get_body,
    get_headers,
    get_source_ip,
)
from lambdakit.testing import LambdaContext
from tests.conftest import event_names, load_event

REQUEST_ID_FOR_ALB = "alb-has-no-request-id"


@dataclass(frozen=True)
class Invalid:
    """The body cannot be read: the decorator answers 400 with this ``rslt_cd``."""

    code: str


NOT_JSON = Invalid("S40001")
NOT_BASE64 = Invalid("S40002")


@dataclass(frozen=True)
class Expected:
    trigger: str
    method: str
    path: str
    source_ip: str | None
    #: A header looked up in another case than the file has, and its value (None: absent).
    header: tuple[str, str | None]
    body: Any
    request_id: str | None
    query: dict[str, str] = field(default_factory=dict)
    multi_query: dict[str, list[str]] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)


# What the samples share: REST (powertools) and HTTP API / Function URL query strings.
REST_QUERY = {"parameter1": "value1", "parameter2": "value"}
MULTI_QUERY = {"parameter1": ["value1", "value2"], "parameter2": ["value"]}
V2_QUERY = {"parameter1": "value1,value2", "parameter2": "value"}
V2_COOKIES = ["cookie1", "cookie2"]
GO_REQUEST_ID = "deef4878-7910-11e6-8f14-25afc3e9ae33"
CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/102.0.0.0 Safari/537.36"
)
ALB_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/71.0.3578.98 Safari/537.36"
)


def rest(path: str, body: Any, **fields: Any) -> Expected:
    """The powertools REST samples."""
    values: dict[str, Any] = {
        "trigger": "rest",
        "method": "GET",
        "path": path,
        "source_ip": "192.168.0.1/32",
        "header": ("HEADER1", "value1"),
        "body": body,
        "request_id": "id=",
        "query": REST_QUERY,
        "multi_query": MULTI_QUERY,
    }
    return Expected(**(values | fields))


def v2(path: str, body: Any, **fields: Any) -> Expected:
    """The HTTP API samples (both projects use the same query string and cookies)."""
    values: dict[str, Any] = {
        "trigger": "http",
        "method": "GET",
        "path": path,
        "source_ip": "192.168.0.1/32",
        "header": ("header2", "value1,value2"),
        "body": body,
        "request_id": "id",
        "query": V2_QUERY,
        "multi_query": MULTI_QUERY,
        "cookies": V2_COOKIES,
    }
    return Expected(**(values | fields))


def function_url(path: str, body: Any, **fields: Any) -> Expected:
    values: dict[str, Any] = {
        "path": path,
        "body": body,
        "trigger": "function_url",
        "method": "POST",
        "source_ip": "123.123.123.123",
        "header": ("HEADER2", "value1,value2"),
    }
    return v2(**(values | fields))


def alb(path: str, source_ip: str, header: tuple[str, str], body: Any, **fields: Any) -> Expected:
    values: dict[str, Any] = {
        "trigger": "alb",
        "method": "GET",
        "path": path,
        "source_ip": source_ip,
        "header": header,
        "body": body,
        "request_id": None,  # an ALB gives none
    }
    return Expected(**(values | fields))


def websocket(
    source_ip: str, header: tuple[str, str | None], body: Any, request_id: str
) -> Expected:
    return Expected("websocket", "", "", source_ip, header, body, request_id)


GO_REST = rest(
    "/hello/world",
    {"a": 1},
    method="POST",
    source_ip="192.168.196.186",
    header=("user-agent", "PostmanRuntime/2.4.5"),
    request_id=GO_REQUEST_ID,
    query={"name": "me"},
    multi_query={"name": ["me"]},
)
GO_V2 = v2("/my/path", {"a": 1}, source_ip="IP", header=("header1", "value1"))
HELLO_TOM = {"message": "hello world", "username": "tom"}
LESSA = {"message": "hello world", "username": "lessa"}

CASES: dict[str, Expected] = {
    # REST APIs (payload 1.0)
    "aws-lambda-go/apigw-request.json": GO_REST,
    "aws-lambda-go/apigw-restapi-openapi-request.json": GO_REST,
    "powertools/apiGatewayProxyEvent.json": rest("/my/path", NOT_JSON),
    "powertools/apiGatewayProxyEventAnotherPath.json": rest("/my/anotherPath", NOT_BASE64),
    "powertools/apiGatewayProxyEventNoOrigin.json": rest("/my/path", NOT_JSON),
    "powertools/apiGatewayProxyEventPathTrailingSlash.json": rest("/my/path/", NOT_BASE64),
    "powertools/apiGatewayProxyEvent_noVersionAuth.json": rest("/my/path", NOT_BASE64),
    "powertools/apiGatewayProxyOtherEvent.json": rest(
        "/other/path", NOT_JSON, header=("origin", "https://aws.amazon.com")
    ),
    "powertools/apiGatewayProxyEventPrincipalId.json": rest(
        "/trip",
        None,
        method="POST",
        source_ip=None,
        header=("Content-Type", None),
        request_id="34972478-2843-4ced-a657-253108738274",
        query={},
        multi_query={},
    ),
    "powertools/apigatewayeSchemaMiddlwareInvalidEvent.json": rest(
        "/my/path", {"username": "lessa"}, method="POST"
    ),
    "powertools/apigatewayeSchemaMiddlwareValidEvent.json": rest("/my/path", LESSA, method="POST"),
    # HTTP APIs (payload 2.0)
    "aws-lambda-go/apigw-v2-request-iam.json": GO_V2,
    "aws-lambda-go/apigw-v2-request-jwt-authorizer.json": GO_V2,
    "aws-lambda-go/apigw-v2-request-lambda-authorizer.json": GO_V2,
    "aws-lambda-go/apigw-v2-request-no-authorizer.json": v2(
        "/",
        None,
        source_ip="1.2.3.4",
        header=("User-Agent", "curl/7.58.0"),
        request_id="LV7fzho-PHcEJPw=",
        query={},
        multi_query={},
        cookies=[],
    ),
    "powertools/apiGatewayProxyV2Event.json": v2("/my/path", HELLO_TOM, method="POST"),
    "powertools/apiGatewayProxyV2EventPathTrailingSlash.json": v2(
        "/my/path/", HELLO_TOM, method="POST"
    ),
    "powertools/apiGatewayProxyV2Event_GET.json": v2("/my/path", None),
    "powertools/apiGatewayProxyV2IamEvent.json": v2(
        "/my/path", {"a": 1}, header=("HEADER2", "value2")
    ),
    "powertools/apiGatewayProxyV2OtherGetEvent.json": v2("/other/path", None),
    "powertools/apiGatewayProxyV2SchemaMiddlwareInvalidEvent.json": v2(
        "/my/path", {"username": "lessa"}, method="POST"
    ),
    "powertools/apiGatewayProxyV2SchemaMiddlwareValidEvent.json": v2(
        "/my/path", LESSA, method="POST"
    ),
    # Application Load Balancer: the client address is the last X-Forwarded-For entry.
    "aws-lambda-go/alb-lambda-target-request-headers-only.json": alb(
        "/",
        "25.12.198.67",
        ("X-MyHeader", "123"),
        None,
        query={"key": "hello"},
        multi_query={"key": ["hello"]},
    ),
    "aws-lambda-go/alb-lambda-target-request-multivalue-headers.json": alb(
        "/",
        "72.21.198.67",
        ("X-MyHeader", "123"),
        None,
        query={"key": "hello"},
        multi_query={"key": ["hello"]},
    ),
    "powertools/albEvent.json": alb(
        "/lambda",
        "72.12.164.125",
        ("User-Agent", ALB_UA),
        NOT_JSON,
        query={"query": "1234ABCD"},
        multi_query={"query": ["1234ABCD"]},
    ),
    "powertools/albEventPathTrailingSlash.json": alb(
        "/lambda/",
        "72.12.164.125",
        ("User-Agent", ALB_UA),
        NOT_JSON,
        query={"query": "1234ABCD"},
        multi_query={"query": ["1234ABCD"]},
    ),
    "powertools/albMultiValueHeadersEvent.json": alb(
        "/todos", "123.123.123.123", ("User-Agent", "curl/7.79.1"), None
    ),
    # In multi-value mode a header sent twice reads as its values joined (RFC 9110 5.3), and a
    # query parameter sent twice as its last value, as an ALB does in single-value mode.
    "powertools/albMultiValueQueryStringEvent.json": alb(
        "/todos",
        "123.123.123.123",
        ("HEADER2", "value1, value2"),
        None,
        query={"parameter1": "value2", "parameter2": "value"},
        multi_query=MULTI_QUERY,
    ),
    # Lambda Function URLs
    "aws-lambda-go/lambda-urls-request.json": function_url("/my/path", NOT_JSON),
    "powertools/lambdaFunctionUrlEvent.json": function_url(
        "/",
        None,
        method="GET",
        header=("User-Agent", CHROME_UA),
        query={},
        multi_query={},
        cookies=[],
    ),
    "powertools/lambdaFunctionUrlEventPathTrailingSlash.json": function_url("/my/path/", NOT_JSON),
    # This sample has queryStringParameters but an empty rawQueryString.
    "powertools/lambdaFunctionUrlEventWithHeaders.json": function_url(
        "/",
        None,
        method="GET",
        header=("Header1", "value1"),
        multi_query={"parameter1": ["value1,value2"], "parameter2": ["value"]},
        cookies=[],
    ),
    "powertools/lambdaFunctionUrlIAMEvent.json": function_url("/my/path", NOT_JSON),
    # WebSocket APIs: no HTTP method or path; only $connect carries headers. The aws-lambda-go
    # apigw-websocket-request.json mixes in REST fields (see the quirk test below).
    "aws-lambda-go/apigw-websocket-request.json": rest(
        "/hello/world",
        {"a": 1},
        trigger="websocket",
        method="POST",
        source_ip="192.168.196.186",
        header=("user-agent", "PostmanRuntime/2.4.5"),
        request_id=GO_REQUEST_ID,
        query={"name": "me"},
        multi_query={"name": ["me"]},
    ),
    "aws-lambda-go/apigw-websocket-request-disconnect.json": websocket(
        "49.105.91.154",
        ("host", "dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com"),
        None,
        "R1koeHsUtjMFbRw=",
    ),
    "aws-lambda-go/apigw-websocket-request-send-message.json": websocket(
        "49.105.91.154", ("Host", None), {"a": 1}, "R1knPH17NjMFftw="
    ),
    "powertools/apiGatewayWebSocketApiConnect.json": websocket(
        "166.90.225.1", ("sec-websocket-version", "13"), None, "BFHPhFe3IAMF95g="
    ),
    "powertools/apiGatewayWebSocketApiDisconnect.json": websocket(
        "166.90.225.1",
        ("HOST", "asasasas.execute-api.us-east-1.amazonaws.com"),
        None,
        "BFbOeE87IAMF31w=",
    ),
    "powertools/apiGatewayWebSocketApiMessage.json": websocket(
        "166.90.225.1",
        ("Host", None),
        {"action": "chat", "message": "Hello from client"},
        "BFaVtH2HoAMFZEQ=",
    ),
}

PARAMS = [pytest.param(name, expected, id=name) for name, expected in CASES.items()]


def test_every_fixture_has_a_case() -> None:
    assert sorted(CASES) == event_names()


def _header_in_file(event: dict[str, Any], name: str) -> str | None:
    """The case the file itself uses for ``name``, if it has that header."""
    for source in (event.get("headers"), event.get("multiValueHeaders")):
        for key in source or {}:
            if key.lower() == name.lower():
                return str(key)
    return None


# -- the helpers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), PARAMS)
def test_helpers_read_the_sample(name: str, expected: Expected) -> None:
    event = load_event(name)
    header_name, header_value = expected.header
    in_file = _header_in_file(event, header_name)
    if header_value is not None:  # the lookup really is in another case than the file's
        assert in_file is not None
        assert in_file != header_name

    assert get_source_ip(event) == expected.source_ip
    assert get_headers(event).get(header_name) == header_value
    assert (header_name in get_headers(event)) is (header_value is not None)

    for view in (LambdaEvent(**event), LambdaEvent.from_event(event)):
        assert view.trigger == expected.trigger
        assert view.http_method == expected.method
        assert view.path == expected.path
        assert view.requestContext.get_source_ip() == expected.source_ip
        assert view.requestContext.request_id == expected.request_id
        assert view.headers.get(header_name) == header_value
        assert dict(view.query_string_parameters) == expected.query
        assert dict(view.multi_value_query_string_parameters) == expected.multi_query
        assert view.cookies == expected.cookies

    if isinstance(expected.body, Invalid):
        with pytest.raises(InvalidBodyError) as caught:
            get_body(event)
        assert caught.value.code == expected.body.code
        assert caught.value.status_code == 400
    else:
        assert get_body(event) == expected.body


def test_lambda_event_keeps_the_raw_event(load_event: Any) -> None:
    event = load_event("powertools/apiGatewayProxyEvent.json")
    assert LambdaEvent.from_event(event).raw_event is event
    assert LambdaEvent(**event).raw_event == event
    assert LambdaEvent(**event)["body"] == "Hello from Lambda!"


# -- through the decorator ---------------------------------------------------------------------


def make_probe(header_name: str) -> Any:
    @aws_lambda_handler()
    def probe(event: dict[str, Any], context: Any) -> dict[str, Any]:
        view = LambdaEvent.from_event(event)
        return {
            "source_ip": get_source_ip(event),
            "header": get_headers(event).get(header_name),
            "trigger": view.trigger,
            "query": dict(view.query_string_parameters),
            "multi_query": dict(view.multi_value_query_string_parameters),
            "cookies": view.cookies,
            "body": get_body(event),
        }

    return probe


PROXY_KEYS = {
    "rest": {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"},
    "websocket": {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"},
    "http": {"statusCode", "headers", "cookies", "body", "isBase64Encoded"},
    "function_url": {"statusCode", "headers", "cookies", "body", "isBase64Encoded"},
    "alb": {
        "statusCode",
        "statusDescription",
        "headers",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
    },
}


def assert_proxy_result(result: Any, event: dict[str, Any]) -> dict[str, str]:
    """``result`` is a proxy result the event's trigger accepts; returns its headers."""
    trigger = LambdaEvent.from_event(event).trigger
    assert isinstance(result, dict)
    assert set(result) <= PROXY_KEYS[trigger], set(result) - PROXY_KEYS[trigger]
    status = result["statusCode"]
    assert type(status) is int
    assert 100 <= status <= 599
    assert isinstance(result["body"], str)
    assert type(result["isBase64Encoded"]) is bool
    if trigger in ("http", "function_url"):
        assert "multiValueHeaders" not in result
    if trigger == "alb":
        assert result["statusDescription"] == f"{status} {HTTPStatus(status).phrase}"
    if trigger == "alb" and isinstance(event.get("multiValueHeaders"), dict):
        # Multi-value mode: the ALB reads multiValueHeaders only.
        assert "headers" not in result
        multi = result["multiValueHeaders"]
        assert all(
            isinstance(k, str) and isinstance(vs, list) and all(isinstance(v, str) for v in vs)
            for k, vs in multi.items()
        )
        return {k: ", ".join(vs) for k, vs in multi.items()}
    headers = result["headers"]
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    return dict(headers)


@pytest.mark.parametrize(("name", "expected"), PARAMS)
def test_decorator_answers_the_sample(name: str, expected: Expected) -> None:
    event = load_event(name)
    header_name, header_value = expected.header
    result = make_probe(header_name)(event, LambdaContext(aws_request_id=REQUEST_ID_FOR_ALB))

    headers = assert_proxy_result(result, event)
    assert headers["Content-Type"] == "application/json; charset=UTF-8"
    assert headers["Access-Control-Allow-Origin"] == "*"
    envelope = json.loads(result["body"])
    assert result["isBase64Encoded"] is False
    if isinstance(expected.body, Invalid):
        assert result["statusCode"] == 400
        assert envelope["rslt_cd"] == expected.body.code
        assert "traceback" not in envelope
        assert "Traceback" not in result["body"]
        return
    assert result["statusCode"] == 200
    assert envelope["rslt_cd"] == "S00000"
    assert envelope["data"] == {
        "source_ip": expected.source_ip,
        "header": header_value,
        "trigger": expected.trigger,
        "query": expected.query,
        "multi_query": expected.multi_query,
        "cookies": expected.cookies,
        "body": expected.body,
    }


# -- the quirks of /work/shared/events/README.md -----------------------------------------------


def test_quirk_go_websocket_request_mixes_rest_and_websocket_fields(load_event: Any) -> None:
    """Not a real capture: it has httpMethod/path (REST) and connectionId/eventType."""
    event = load_event("aws-lambda-go/apigw-websocket-request.json")
    assert event["httpMethod"] == "POST"
    view = LambdaEvent(**event)
    assert view.trigger == "websocket"  # the WebSocket fields win
    assert view.requestContext.connection_id == "TWegAcC4EowCHnA="
    assert view.requestContext.event_type == "CONNECT"
    assert view.requestContext.route_key == "$connect"
    # The real $connect capture reads the same way.
    real = LambdaEvent(**load_event("powertools/apiGatewayWebSocketApiConnect.json"))
    assert real.trigger == "websocket"
    assert real.requestContext.event_type == "CONNECT"
    assert real.requestContext.route_key == "$connect"
    assert real.requestContext.connection_id == "BFHPhfCWIAMCKlQ="


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("aws-lambda-go/apigw-request.json", id="rest-v1-null-maps"),
        pytest.param("powertools/apiGatewayProxyEvent.json", id="rest-v1-powertools-null-maps"),
    ],
)
def test_quirk_rest_v1_null_maps_read_as_empty(load_event: Any, name: str) -> None:
    event = load_event(name)
    for key in (
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
    ):
        event[key] = None
    view = LambdaEvent(**event)
    assert dict(view.headers) == {}
    assert dict(view.query_string_parameters) == {}
    assert dict(view.multi_value_query_string_parameters) == {}
    assert dict(view.path_parameters) == {}
    assert dict(view.stage_variables) == {}
    assert view.cookies == []
    assert get_body(event) is None
    result = make_probe("Host")(event, LambdaContext())
    assert_proxy_result(result, event)
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["data"]["body"] is None


def test_quirk_http_api_v2_leaves_maps_out(load_event: Any) -> None:
    event = load_event("aws-lambda-go/apigw-v2-request-no-authorizer.json")
    for key in ("queryStringParameters", "pathParameters", "stageVariables", "body", "cookies"):
        assert key not in event
    view = LambdaEvent(**event)
    assert dict(view.query_string_parameters) == {}
    assert dict(view.multi_value_query_string_parameters) == {}
    assert dict(view.path_parameters) == {}
    assert dict(view.stage_variables) == {}
    assert view.cookies == []
    assert get_body(event) is None


@pytest.mark.parametrize(
    ("name", "in_file"),
    [
        pytest.param("aws-lambda-go/apigw-request.json", "X-Forwarded-For", id="rest-title-case"),
        pytest.param(
            "aws-lambda-go/apigw-v2-request-no-authorizer.json", "x-forwarded-for", id="v2-lower"
        ),
        pytest.param(
            "aws-lambda-go/alb-lambda-target-request-headers-only.json",
            "x-forwarded-for",
            id="alb-lower",
        ),
        pytest.param(
            "aws-lambda-go/alb-lambda-target-request-multivalue-headers.json",
            "x-forwarded-for",
            id="alb-multi-value-lower",
        ),
        pytest.param("powertools/lambdaFunctionUrlEvent.json", "x-forwarded-for", id="url-lower"),
        pytest.param(
            "powertools/apiGatewayWebSocketApiConnect.json", "X-Forwarded-For", id="ws-title-case"
        ),
    ],
)
def test_quirk_header_casing_differs_by_source(load_event: Any, name: str, in_file: str) -> None:
    event = load_event(name)
    assert _header_in_file(event, in_file) == in_file
    headers = get_headers(event)
    values = {headers.get(n) for n in ("X-Forwarded-For", "x-forwarded-for", "X-FORWARDED-FOR")}
    assert len(values) == 1
    assert values.pop() is not None
    assert in_file in list(headers)  # names are kept as the event gave them


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("powertools/albEvent.json", id="headers-mode"),
        pytest.param("powertools/albMultiValueQueryStringEvent.json", id="multi-value-mode"),
    ],
)
def test_quirk_alb_does_not_url_decode_query_parameters(load_event: Any, name: str) -> None:
    event = load_event(name)
    raw = {"q": "caf%C3%A9+au+lait", "a%26b": "1%2B1"}
    if "multiValueQueryStringParameters" in event:
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in raw.items()}
    else:
        event["queryStringParameters"] = raw
    view = LambdaEvent(**event)
    decoded = {"q": "café au lait", "a&b": "1+1"}
    assert dict(view.query_string_parameters) == decoded
    assert dict(view.multi_value_query_string_parameters) == {k: [v] for k, v in decoded.items()}


def test_api_gateway_query_parameters_are_not_decoded_twice(load_event: Any) -> None:
    """API Gateway has decoded them already: a literal ``%41`` stays as it is."""
    event = load_event("powertools/apiGatewayProxyEvent.json")
    event["queryStringParameters"] = {"q": "100%41+x"}
    event["multiValueQueryStringParameters"] = {"q": ["100%41+x"]}
    view = LambdaEvent(**event)
    assert dict(view.query_string_parameters) == {"q": "100%41+x"}
    assert dict(view.multi_value_query_string_parameters) == {"q": ["100%41+x"]}


@pytest.mark.parametrize(
    ("name", "multi_value"),
    [
        pytest.param("aws-lambda-go/alb-lambda-target-request-headers-only.json", False, id="go"),
        pytest.param("powertools/albEvent.json", False, id="powertools"),
        pytest.param(
            "aws-lambda-go/alb-lambda-target-request-multivalue-headers.json", True, id="go-multi"
        ),
        pytest.param("powertools/albMultiValueHeadersEvent.json", True, id="powertools-multi"),
    ],
)
def test_quirk_alb_sends_headers_or_multi_value_headers(
    load_event: Any, name: str, multi_value: bool
) -> None:
    event = load_event(name)
    assert ("multiValueHeaders" in event) is multi_value
    assert ("headers" in event) is not multi_value
    event["body"] = ""  # powertools/albEvent.json has the text body "Test"
    result = make_probe("Host")(event, LambdaContext())
    assert result["statusCode"] == 200
    assert result["statusDescription"] == "200 OK"
    if multi_value:
        assert "headers" not in result
        assert result["multiValueHeaders"]["Content-Type"] == ["application/json; charset=UTF-8"]
        assert result["multiValueHeaders"]["Access-Control-Allow-Origin"] == ["*"]
    else:
        assert "multiValueHeaders" not in result
        assert result["headers"]["Content-Type"] == "application/json; charset=UTF-8"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("powertools/apiGatewayWebSocketApiMessage.json", id="powertools"),
        pytest.param("aws-lambda-go/apigw-websocket-request-send-message.json", id="go"),
    ],
)
def test_quirk_websocket_message_has_no_headers_or_query(load_event: Any, name: str) -> None:
    event = load_event(name)
    assert "headers" not in event
    view = LambdaEvent(**event)
    assert view.requestContext.event_type == "MESSAGE"
    assert dict(view.headers) == {}
    assert dict(view.query_string_parameters) == {}
    assert dict(view.multi_value_query_string_parameters) == {}
    assert view.cookies == []
    connect = LambdaEvent(**load_event("powertools/apiGatewayWebSocketApiConnect.json"))
    assert connect.headers["Sec-WebSocket-Key"] == "+W5xw47OHh3OTFsWKjGu9Q=="


def test_v2_cookies_are_the_cookies_field(load_event: Any) -> None:
    event = load_event("powertools/apiGatewayProxyV2Event.json")
    event["headers"]["cookie"] = "ignored=1"
    assert LambdaEvent(**event).cookies == ["cookie1", "cookie2"]


def test_rest_cookies_come_from_the_cookie_header(load_event: Any) -> None:
    event = load_event("aws-lambda-go/apigw-request.json")
    event["headers"]["Cookie"] = "a=1; b=2"
    assert LambdaEvent(**event).cookies == ["a=1", "b=2"]
