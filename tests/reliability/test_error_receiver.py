"""An ``error_receiver`` that raises or hangs never delays or changes the response beyond a bound.

The receivers below block on an event that the test sets only after the handler has returned:
that the handler returns at all proves the response did not wait for them. The bound is
``LAMBDAKIT_ERROR_RECEIVER_TIMEOUT`` (set small here); its passing is logged.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from lambdakit import _notify as notify
from lambdakit import aws_lambda_handler
from lambdakit._notify import deliver, receiver_timeout
from lambdakit.settings import RECEIVER_TIMEOUT_ENV
from lambdakit.testing import LambdaContext, rest_event, websocket_message_event
from lambdakit.websocket import WebSocketResolver


@pytest.fixture(autouse=True)
def short_bound(monkeypatch):
    monkeypatch.setenv(RECEIVER_TIMEOUT_ENV, "0.2")
    monkeypatch.delenv("LAMBDAKIT_TRACEBACK", raising=False)


def receiver_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "lambdakit-error-receiver"]


def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached")
        time.sleep(0.01)


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    """What hanging receivers wait for; opened at the end of the test whatever happens, and
    their threads gone before the next test."""
    event = threading.Event()
    wait_for(lambda: not receiver_threads())
    yield event
    event.set()
    wait_for(lambda: not receiver_threads())


def without_duration(result: dict[str, Any]) -> dict[str, Any]:
    body = json.loads(result["body"])
    body.pop("duration", None)
    return {**result, "body": body}


def failing_handler(receiver: Any) -> Any:
    @aws_lambda_handler(error_receiver=receiver)
    def handler(event: Any, context: Any) -> Any:
        raise RuntimeError("database down")

    return handler


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_hanging_receiver_does_not_hold_or_change_the_response(kind, gate, lambdakit_logs):
    started = threading.Event()

    def hang(report: str) -> None:
        started.set()
        gate.wait(60)

    async def hang_async(report: str) -> None:
        started.set()
        while not gate.is_set():
            await asyncio.sleep(0.01)

    reference = failing_handler(None)(rest_event("POST", "/x"), LambdaContext())
    result = failing_handler(hang if kind == "sync" else hang_async)(
        rest_event("POST", "/x"), LambdaContext()
    )
    assert started.is_set()
    assert not gate.is_set()  # the receiver is still running: the response did not wait
    assert without_duration(result) == without_duration(reference)
    assert "error_receiver did not finish within 0.2 s" in "\n".join(lambdakit_logs.messages())


def test_a_raising_receiver_does_not_change_the_response(lambdakit_logs):
    def explode(report: str) -> None:
        raise ConnectionError("webhook down")

    reference = failing_handler(None)(rest_event("POST", "/x"), LambdaContext())
    result = failing_handler(explode)(rest_event("POST", "/x"), LambdaContext())
    assert without_duration(result) == without_duration(reference)
    failures = [r for r in lambdakit_logs.records if r["message"] == "error_receiver failed"]
    assert failures
    assert failures[0]["exception"]["message"] == "webhook down"


def test_a_quick_receiver_has_the_report_before_the_response_returns():
    reports: list[str] = []
    failing_handler(reports.append)(rest_event("POST", "/x"), LambdaContext())
    assert len(reports) == 1
    assert "RuntimeError: database down" in reports[0]


def test_the_websocket_resolver_answers_while_its_receiver_hangs(gate, lambdakit_logs):
    started = threading.Event()

    def hang(report: str) -> None:
        started.set()
        gate.wait(60)

    resolver = WebSocketResolver(error_receiver=hang)

    @resolver.on_message("boom")
    def boom(event: Any, context: Any, connection_id: str, body: Any) -> Any:
        raise RuntimeError("route exploded")

    event = websocket_message_event({"action": "boom"}, route_key="boom")
    result = resolver.resolve(event, None)
    assert started.is_set()
    assert not gate.is_set()
    assert result["statusCode"] == 500
    assert json.loads(result["body"])["message"] == "Internal server error"


def test_hung_receivers_are_bounded_in_number_too(gate, lambdakit_logs):
    calls: list[str] = []

    def hang(report: str) -> None:
        calls.append(report)
        gate.wait(60)

    handler = failing_handler(hang)
    results = [
        handler(rest_event("POST", "/x"), LambdaContext())
        for _ in range(notify.MAX_PENDING_DELIVERIES + 3)
    ]
    assert all(r["statusCode"] == 200 for r in results)  # the seed's status for S99999
    assert len(calls) == notify.MAX_PENDING_DELIVERIES  # no more threads than the bound
    messages = lambdakit_logs.messages()
    assert sum("report dropped" in m for m in messages) == 3
    gate.set()  # the receivers finish: their places are free again
    wait_for(lambda: not receiver_threads())
    assert deliver(lambda report: None, "r", request_id="r", timeout=5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3.5", 3.5), ("", 2.0), ("0", 2.0), ("-1", 2.0), ("nan", 2.0), ("soon", 2.0)],
)
def test_the_bound_comes_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv(RECEIVER_TIMEOUT_ENV, value)
    assert receiver_timeout() == expected


def test_deliver_takes_an_explicit_bound_and_reports_the_outcome(gate):
    assert deliver(lambda report: None, "r", request_id="r", timeout=5) is True
    assert deliver(lambda report: gate.wait(60), "r", request_id="r", timeout=0.05) is False
