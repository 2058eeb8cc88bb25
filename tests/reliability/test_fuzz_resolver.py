"""Property tests: the WebSocket resolver and the validation helper under malformed input.

WebSocket events start from the real samples and the builders of ``lambdakit.testing`` and are
broken as in ``tests/test_fuzz.py`` (fields deleted, nulled, of the wrong type, huge or deeply
nested), with bodies that are not JSON, not base64 or not UTF-8. The resolver runs the seed's
middleware (which indexes ``event["requestContext"]`` directly), an async middleware and
handlers that read the body and validate it. For every case: no exception escapes, the result
is a route response API Gateway accepts, and what the client got wrong is a 4xx with its code.

The validation helper (``get_body(event, Model)`` / ``validate``) gets arbitrary JSON against
nested dataclasses and TypedDicts: a model instance or a 422 ``S42200`` naming fields, never
another exception, never a 500.

``LAMBDAKIT_FUZZ_EXAMPLES`` sets the examples per test, as in ``tests/test_fuzz.py``.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import enum
import json
import uuid
from typing import Any, Literal, Optional, TypedDict

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from typing_extensions import NotRequired

from lambdakit import AppError, LambdaEvent, aws_lambda_handler, get_body
from lambdakit.errors import ValidationError
from lambdakit.testing import (
    LambdaContext,
    rest_event,
    websocket_connect_event,
    websocket_disconnect_event,
    websocket_message_event,
)
from lambdakit.validation import validate
from lambdakit.websocket import Middleware, WebSocketResolver
from tests.conftest import load_event
from tests.test_fuzz import (
    BODY_ERRORS,
    FUZZ,
    breaking,
    expected_body_error,
    json_objects,
    json_values,
    junk,
    malformed_bodies,
)

# -- models for the validation helper ----------------------------------------------------------


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclasses.dataclass
class Address:
    street: str
    zip: Optional[str] = None  # noqa: UP045 - the spelling users write


class Item(TypedDict):
    sku: str
    quantity: int
    note: NotRequired[str]


@dataclasses.dataclass
class Order:
    id: uuid.UUID
    customer: str
    items: list[Item]
    address: Address
    colour: Colour = Colour.RED
    kind: Literal["retail", "wholesale"] = "retail"
    placed_at: Optional[datetime.datetime] = None  # noqa: UP045
    scores: dict[str, float] = dataclasses.field(default_factory=dict)
    tags: tuple[str, ...] = ()
    flags: set[int] = dataclasses.field(default_factory=set)

    def __post_init__(self) -> None:
        if self.customer == "":
            raise ValueError("customer must not be empty")


@dataclasses.dataclass
class Message:
    action: str
    text: str
    to: Optional[list[str]] = None  # noqa: UP045


ORDER_JSON = {
    "id": "12345678-1234-5678-1234-567812345678",
    "customer": "ada",
    "items": [{"sku": "X1", "quantity": 2}],
    "address": {"street": "1 Main St"},
    "placed_at": "2026-01-01T10:00:00+00:00",
    "scores": {"a": 1.5},
    "tags": ["t"],
    "flags": [1, 2],
}

# -- the resolver under test -------------------------------------------------------------------

resolver = WebSocketResolver()


@resolver.middleware
class SeedTracking(Middleware):
    """The seed's tracking middleware, as written: it indexes the event directly."""

    async def __call__(self, event: Any, context: Any, next_handler: Any) -> Any:
        if event["requestContext"]["routeKey"] != "$connect":
            assert isinstance(event["requestContext"]["connectionId"], str)
        return await next_handler(event, context)


@resolver.middleware
def sync_middleware(event: Any, context: Any, next_handler: Any) -> Any:
    return next_handler(event, context)


@resolver.on_connect()
def on_connect(event: Any, context: Any, connection_id: str) -> Any:
    view = LambdaEvent.from_event(event)
    token = view.query_string_parameters.get("token") or view.headers.get("authorization")
    view.requestContext.get_source_ip()
    if token == "deny":
        return {"statusCode": 401}
    return None


@resolver.on_disconnect()
async def on_disconnect(event: Any, context: Any, connection_id: str) -> None:
    LambdaEvent.from_event(event).requestContext.get_source_ip()


@resolver.on_message("sendmessage")
def on_send(event: Any, context: Any, connection_id: str, body: Any) -> Any:
    message = get_body(event, Message)  # 400 / 422 when the client sent nonsense
    return {"echo": message.text, "to": message.to}


@resolver.on_message("order")
async def on_order(event: Any, context: Any, connection_id: str, body: Any) -> Any:
    order = get_body(event, Order)
    return {"id": str(order.id), "items": len(order.items)}


@resolver.on_message("$default")
def on_default(event: Any, context: Any, connection_id: str, body: Any) -> Any:
    parsed = get_body(event)
    return {"type": type(parsed).__name__, "raw": type(body).__name__}


def resolve(event: Any) -> Any:
    return resolver.resolve(event, LambdaContext())


def assert_route_response(result: Any) -> dict[str, Any] | None:
    """A route response API Gateway accepts; returns the JSON body when there is one."""
    assert isinstance(result, dict)
    assert set(result) <= {"statusCode", "body", "headers", "multiValueHeaders", "isBase64Encoded"}
    status = result["statusCode"]
    assert type(status) is int
    assert 100 <= status <= 599
    if "headers" in result:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in result["headers"].items())
    if "isBase64Encoded" in result:
        assert type(result["isBase64Encoded"]) is bool
    json.dumps(result, allow_nan=False)  # what the Lambda runtime must be able to send
    if "body" not in result:
        return None
    assert isinstance(result["body"], str)
    try:
        parsed = json.loads(result["body"])
    except ValueError:
        return None
    assert "traceback" not in (parsed if isinstance(parsed, dict) else {})
    return parsed if isinstance(parsed, dict) else None


def assert_no_server_error(result: Any) -> dict[str, Any] | None:
    """Nothing the handlers do can fail on a bad event but the client's own mistakes."""
    body = assert_route_response(result)
    status = result["statusCode"]
    assert status < 500, (status, body)
    if status >= 400 and body is not None:
        assert body.get("rslt_cd", "S40000") in {*BODY_ERRORS, "S42200"} or (
            body.get("message") == "Forbidden"
        ), body
    return body


# -- strategies ---------------------------------------------------------------------------------

WS_SAMPLES = [
    "aws-lambda-go/apigw-websocket-request.json",
    "aws-lambda-go/apigw-websocket-request-send-message.json",
    "aws-lambda-go/apigw-websocket-request-disconnect.json",
    "powertools/apiGatewayWebSocketApiConnect.json",
    "powertools/apiGatewayWebSocketApiMessage.json",
    "powertools/apiGatewayWebSocketApiDisconnect.json",
]
route_keys = st.sampled_from(["sendmessage", "order", "$default", "unknown", "$connect"])
texts = st.text(max_size=40)
ws_bodies = st.one_of(
    st.none(),
    texts,
    st.binary(max_size=40),
    json_values,
    st.builds(lambda t, to: {"action": "sendmessage", "text": t, "to": to}, texts, junk),
    st.builds(lambda v: {**ORDER_JSON, "items": v}, junk),
    st.just(ORDER_JSON),
)
ws_samples = st.sampled_from(WS_SAMPLES).map(load_event)
ws_built = st.one_of(
    st.builds(
        websocket_connect_event,
        st.text(min_size=1, max_size=20),
        headers=st.dictionaries(st.text(min_size=1, max_size=10), texts, max_size=3),
        query=st.dictionaries(st.text(min_size=1, max_size=8), texts, max_size=3),
    ),
    st.builds(websocket_message_event, ws_bodies, route_key=route_keys),
    st.builds(websocket_disconnect_event, status_code=st.integers(1000, 4999), reason=texts),
)
good_ws_events = ws_samples | ws_built


broken_ws_events = breaking(good_ws_events)


# -- the resolver ------------------------------------------------------------------------------


@FUZZ
@given(event=good_ws_events)
def test_good_websocket_events_get_a_route_response(event: dict[str, Any]) -> None:
    assert_no_server_error(resolve(event))


@FUZZ
@given(event=broken_ws_events)
@example(event={"requestContext": {"routeKey": "order", "connectionId": "c="}, "body": "[" * 50000})
@example(event={"requestContext": {"routeKey": 7, "connectionId": "c="}})
@example(event={"requestContext": {"routeKey": ["x"], "connectionId": {"a": 1}}})
@example(event={"requestContext": "nope", "body": "{}"})
def test_broken_websocket_events_never_crash_the_resolver(event: dict[str, Any]) -> None:
    view = LambdaEvent.from_event(event)
    body = assert_no_server_error(resolve(event))
    context = view.requestContext
    if not context.route_key or not context.connection_id:
        assert body is not None
        assert body["rslt_cd"] == "S40000"


@FUZZ
@given(event=st.one_of(json_values, json_objects))
@example(event=None)
@example(event=[])
@example(event={"requestContext": None})
def test_arbitrary_json_is_a_malformed_event_not_a_crash(event: Any) -> None:
    result = resolve(event)
    assert_route_response(result)
    view = LambdaEvent.from_event(event)
    if not view.requestContext.route_key or not view.requestContext.connection_id:
        assert result["statusCode"] == 400
        assert json.loads(result["body"])["rslt_cd"] == "S40000"


@FUZZ
@given(route_key=st.sampled_from(["sendmessage", "order", "$default"]), body=malformed_bodies)
def test_malformed_message_bodies_are_400_with_their_code(
    route_key: str, body: tuple[str, bool]
) -> None:
    text, is_base64 = body
    expected = expected_body_error(text, is_base64)
    if expected is None:
        return  # random bytes may, rarely, be JSON
    event = websocket_message_event(route_key=route_key)
    event["body"], event["isBase64Encoded"] = text, is_base64
    result = resolve(event)
    parsed = assert_route_response(result)
    assert result["statusCode"] == 400
    assert parsed is not None
    assert parsed["rslt_cd"] == expected
    assert parsed["connectionId"] == event["requestContext"]["connectionId"]


@FUZZ
@given(value=json_values | st.builds(lambda v: {**ORDER_JSON, "items": v}, junk))
def test_order_messages_are_accepted_or_422(value: Any) -> None:
    event = websocket_message_event(json.dumps(value), route_key="order")
    result = resolve(event)
    parsed = assert_no_server_error(result)
    if result["statusCode"] != 200:
        assert result["statusCode"] == 422, parsed
        assert parsed is not None
        assert parsed["rslt_cd"] == "S42200"


# -- the validation helper ---------------------------------------------------------------------


def order_variants() -> st.SearchStrategy[Any]:
    """Orders with one field replaced by anything: mostly invalid, some valid."""
    return st.builds(
        lambda key, value: {**ORDER_JSON, key: value},
        st.sampled_from([*ORDER_JSON, "address", "colour", "kind", "unknown"]),
        json_values | junk,
    )


@FUZZ
@given(data=json_values | order_variants())
@example(data=ORDER_JSON)
@example(data={**ORDER_JSON, "customer": ""})
@example(data={**ORDER_JSON, "quantity": True})
@example(data={**ORDER_JSON, "items": [{"sku": "a", "quantity": 1.5}]})
def test_validate_returns_the_model_or_a_validation_error(data: Any) -> None:
    error: ValidationError | None = None
    try:
        order = validate(data, Order)
    except ValidationError as caught:
        error = caught
    if error is not None:
        assert error.status_code == 422
        assert error.code == "S42200"
        assert error.errors
        assert all(set(e) == {"field", "message"} for e in error.errors)
        json.dumps(error.details)
        return
    assert isinstance(order, Order)
    assert isinstance(order.address, Address)
    assert all(type(i["quantity"]) is int for i in order.items)


@aws_lambda_handler()
def create_order(event: Any, context: Any) -> Any:
    order = get_body(event, Order)
    return {"id": order.id, "placed_at": order.placed_at}


@FUZZ
@given(data=json_values | order_variants(), base64_body=st.booleans())
def test_http_handler_with_validation_answers_200_or_4xx(data: Any, base64_body: bool) -> None:
    event = rest_event("POST", "/orders")
    text = json.dumps(data)
    event["body"] = base64.b64encode(text.encode()).decode() if base64_body else text
    event["isBase64Encoded"] = base64_body
    result = create_order(event, LambdaContext())
    envelope = json.loads(result["body"])
    assert isinstance(result["headers"], dict)
    if result["statusCode"] == 200:
        assert envelope["rslt_cd"] == "S00000"
    else:
        assert result["statusCode"] == 422
        assert envelope["rslt_cd"] == "S42200"
        assert "traceback" not in envelope


@FUZZ
@given(body=malformed_bodies)
def test_http_handler_with_validation_rejects_malformed_bodies(body: tuple[str, bool]) -> None:
    text, is_base64 = body
    expected = expected_body_error(text, is_base64)
    if expected is None:
        return
    event = rest_event("POST", "/orders")
    event["body"], event["isBase64Encoded"] = text, is_base64
    result = create_order(event, LambdaContext())
    assert result["statusCode"] == 400
    assert json.loads(result["body"])["rslt_cd"] == expected


def test_client_errors_are_app_errors_with_4xx():
    # What the resolver maps to a 4xx route response: AppError subclasses with their status.
    with pytest.raises(AppError) as caught:
        get_body(websocket_message_event("{", route_key="x"))
    assert 400 <= caught.value.status_code < 500
