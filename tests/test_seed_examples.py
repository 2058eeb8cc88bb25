"""The seed README's HTTP examples, run verbatim through the ``chainsaws`` import paths.

The ```python blocks are read from ``tests/fixtures/SEED-README.md`` (a copy of the spec) at test
time and named after their section. Each block runs in a fresh module that provides only the
names the block uses without defining or importing them: the seed's own names (from
``chainsaws.utils.handler_utils``) and fakes for the application's (``process_request``,
``slack_client``, ...). The resulting ``handler`` is then called with real sample events of each
HTTP trigger. The WebSocket section is left to its own tests.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Callable
from typing import Any

import pytest

import chainsaws.utils.error_utils
import chainsaws.utils.handler_utils
from lambdakit.testing import LambdaContext
from tests.conftest import load_event
from tests.seed_readme import free_names, read_blocks
from tests.seed_readme import run_block as run_seed_block

BLOCKS = read_blocks()
SEED_NAMES: dict[str, Any] = {
    name: getattr(chainsaws.utils.handler_utils, name)
    for name in chainsaws.utils.handler_utils.__all__
} | {"AppError": chainsaws.utils.error_utils.AppError}


def run_block(block_id: str, **fakes: Any) -> dict[str, Any]:
    return run_seed_block(BLOCKS[block_id], SEED_NAMES, **fakes)


# -- the application's side: fakes and events --------------------------------------------------


class FakeSlackClient:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def post_message(self, message: str) -> None:
        self.messages.append(message)


class ResourceNotFoundError(Exception):
    pass


NOT_FOUND_ERROR = "B00404"


def process_request(body: Any) -> dict[str, Any]:
    return {"processed": body}


def process_data(body: Any) -> dict[str, Any]:
    if isinstance(body, dict) and body.get("age") == "old":
        raise ValueError("age must be a number")
    return {"stored": body}


# Real sample events, one per HTTP trigger, with their own request id and client address.
TRIGGERS = {
    "rest": "aws-lambda-go/apigw-request.json",
    "http": "powertools/apiGatewayProxyV2Event.json",
    "alb": "powertools/albEvent.json",
    "alb-multi-value": "powertools/albMultiValueQueryStringEvent.json",
    "function_url": "aws-lambda-go/lambda-urls-request.json",
}
CLIENT_IP = {
    "rest": "192.168.196.186",
    "http": "192.168.0.1/32",
    "alb": "72.12.164.125",
    "alb-multi-value": "123.123.123.123",
    "function_url": "123.123.123.123",
}
REQUEST_ID = {
    "rest": "deef4878-7910-11e6-8f14-25afc3e9ae33",
    "http": "id",
    "alb": None,  # an ALB gives no request id
    "alb-multi-value": None,
    "function_url": "id",
}
EACH_TRIGGER = [pytest.param(t, id=t) for t in TRIGGERS]
UNSET = object()


def sample(
    trigger: str, body: Any = UNSET, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """The trigger's sample event; ``body`` (JSON-encoded unless a str) and ``headers`` replace
    or extend the sample's, in the form that trigger sends them."""
    event: dict[str, Any] = load_event(TRIGGERS[trigger])
    if body is not UNSET:
        text = body if body is None or isinstance(body, str) else json.dumps(body)
        event["isBase64Encoded"] = False
        if text is not None:
            event["body"] = text
        elif trigger.startswith("alb"):
            event["body"] = ""  # an ALB sends an empty string
        elif trigger == "rest":
            event["body"] = None  # REST sends null
        else:
            event.pop("body", None)  # payload 2.0 leaves it out
    for name, value in (headers or {}).items():
        if trigger == "alb-multi-value":
            event["multiValueHeaders"][name.lower()] = [value]
        elif trigger == "rest":
            event["headers"][name] = value
            event["multiValueHeaders"][name] = [value]
        else:
            event["headers"][name.lower()] = value
    return event


def context() -> LambdaContext:
    return LambdaContext(aws_request_id=f"lambda-{uuid.uuid4()}")


def http_result(result: Any) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a proxy result; checks what every response must have."""
    assert isinstance(result, dict)
    status, body = result["statusCode"], result["body"]
    assert type(status) is int
    assert isinstance(body, str)
    assert type(result["isBase64Encoded"]) is bool
    if "multiValueHeaders" in result and "headers" not in result:  # ALB multi-value mode
        headers = {k: ", ".join(v) for k, v in result["multiValueHeaders"].items()}
    else:
        headers = result["headers"]
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())
    # The seed sent "*" with credentials, which browsers reject: lambdakit sends "*" alone.
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert not any(k.lower() == "access-control-allow-credentials" for k in headers)
    if headers.get("Content-Type", "").startswith("application/json"):
        envelope = json.loads(body)
        if envelope.get("rslt_cd") != "S00000":  # no traceback in an error body by default
            assert "traceback" not in envelope
            assert "Traceback (most recent call last)" not in body
    return status, headers, body


def envelope_of(result: Any) -> tuple[int, dict[str, Any]]:
    status, headers, body = http_result(result)
    assert headers["Content-Type"] == "application/json; charset=UTF-8"
    envelope = json.loads(body)
    assert isinstance(envelope["duration"], float)
    return status, envelope


@pytest.fixture(autouse=True)
def _no_traceback_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LAMBDAKIT_TRACEBACK", raising=False)


# -- which blocks there are --------------------------------------------------------------------

COVERED = {
    "quick-start",
    "core-components/event-model-lambdaevent/1",
    "core-components/event-model-lambdaevent/2",
    "core-components/response-model-lambdaresponse/1",
    "core-components/response-model-lambdaresponse/2",
    "core-components/utility-functions",
    "advanced-usage/custom-error-handling",
    "advanced-usage/type-hints-support",
    "best-practices/use-type-validation",
    "best-practices/handle-different-content-types",
    "best-practices/custom-error-handling",
    "best-practices/request-context-usage",
}


def test_every_http_block_is_covered() -> None:
    assert set(BLOCKS) == COVERED


def test_websocket_blocks_are_left_out() -> None:
    assert not any("websocket" in block.id for block in BLOCKS.values())
    assert not any("resolver" in block.source for block in BLOCKS.values())


@pytest.mark.parametrize("block_id", sorted(COVERED))
def test_blocks_need_only_what_the_seed_leaves_undefined(block_id: str) -> None:
    fakes = {
        "process_request",
        "process_data",
        "slack_client",
        "notify_slack",
        "NOT_FOUND_ERROR",
        "ResourceNotFoundError",
        "event",
    }
    assert free_names(BLOCKS[block_id].source) <= fakes | set(SEED_NAMES)


# -- Quick Start -------------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_quick_start(trigger: str) -> None:
    handler = run_block("quick-start")["handler"]
    body = {"name": "Ada", "tags": ["x", "y"], "n": 1}
    status, envelope = envelope_of(handler(sample(trigger, body), context()))
    assert status == 200
    assert envelope == {
        "rslt_cd": "S00000",
        "rslt_msg": "Call Success",
        "duration": envelope["duration"],
        "data": {"message": "Success", "data": body},
    }


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_quick_start_without_body(trigger: str) -> None:
    handler = run_block("quick-start")["handler"]
    status, envelope = envelope_of(handler(sample(trigger, None), context()))
    assert status == 200
    assert envelope["data"] == {"message": "Success", "data": None}


@pytest.mark.parametrize(
    ("trigger", "expected"),
    [
        pytest.param("rest", {"a": 1}, id="rest-json"),
        pytest.param("http", {"message": "hello world", "username": "tom"}, id="http-json"),
        pytest.param("alb", "S40001", id="alb-text"),
        pytest.param("function_url", "S40001", id="function-url-text"),
    ],
)
def test_quick_start_with_the_samples_own_body(trigger: str, expected: Any) -> None:
    handler = run_block("quick-start")["handler"]
    status, envelope = envelope_of(handler(sample(trigger), context()))
    if isinstance(expected, str):
        assert status == 400
        assert envelope["rslt_cd"] == expected
    else:
        assert status == 200
        assert envelope["data"]["data"] == expected


# -- Event Model -------------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["rest", "http", "alb", "function_url"])
def test_event_model_fields_match_the_seeds_declaration(trigger: str) -> None:
    """The seed declares LambdaEvent(body, headers, requestContext): ours reads the same."""
    seed_model = run_block("core-components/event-model-lambdaevent/1")["LambdaEvent"]
    event = sample(trigger)
    seed_view = seed_model(**event)
    ours = SEED_NAMES["LambdaEvent"](**event)
    assert ours.body == seed_view.body
    assert dict(ours.headers) == seed_view.headers
    assert ours.requestContext.raw == seed_view.requestContext
    assert seed_view._extra == {
        k: v for k, v in event.items() if k not in ("body", "headers", "requestContext")
    }
    for key in ("httpMethod", "path", "rawPath", "queryStringParameters"):
        assert ours.get(key) == event.get(key)


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_event_model_example_usage(trigger: str) -> None:
    handler = run_block(
        "core-components/event-model-lambdaevent/2", process_request=process_request
    )["handler"]
    status, envelope = envelope_of(handler(sample(trigger, {"q": 1}), context()))
    assert status == 200
    assert envelope["rslt_cd"] == "S00000"
    assert envelope["data"] == {"data": {"processed": {"q": 1}}}


# -- Response Model ----------------------------------------------------------------------------


def test_response_model_declaration_is_not_valid_python_as_written() -> None:
    """Documented seed defect: a non-default field (``headers``) follows a default one."""
    with pytest.raises(TypeError, match="non-default argument 'headers' follows default"):
        run_block("core-components/response-model-lambdaresponse/1")


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_response_creation_by_the_decorator(trigger: str) -> None:
    handler = run_block("core-components/response-model-lambdaresponse/2")["handler"]
    status, envelope = envelope_of(handler(sample(trigger, None), context()))
    assert status == 200
    assert envelope["rslt_cd"] == "S00000"
    assert envelope["data"] == {"data": "success", "meta": {"count": 42}}


def test_response_creation_by_hand() -> None:
    """The block's "Manual creation" lines (after its ``return``), run on their own."""
    source = BLOCKS["core-components/response-model-lambdaresponse/2"].source
    manual = textwrap.dedent(source[source.index("    # Manual creation") :])
    namespace: dict[str, Any] = {"LambdaResponse": SEED_NAMES["LambdaResponse"]}
    exec(compile(manual, "<manual creation>", "exec", dont_inherit=True), namespace)
    response = namespace["response"]
    assert response.statusCode == 200
    assert json.loads(response.body) == {"message": "success"}
    result = response.to_dict()
    status, headers, _ = http_result(result)
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=UTF-8"
    assert result["isBase64Encoded"] is False


# -- Utility Functions -------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_utility_functions(trigger: str) -> None:
    event = sample(trigger, {"k": "v"}, headers={"X-Request-Tag": "t-1"})
    namespace = run_block("core-components/utility-functions", event=event)
    assert namespace["body"] == {"k": "v"}
    assert namespace["headers"]["x-request-tag"] == "t-1"
    assert namespace["headers"]["X-REQUEST-TAG"] == "t-1"
    assert namespace["client_ip"] == CLIENT_IP[trigger]


# -- Custom Error Handling (Advanced Usage) ----------------------------------------------------

SECRET = "Bearer s3cr3t-t0ken-value"


def _error_handling(process: Callable[[Any], Any] = process_data) -> tuple[Any, FakeSlackClient]:
    slack = FakeSlackClient()
    namespace = run_block(
        "advanced-usage/custom-error-handling", slack_client=slack, process_data=process
    )
    return namespace["handler"], slack


def _event_with_id(trigger: str, body: Any) -> tuple[dict[str, Any], str | None]:
    event = sample(trigger, body, headers={"Authorization": SECRET})
    request_id = None
    if REQUEST_ID[trigger] is not None:
        request_id = f"req-{uuid.uuid4()}"
        event["requestContext"]["requestId"] = request_id
    return event, request_id


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
@pytest.mark.parametrize(
    "body",
    [
        pytest.param(None, id="no-body"),
        pytest.param("", id="empty-string"),
        pytest.param({}, id="empty-object"),
    ],
)
def test_custom_error_handling_missing_body(trigger: str, body: Any) -> None:
    handler, slack = _error_handling()
    event, request_id = _event_with_id(trigger, body)
    ctx = context()
    status, envelope = envelope_of(handler(event, ctx))
    assert status == 200  # the seed's AppError answers 200, the code says what happened
    assert envelope["rslt_cd"] == "B00001"
    assert envelope["rslt_msg"] == "Missing request body"
    assert len(slack.messages) == 1
    message = slack.messages[0]
    assert (request_id or ctx.aws_request_id) in message
    assert "B00001" in message
    assert "s3cr3t-t0ken-value" not in message


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_custom_error_handling_value_error(trigger: str) -> None:
    handler, slack = _error_handling()
    event, _ = _event_with_id(trigger, {"age": "old"})
    status, envelope = envelope_of(handler(event, context()))
    assert status == 200
    assert envelope["rslt_cd"] == "B00002"
    assert envelope["rslt_msg"] == "age must be a number"
    assert len(slack.messages) == 1
    assert "s3cr3t-t0ken-value" not in slack.messages[0]


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_custom_error_handling_success(trigger: str) -> None:
    handler, slack = _error_handling()
    status, envelope = envelope_of(handler(sample(trigger, {"age": 36}), context()))
    assert status == 200
    assert envelope["rslt_cd"] == "S00000"
    assert envelope["data"] == {"data": {"stored": {"age": 36}}}
    assert slack.messages == []


def test_custom_error_handling_unexpected_error_is_notified_without_traceback() -> None:
    def broken(body: Any) -> Any:
        raise KeyError("customer_id")

    handler, slack = _error_handling(broken)
    event, request_id = _event_with_id("rest", {"x": 1})
    status, envelope = envelope_of(handler(event, context()))
    assert status == 200  # the seed's default for unexpected errors
    assert envelope["rslt_cd"] == "S99999"
    assert "customer_id" in envelope["rslt_msg"]
    assert len(slack.messages) == 1
    assert request_id is not None
    assert request_id in slack.messages[0]
    assert "s3cr3t-t0ken-value" not in slack.messages[0]


# -- Type Hints Support ------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_type_hints_example(trigger: str) -> None:
    handler = run_block("advanced-usage/type-hints-support")["handler"]
    body = {"name": "Ada", "age": 36}
    # Undecorated: the handler's own return value, as the seed writes it.
    assert handler(sample(trigger, body), context()) == {"data": {"processed": body}}


# -- Best Practices ----------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_use_type_validation_calls_to_dict_on_a_plain_dataclass(trigger: str) -> None:
    """Documented seed defect: ``UserRequest`` is a plain dataclass, with no ``to_dict``."""
    handler = run_block("best-practices/use-type-validation")["handler"]
    status, envelope = envelope_of(handler(sample(trigger, {"name": "Ada", "age": 36}), context()))
    assert status == 200
    assert envelope["rslt_cd"] == "S99999"
    assert "to_dict" in envelope["rslt_msg"]
    assert set(envelope) == {"rslt_cd", "rslt_msg", "duration"}


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_handle_different_content_types(trigger: str) -> None:
    handler = run_block("best-practices/handle-different-content-types")["handler"]
    result = handler(sample(trigger, None), context())
    status, headers, body = http_result(result)
    assert status == 200
    assert headers["Content-Type"] == "application/xml; charset=UTF-8"
    assert body == "<root>XML response</root>"
    assert result["isBase64Encoded"] is False


def _best_practice_handler(process: Callable[[Any], Any]) -> tuple[Any, list[str]]:
    notified: list[str] = []
    namespace = run_block(
        "best-practices/custom-error-handling",
        notify_slack=notified.append,
        NOT_FOUND_ERROR=NOT_FOUND_ERROR,
        process_request=process,
        ResourceNotFoundError=ResourceNotFoundError,
    )
    return namespace["handler"], notified


def _not_found(body: Any) -> Any:
    raise ResourceNotFoundError(body)


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_ignored_app_error_is_not_notified(trigger: str) -> None:
    handler, notified = _best_practice_handler(_not_found)
    status, envelope = envelope_of(handler(sample(trigger, {"id": 7}), context()))
    assert status == 200
    assert envelope["rslt_cd"] == "B00404"
    assert envelope["rslt_msg"] == "Resource not found"
    assert notified == []


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_other_errors_are_still_notified(trigger: str) -> None:
    def broken(body: Any) -> Any:
        raise RuntimeError("database is down")

    handler, notified = _best_practice_handler(broken)
    status, envelope = envelope_of(handler(sample(trigger, {"id": 7}), context()))
    assert status == 200  # the seed's default for unexpected errors
    assert envelope["rslt_cd"] == "S99999"
    assert envelope["rslt_msg"] == "database is down"
    assert len(notified) == 1
    assert "database is down" in notified[0]


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_best_practice_success(trigger: str) -> None:
    handler, notified = _best_practice_handler(process_request)
    status, envelope = envelope_of(handler(sample(trigger, {"id": 7}), context()))
    assert status == 200
    assert envelope["data"] == {"processed": {"id": 7}}
    assert notified == []


@pytest.mark.parametrize("trigger", EACH_TRIGGER)
def test_request_context_usage(trigger: str) -> None:
    handler = run_block("best-practices/request-context-usage")["handler"]
    status, envelope = envelope_of(handler(sample(trigger), context()))
    assert status == 200
    assert envelope["data"] == {
        "client_ip": CLIENT_IP[trigger],
        "request_id": REQUEST_ID[trigger],
    }
