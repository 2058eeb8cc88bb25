"""Security round 2, the Lambda side: hostile input never stalls the error path, secrets in
exception text never reach a client, a log line or a report, the error path never raises, and
headers and HTTP events are read by one rule.

Timing checks are ratios within one run (adversarial input against plain text of the same
size), never absolute times.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdakit import AppError, aws_lambda_handler, redaction
from lambdakit.headers import Headers
from lambdakit.redaction import REDACTED, SECRET_VALUE, Redactor
from lambdakit.testing import LambdaContext, rest_event, websocket_message_event
from lambdakit.websocket import WebSocketResolver

MB = 1_000_000
PLAIN = ("the quick brown fox jumps over the lazy dog " * (MB // 44 + 1))[:MB]
# One input per way a credential pattern could backtrack: runs that start a match again and
# again (JWT, AWS key, scheme), long separators, names without values, URLs without hosts.
ADVERSARIAL = {
    "jwt-starts": "eyJ" * (MB // 3),
    "jwt-one-segment": "eyJaaaaa." * (MB // 9),
    "scheme-words": "bearer " * (MB // 7),
    "scheme-whitespace": "Bearer" + " " * MB,
    "aws-key-id": "AKIA" * (MB // 4),
    "name-then-spaces": "a" * 63 + " " * MB,
    "names-without-values": "a: " * (MB // 3),
    "names-with-equals": "a=" * (MB // 2),
    "url-schemes": "://" * (MB // 3),
    "url-userinfo": ("://" + "a" * 250 + ":") * (MB // 254),
    "camel-words": "Aa" * (MB // 2),
}
# A quadratic scan takes thousands of times the plain one at 1 MB; a linear one a few times.
MAX_RATIO = 15

SECRETS = ("abcdefgh12345678", "AKIAABCDEFGHIJKLMNOP", "hunter2-pw", "s3cr3t-key")
SECRET_TEXT = (
    "call failed: GET https://api.example/v1?api_key=s3cr3t-key&page=2 "
    "with Authorization: Bearer abcdefgh12345678 as AKIAABCDEFGHIJKLMNOP; "
    "payload {'password': 'hunter2-pw', 'user': 'bob'}"
)


def best_of(func: Callable[[], Any], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


@pytest.fixture
def no_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scan whole megabytes: the linear bound must hold without the cap's help."""
    monkeypatch.setattr(redaction, "MAX_SCAN_CHARS", 10 * MB)


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
@pytest.mark.parametrize(
    "scan",
    [
        pytest.param(lambda text: SECRET_VALUE.search(text), id="value"),
        pytest.param(lambda text: Redactor().redact_text(text), id="text"),
        pytest.param(lambda text: Redactor().redact({"k": text}), id="mapping"),
        pytest.param(lambda text: Redactor().is_secret(text), id="name"),
    ],
)
def test_redaction_is_linear_on_adversarial_input(
    no_cap: None, name: str, scan: Callable[[str], Any]
) -> None:
    text = ADVERSARIAL[name]
    plain = best_of(lambda: scan(PLAIN))
    hostile = best_of(lambda: scan(text))
    assert hostile / plain < MAX_RATIO, f"{name}: {hostile:.3f} s vs {plain:.3f} s on plain text"


def test_no_string_is_scanned_past_the_cap() -> None:
    secret_late = "x" * redaction.MAX_SCAN_CHARS + " Bearer abcdefgh12345678"
    text = Redactor().redact_text(secret_late)
    assert "abcdefgh12345678" not in text
    assert text.endswith("more chars not shown]")
    assert len(text) < redaction.MAX_SCAN_CHARS + 100
    assert len(Redactor().redact(secret_late)) < redaction.MAX_SCAN_CHARS + 100


def test_a_megabyte_of_jwt_starts_does_not_stall_an_error_report() -> None:
    """The original attack: a body that makes every redaction pass backtrack."""
    reports: list[str] = []

    @aws_lambda_handler(error_receiver=reports.append)
    def handler(event: Any, context: Any) -> Any:
        raise RuntimeError("boom")

    def run(body: str) -> None:
        event = rest_event("POST", "/p", body=body, headers={"X-Trace": body[:9000]})
        event["queryStringParameters"] = {"q": body}
        handler(event, LambdaContext())

    plain = best_of(lambda: run(json.dumps({"text": PLAIN})), runs=2)
    hostile = best_of(lambda: run(json.dumps({"text": ADVERSARIAL["jwt-starts"]})), runs=2)
    assert len(reports) == 4
    assert hostile / plain < MAX_RATIO


# -- secrets in exception text -----------------------------------------------------------------


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert REDACTED in text


@pytest.mark.parametrize("traceback", [False, True], ids=["default", "traceback"])
def test_secrets_in_exception_text_are_redacted_everywhere(
    capsys: pytest.CaptureFixture[str], traceback: bool
) -> None:
    reports: list[str] = []

    @aws_lambda_handler(error_receiver=reports.append, traceback=traceback)
    def handler(event: Any, context: Any) -> Any:
        raise RuntimeError(SECRET_TEXT)

    result = handler(rest_event("GET", "/p"), LambdaContext())
    body = json.loads(result["body"])
    assert_clean(body["rslt_msg"])
    assert "page=2" in body["rslt_msg"]
    assert "'user': 'bob'" in body["rslt_msg"]
    if traceback:
        assert_clean(body["traceback"])
    assert_clean(reports[0])
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    error = next(entry for entry in logged if entry["level"] == "ERROR")
    assert_clean(json.dumps(error))


def test_secrets_in_app_error_messages_and_websocket_errors_are_redacted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reports: list[str] = []
    resolver = WebSocketResolver(error_receiver=reports.append, traceback=True)

    @resolver.on_message("app")
    def app_error(event: Any, context: Any, connection_id: str, body: Any) -> Any:
        raise AppError("B0001", SECRET_TEXT, status_code=403)

    @resolver.on_message("crash")
    def crash(event: Any, context: Any, connection_id: str, body: Any) -> Any:
        raise ValueError(SECRET_TEXT)

    answers = [
        resolver.resolve(websocket_message_event("{}", route_key=route), LambdaContext())
        for route in ("app", "crash")
    ]
    assert answers[0]["statusCode"] == 403
    assert_clean(json.loads(answers[0]["body"])["rslt_msg"])
    assert_clean(json.loads(answers[1]["body"])["traceback"])
    assert len(reports) == 2
    for report in reports:
        assert_clean(report)
    for line in capsys.readouterr().out.splitlines():
        for secret in SECRETS:
            assert secret not in line


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Token 0123456789abcdefSECRET", "0123456789abcdefSECRET"),
        ("failed: password=/etc-secret-xyz", "etc-secret-xyz"),
        ("failed: password=(hunter2)", "hunter2"),
        ("{'password': 'correct horse battery staple'}", "horse battery"),
        ('{"api_key": "[abc]"}', "abc"),
        ("passwd=<secret-value>", "secret-value"),
        ('secret: "#hashsecret"', "hashsecret"),
        ("postgresql://admin:s3/cr3t@db/x", "s3/cr3t"),
    ],
)
def test_secret_values_of_every_shape_are_redacted_in_text(text: str, secret: str) -> None:
    assert secret not in Redactor().redact_text(text)


def test_a_token_in_the_request_path_is_redacted_from_the_report() -> None:
    reports: list[str] = []

    @aws_lambda_handler(error_receiver=reports.append)
    def handler(event: Any, context: Any) -> Any:
        raise RuntimeError("boom")

    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    handler(rest_event("GET", f"/reset/{jwt}"), LambdaContext())
    assert jwt not in reports[0]


# -- the error path never raises ---------------------------------------------------------------


class BrokenStr(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ is broken")


@pytest.mark.parametrize("code", [["B1"], {"c": 1}, 42, None], ids=["list", "dict", "int", "none"])
def test_app_error_codes_that_are_not_strings_are_answered(
    capsys: pytest.CaptureFixture[str], code: Any
) -> None:
    reports: list[str] = []

    @aws_lambda_handler(error_receiver=reports.append, ignore_app_errors=["B2"])
    def handler(event: Any, context: Any) -> Any:
        raise AppError(code, "m")

    result = handler(rest_event("GET", "/p"), LambdaContext())
    assert json.loads(result["body"])["rslt_cd"] == str(code)
    assert len(reports) == 1
    logged = capsys.readouterr().out
    assert "programming error" in logged

    resolver = WebSocketResolver(ignore_app_errors=["B2"])

    @resolver.on_message()
    def on_message(event: Any, context: Any, connection_id: str, body: Any) -> Any:
        raise AppError(code, "m", status_code=409)

    answer = resolver.resolve(websocket_message_event("{}"), LambdaContext())
    assert answer["statusCode"] == 409
    assert json.loads(answer["body"])["rslt_cd"] == str(code)


@pytest.mark.parametrize("kind", ["plain", "app-error"])
def test_an_exception_whose_str_raises_still_logs_json_and_reports(
    capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    class BrokenAppError(AppError):
        def __str__(self) -> str:
            raise RuntimeError("__str__ is broken")

    reports: list[str] = []

    @aws_lambda_handler(error_receiver=reports.append)
    def handler(event: Any, context: Any) -> Any:
        raise BrokenStr() if kind == "plain" else BrokenAppError("B1", "m")

    result = handler(rest_event("GET", "/p"), LambdaContext())
    assert result["statusCode"] == 200
    captured = capsys.readouterr()
    assert "Logging error" not in captured.err
    entries = [json.loads(line) for line in captured.out.splitlines()]
    assert any("exception" in entry for entry in entries)
    assert len(reports) == 1
    assert "Traceback" in reports[0]


def test_the_json_formatter_survives_a_broken_str_anywhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from lambdakit._logger import real_logger

    try:
        raise BrokenStr()
    except BrokenStr:
        real_logger().exception("failed with a secret: token=abc123")
    captured = capsys.readouterr()
    assert "Logging error" not in captured.err
    entry = json.loads(captured.out.splitlines()[-1])
    assert entry["exception"]["type"] == "BrokenStr"


# -- headers: one rule for names that differ in case ------------------------------------------


@pytest.mark.parametrize("multi", [False, True], ids=["headers", "multiValueHeaders"])
def test_headers_with_a_name_spelt_twice_follow_one_rule(multi: bool) -> None:
    values = {"X-ID": "first", "x-id": "second", "Host": "h"}
    headers = Headers(None, {k: [v] for k, v in values.items()}) if multi else Headers(values)
    for spelling in ("X-ID", "x-id", "X-Id"):
        assert headers.get(spelling) == "first"
        assert headers[spelling] == "first"
        assert spelling in headers
        assert headers.get_all(spelling) == ["first", "second"]
    assert list(headers) == ["X-ID", "Host"]
    assert len(headers) == 2
    assert dict(headers) == {"X-ID": "first", "Host": "h"}


@given(
    st.dictionaries(
        st.sampled_from(["a", "A", "b", "B", "x-id", "X-ID", "X-Id"]), st.text(max_size=3)
    )
)
@settings(
    max_examples=int(os.environ.get("LAMBDAKIT_FUZZ_EXAMPLES", "200")),
    suppress_health_check=[HealthCheck.too_slow],
)
def test_every_header_accessor_agrees(values: dict[str, str]) -> None:
    headers = Headers(values)
    for name in values:
        every = headers.get_all(name)
        assert headers.get(name) == every[0]
        assert headers.get(name.upper()) == headers.get(name.lower())
    assert len(headers) == len(list(headers)) == len({k.lower() for k in values})


# -- any event with an HTTP method is answered as HTTP -----------------------------------------


@pytest.mark.parametrize(
    "context",
    [
        {"httpMethod": "GET", "stage": "prod"},
        {"http": {"method": "GET", "path": "/p"}},
    ],
    ids=["requestContext.httpMethod", "requestContext.http.method"],
)
def test_an_event_with_a_method_anywhere_gets_a_proxy_result(context: dict[str, Any]) -> None:
    @aws_lambda_handler()
    def handler(event: Any, context: Any) -> Any:
        return {"ok": True}

    result = handler({"requestContext": context, "path": "/p"}, LambdaContext())
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["data"] == {"ok": True}


# -- fuzz: redaction over text made of the patterns' own pieces --------------------------------

PIECES = st.sampled_from(
    [
        "eyJ",
        "eyJhbGciOi",
        ".",
        "Bearer",
        "basic",
        " ",
        "\t",
        "AKIA",
        "ASIA",
        "ABCDEFGH12345678",
        "=",
        ":",
        "'",
        '"',
        "://",
        "@",
        "&",
        "?",
        "token",
        "password",
        "user",
        "x",
        "_",
        "-",
        "[",
        "é",
    ]
)
FUZZ = settings(
    max_examples=int(os.environ.get("LAMBDAKIT_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@given(st.lists(PIECES, max_size=60).map("".join), st.sampled_from(SECRETS[:2]))
@FUZZ
def test_redaction_never_raises_and_removes_planted_credentials(noise: str, secret: str) -> None:
    redactor = Redactor()
    planted = f"{noise} Authorization: Bearer {secret} {noise}"
    assert secret not in redactor.redact_text(planted)
    assert redactor.redact({"h": planted}) == {"h": REDACTED}
    text = redactor.redact_text(noise)
    assert redactor.redact_text(text) == text  # redacting twice changes nothing more
