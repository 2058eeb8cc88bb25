from __future__ import annotations

import logging
from typing import Any

from lambdakit._notify import MAX_BODY_CHARS, build_report, deliver
from lambdakit.events import LambdaEvent
from lambdakit.redaction import REDACTED, Redactor
from lambdakit.testing import rest_event


def report_for(event, **kwargs):
    return build_report(
        function_name="handler",
        event=LambdaEvent.from_event(event),
        request_id="req-1",
        code="S99999",
        error_name="KeyError",
        message="'user_id'",
        traceback_text="Traceback...",
        redactor=Redactor(**kwargs),
    )


def test_report_redacts_query_and_nested_body():
    event = rest_event(
        "POST",
        "/p",
        query={"access_token": "s3cr3t-value", "page": "2"},
        body={"user": {"Password": "pw", "name": "n"}, "payments": [{"cvv": "123"}]},
    )
    report = report_for(event)
    assert "s3cr3t-value" not in report
    assert '"page":"2"' in report
    assert '"Password":"[REDACTED]"' in report
    assert '"cvv":"[REDACTED]"' in report
    assert "request_id: req-1" in report
    assert "[S99999] KeyError: 'user_id'" in report


def test_report_truncates_large_bodies():
    report = report_for(rest_event("POST", body={"blob": "x" * (MAX_BODY_CHARS * 2)}))
    body_line = next(line for line in report.splitlines() if line.startswith("body: "))
    assert len(body_line) < MAX_BODY_CHARS + 100


def test_unreadable_body_is_described_not_copied():
    report = report_for(rest_event("POST", body="password=hunter2&x=1"))
    assert "hunter2" not in report
    assert "<unreadable: Request body is not valid JSON>" in report


def test_non_http_event_report_has_no_request_lines():
    report = report_for({"task": "x"})
    assert "request:" not in report


def test_redactor_extra_fields_and_depth():
    redactor = Redactor(["SSN"])
    assert redactor.redact({"ssn": "1", "name": "n"}) == {"ssn": REDACTED, "name": "n"}
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(50):
        node["a"] = {}
        node = node["a"]
    redactor.redact(deep)  # no RecursionError


def test_deliver_swallows_and_logs_receiver_errors(caplog):
    def receiver(_: str) -> None:
        raise RuntimeError("webhook 500")

    from lambdakit.logs import configure_logging

    configure_logging()  # lambdakit's logger is set up on first use: do it before we change it
    logger = logging.getLogger("lambdakit")
    logger.propagate = True
    try:
        with caplog.at_level(logging.ERROR, logger="lambdakit"):
            deliver(receiver, "report", request_id="r")
    finally:
        logger.propagate = False
    assert "error_receiver failed" in caplog.text


def test_more_secret_names_are_redacted():
    redactor = Redactor()
    for name in (
        "X-Auth",
        "access_key",
        "X-Amzn-Oidc-Data",
        "X-Amzn-Oidc-Accesstoken",
        "jwt",
        "otp",
        "pin",
        "ssn",
        "key",
        "client_secret",
        "Proxy-Authorization",
    ):
        assert redactor.is_secret(name), name
    for name in ("shipping", "monkey", "name", "keyboard_layout", "page"):
        assert not redactor.is_secret(name), name
