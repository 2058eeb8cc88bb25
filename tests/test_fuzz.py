"""Property tests: malformed and arbitrary events never crash a handler or leak a 500.

The events start from the real samples (or the builders of ``lambdakit.testing``) and are then
broken: keys deleted, set to ``null`` or to values of the wrong type, bodies that are not JSON,
not base64, not UTF-8, absurdly nested or huge. Arbitrary JSON values (what a direct invoke may
send) are tried as events too.

``LAMBDAKIT_FUZZ_EXAMPLES`` sets the number of examples per test (200 by default), for a longer
run: ``LAMBDAKIT_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from lambdakit import (
    LambdaEvent,
    LambdaResponse,
    RequestError,
    aws_lambda_handler,
    get_body,
    get_headers,
    get_source_ip,
)
from lambdakit.testing import (
    LambdaContext,
    alb_event,
    function_url_event,
    http_api_event,
    rest_event,
)
from tests.conftest import event_names, load_event

FUZZ = settings(
    max_examples=int(os.environ.get("LAMBDAKIT_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

# S40000: a body that is not a string at all (a malformed event).
BODY_ERRORS = {"S40000", "S40001", "S40002", "S40003"}
CLIENT_CODES = {"S00000"} | BODY_ERRORS
HUGE = "x" * 1_000_000
DEEP = "[" * 100_000

# -- strategies --------------------------------------------------------------------------------

keys = st.text(max_size=12)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),  # what JSON can carry
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=4),
    max_leaves=25,
)
json_objects = st.dictionaries(keys, json_values, max_size=8)

#: Replacement values of the wrong kind for a field of an event.
junk = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.text(max_size=40),
    st.lists(scalars, max_size=4),
    st.dictionaries(keys, scalars, max_size=4),
    st.just(HUGE),
    st.just(DEEP),
    st.builds(lambda: [[["nested"]]]),  # a fresh list: events are mutated in place
    json_values,
)

HTTP_SAMPLES = event_names()
samples = st.sampled_from(HTTP_SAMPLES).map(load_event)  # a fresh copy each time

header_maps = st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=30), max_size=4)
queries = st.dictionaries(
    st.text(min_size=1, max_size=8),
    st.text(max_size=12) | st.lists(st.text(max_size=8), min_size=1, max_size=3),
    max_size=3,
)
builder_bodies = st.none() | st.text(max_size=50) | st.binary(max_size=50) | json_values
methods = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"])
paths = st.text(max_size=20).map(lambda p: "/" + p)
built = st.one_of(
    st.builds(rest_event, methods, paths, headers=header_maps, query=queries, body=builder_bodies),
    st.builds(
        http_api_event,
        methods,
        paths,
        headers=header_maps,
        query=queries,
        body=builder_bodies,
        cookies=st.lists(st.text(max_size=10), max_size=2),
    ),
    st.builds(
        function_url_event, methods, paths, headers=header_maps, query=queries, body=builder_bodies
    ),
    st.builds(
        alb_event,
        methods,
        paths,
        headers=header_maps,
        query=queries,
        body=builder_bodies,
        multi_value=st.booleans(),
    ),
)
good_events = samples | built


def _slots(value: Any, depth: int = 0) -> list[tuple[Any, Any]]:
    """Every (container, key) of an event down to ``depth`` 3, in a stable order."""
    found: list[tuple[Any, Any]] = []
    if depth > 3:
        return found
    if isinstance(value, dict):
        for key in value:
            found.append((value, key))
            found.extend(_slots(value[key], depth + 1))
    elif isinstance(value, list):
        for index in range(len(value)):
            found.append((value, index))
            found.extend(_slots(value[index], depth + 1))
    return found


def breaking(good: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Events from ``good`` with one to five fields deleted, nulled or replaced by junk."""
    return _broken(good)


@st.composite
def _broken(draw: st.DrawFn, good: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    event: dict[str, Any] = draw(good)
    for _ in range(draw(st.integers(1, 5))):
        slots = _slots(event)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["delete", "null", "junk", "junk"]))
        if action == "delete":
            del container[key]
        elif action == "null":
            container[key] = None
        else:
            container[key] = draw(junk)
    return event


broken_events = breaking(good_events)


def _reject(name: str) -> None:
    raise ValueError(name)  # NaN and Infinity are not JSON (RFC 8259)


def _not_json(text: str) -> bool:
    try:
        json.loads(text, parse_constant=_reject)
    except (ValueError, RecursionError):
        return True
    return False


def _not_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


#: (body, isBase64Encoded) pairs that cannot be read as JSON.
malformed_bodies = st.one_of(
    st.text(min_size=1).filter(_not_json).map(lambda t: (t, False)),
    st.just((DEEP, False)),
    st.just(("{" * 50_000, False)),
    st.just((HUGE, False)),
    st.just(("{'single': 'quotes'}", False)),
    st.just(('{"a": 1', False)),
    st.just(("NaN-ish ] [", False)),
    # Lone surrogates: text that has no UTF-8 form.
    st.text(st.characters(categories=["Cs"]), min_size=1).map(lambda t: (t, False)),
    st.text(min_size=1).map(lambda t: (t + "\ud800", False)),
    # Not base64, though the event says it is.
    st.text(min_size=1).map(lambda t: (t + "!", True)),
    st.sampled_from(["a", "abc", "ab=c", "====", "a===", "Zm9v\n", "Hello from Lambda!"]).map(
        lambda t: (t, True)
    ),
    # Base64 of random bytes: mostly invalid UTF-8.
    st.binary(min_size=1).map(lambda b: (base64.b64encode(b).decode(), True)),
    # Base64 of text that is UTF-8 but not JSON.
    st.text(min_size=1)
    .filter(_not_json)
    .map(lambda t: (base64.b64encode(t.encode("utf-8", "surrogatepass")).decode(), True)),
    st.just((base64.b64encode(DEEP.encode()).decode(), True)),
)


def expected_body_error(body: str, is_base64: bool) -> str | None:
    """The code a body deserves, worked out independently of lambdakit; None when readable."""
    if is_base64:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return "S40002"
    else:
        try:
            data = body.encode("utf-8")
        except UnicodeEncodeError:
            return "S40003"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "S40003"
    return "S40001" if _not_json(text) else None


def body_error(event: Any) -> str | None:
    """The code of the ``InvalidBodyError`` that ``get_body`` raises (a 400), or None."""
    try:
        get_body(event)
    except RequestError as error:
        assert error.status_code == 400  # noqa: PT017
        return error.code
    return None


def with_body(event: dict[str, Any], body: str, is_base64: bool) -> dict[str, Any]:
    event["body"] = body
    event["isBase64Encoded"] = is_base64
    return event


# -- the handler under test --------------------------------------------------------------------


def _read_everything(event: Any) -> dict[str, Any]:
    """What a handler may read from any event; must not raise (but for the body)."""
    view = LambdaEvent.from_event(event)
    headers = get_headers(event)
    summary = {
        "trigger": view.trigger,
        "method": view.http_method,
        "path": view.path,
        "source_ip": get_source_ip(event),
        "request_id": view.requestContext.request_id,
        "headers": len(dict(headers)),
        "user_agent": headers.get("User-Agent"),
        "query": len(dict(view.query_string_parameters)),
        "multi_query": len(dict(view.multi_value_query_string_parameters)),
        "path_parameters": len(dict(view.path_parameters)),
        "stage_variables": len(dict(view.stage_variables)),
        "cookies": len(view.cookies),
        "base64": view.is_base64_encoded,
        "raw_body": view.body is not None,
    }
    assert isinstance(summary["method"], str)
    assert isinstance(summary["path"], str)
    assert summary["source_ip"] is None or isinstance(summary["source_ip"], str)
    if isinstance(event, Mapping) and all(isinstance(k, str) for k in event):
        seed_view = LambdaEvent(**event)  # the seed's way of making the view
        assert seed_view.trigger == view.trigger
        assert dict(seed_view.headers) == dict(headers)
    return summary


@aws_lambda_handler()
def probe(event: Any, context: Any) -> dict[str, Any]:
    summary = _read_everything(event)
    body = get_body(event)  # may raise InvalidBodyError: the decorator answers 400
    return {**summary, "body_type": type(body).__name__}


def call_probe(event: Any) -> Any:
    return probe(event, LambdaContext())


def assert_proxy_result(result: Any) -> dict[str, Any]:
    """A valid proxy result whose body is a lambdakit envelope; returns the envelope."""
    assert isinstance(result, dict)
    status = result["statusCode"]
    assert type(status) is int
    assert 100 <= status <= 599
    assert isinstance(result["body"], str)
    assert type(result["isBase64Encoded"]) is bool
    if "headers" in result:
        headers = result["headers"]
        assert isinstance(headers, dict)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    else:  # ALB multi-value mode
        multi = result["multiValueHeaders"]
        assert all(
            isinstance(k, str) and isinstance(vs, list) and all(isinstance(v, str) for v in vs)
            for k, vs in multi.items()
        )
    envelope = json.loads(result["body"])
    assert isinstance(envelope, dict)
    assert isinstance(envelope["rslt_cd"], str)
    return envelope


def assert_answer(event: Any, result: Any) -> dict[str, Any]:
    """Proxy result for an HTTP/WebSocket event, the envelope itself otherwise. Never S99999:
    nothing the probe reads may fail on a bad event."""
    if LambdaEvent.from_event(event).trigger != "unknown":
        envelope = assert_proxy_result(result)
    else:
        assert isinstance(result, dict)
        assert "statusCode" not in result
        envelope = result
    assert envelope["rslt_cd"] in CLIENT_CODES, envelope
    assert "traceback" not in envelope
    return envelope


# -- (a) + (b): broken events never crash, and HTTP events get a valid proxy result -----------

_MULTI_ONLY_ALB = load_event("powertools/albMultiValueHeadersEvent.json")
_MULTI_ONLY_ALB["multiValueHeaders"]["accept"] = [1]
_NESTED_MULTI = load_event("aws-lambda-go/alb-lambda-target-request-multivalue-headers.json")
_NESTED_MULTI["multiValueHeaders"]["x-myheader"] = [["123"]]
_NULL_QUERY_BAD_MULTI = load_event("aws-lambda-go/apigw-request.json")
_NULL_QUERY_BAD_MULTI["queryStringParameters"] = None
_NULL_QUERY_BAD_MULTI["multiValueQueryStringParameters"] = {"name": 1}


@FUZZ
@given(event=broken_events)
@example(event=_MULTI_ONLY_ALB)
@example(event=_NESTED_MULTI)
@example(event=_NULL_QUERY_BAD_MULTI)
def test_broken_events_never_crash_the_handler(event: dict[str, Any]) -> None:
    assert_answer(event, call_probe(event))


@FUZZ
@given(event=broken_events)
@example(event=_MULTI_ONLY_ALB)
@example(event=_NULL_QUERY_BAD_MULTI)
def test_helpers_never_raise_on_broken_events(event: dict[str, Any]) -> None:
    _read_everything(event)
    assert body_error(event) in {None, *BODY_ERRORS}


@FUZZ
@given(event=good_events)
def test_good_events_get_a_valid_proxy_result(event: dict[str, Any]) -> None:
    result = call_probe(event)
    envelope = assert_proxy_result(result)
    assert envelope["rslt_cd"] in CLIENT_CODES
    assert LambdaEvent.from_event(event).trigger != "unknown"


EVENT_KEYS = [
    "body",
    "headers",
    "multiValueHeaders",
    "requestContext",
    "httpMethod",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "cookies",
    "isBase64Encoded",
    "rawQueryString",
    "path",
    "rawPath",
    "version",
]
CONTEXT_KEYS = ["http", "elb", "identity", "connectionId", "eventType", "domainName", "requestId"]
#: Events with the keys lambdakit looks at, holding anything.
junk_shaped_events = st.one_of(
    st.dictionaries(st.sampled_from(EVENT_KEYS), junk),
    st.fixed_dictionaries(
        {"requestContext": st.dictionaries(st.sampled_from(CONTEXT_KEYS), junk)},
        optional={
            "headers": junk,
            "multiValueHeaders": junk,
            "body": junk,
            "isBase64Encoded": st.booleans(),
        },
    ),
)


@FUZZ
@given(event=st.one_of(json_values, json_objects, junk_shaped_events))
@example(event=None)
@example(event=[])
@example(event="")
@example(event={"self": 1})
@example(event={"multiValueHeaders": {"a": [None]}, "requestContext": {"elb": {}}})
@example(event={"body": None, "multiValueQueryStringParameters": {"": 1}})
def test_arbitrary_json_events_never_crash(event: Any) -> None:
    assert_answer(event, call_probe(event))


# -- (c): a malformed body is the client's fault: 4xx with its own code, never S99999 ----------


@FUZZ
@given(event=samples, body=malformed_bodies)
def test_malformed_bodies_answer_4xx(event: dict[str, Any], body: tuple[str, bool]) -> None:
    text, is_base64 = body
    expected = expected_body_error(text, is_base64)
    assume(expected is not None)  # random bytes may, rarely, be JSON
    with_body(event, text, is_base64)

    result = call_probe(event)
    envelope = assert_proxy_result(result)
    assert 400 <= result["statusCode"] <= 499
    assert envelope["rslt_cd"] in BODY_ERRORS
    assert envelope["rslt_cd"] == expected
    assert "traceback" not in envelope
    assert body_error(event) == expected


@FUZZ
@given(event=samples, value=json_values, is_base64=st.booleans())
def test_well_formed_bodies_round_trip(event: dict[str, Any], value: Any, is_base64: bool) -> None:
    text = json.dumps(value)
    if is_base64:
        text = base64.b64encode(text.encode()).decode()
    with_body(event, text, is_base64)
    assert get_body(event) == value
    envelope = assert_proxy_result(call_probe(event))
    assert envelope["rslt_cd"] == "S00000"


# -- (d): LambdaResponse.from_proxy_dict accepts a valid result or says why not ----------------

status_codes = st.one_of(
    st.integers(100, 599),
    st.integers(),
    st.integers(100, 599).map(str),
    st.text(max_size=5),
    st.booleans(),
    st.floats(allow_nan=False),
    st.none(),
    st.lists(st.integers(100, 599), max_size=2),
)
proxy_dicts = st.fixed_dictionaries(
    {"statusCode": status_codes},
    optional={
        "headers": st.dictionaries(keys, scalars, max_size=4) | junk,
        "multiValueHeaders": st.dictionaries(keys, st.lists(scalars, max_size=3) | scalars) | junk,
        "body": st.one_of(json_values, st.binary(max_size=30), st.just(HUGE)),
        "isBase64Encoded": junk,
        "cookies": st.lists(scalars, max_size=3) | junk,
        "statusDescription": junk,
        "message": json_values,
        "data": json_values,
    },
)


def assert_valid_response(response: LambdaResponse) -> None:
    assert type(response.statusCode) is int
    assert 100 <= response.statusCode <= 599
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in response.headers.items())
    assert isinstance(response.body, str)
    assert type(response.isBase64Encoded) is bool
    for trigger in ("rest", "http", "function_url", "alb", "websocket"):
        for multi in (False, True):
            result = response.to_proxy_result(trigger, alb_multi_value=multi)
            assert result["statusCode"] == response.statusCode
            assert isinstance(result["body"], str)
            if trigger in ("http", "function_url"):
                assert "multiValueHeaders" not in result
            if "headers" in result:
                assert all(
                    isinstance(k, str) and isinstance(v, str) for k, v in result["headers"].items()
                )


@FUZZ
@given(result=proxy_dicts)
@example(result={"statusCode": "200"})
@example(result={"statusCode": 200, "body": b"\x00\xff"})
@example(result={"statusCode": 404, "message": "x", "body": "[1]"})
def test_from_proxy_dict_returns_a_valid_response_or_raises_value_or_type_error(
    result: dict[str, Any],
) -> None:
    try:
        response = LambdaResponse.from_proxy_dict(result)
    except (ValueError, TypeError):
        return
    assert_valid_response(response)


@FUZZ
@given(event=samples, returned=proxy_dicts)
def test_handler_returning_any_proxy_dict_gets_a_valid_result(
    event: dict[str, Any], returned: dict[str, Any]
) -> None:
    @aws_lambda_handler()
    def handler(event: Any, context: Any) -> Any:
        return returned

    result = handler(event, LambdaContext())
    assert isinstance(result, dict)
    assert type(result["statusCode"]) is int
    assert 100 <= result["statusCode"] <= 599
    assert isinstance(result["body"], str)
    assert type(result["isBase64Encoded"]) is bool
    headers = result.get("headers", {})
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
