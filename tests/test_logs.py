from __future__ import annotations

import json
import logging

import pytest

from lambdakit.logs import JsonFormatter, level_from_env


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, logging.INFO),
        ({"LAMBDAKIT_LOG_LEVEL": "debug"}, logging.DEBUG),
        ({"AWS_LAMBDA_LOG_LEVEL": "WARN"}, logging.WARNING),
        ({"LAMBDAKIT_LOG_LEVEL": "nonsense"}, logging.INFO),
    ],
    ids=["default", "ours", "lambda's", "invalid"],
)
def test_level_from_env(monkeypatch, env, expected):
    monkeypatch.delenv("LAMBDAKIT_LOG_LEVEL", raising=False)
    monkeypatch.delenv("AWS_LAMBDA_LOG_LEVEL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert level_from_env() == expected


def test_json_formatter_includes_extra_and_exception():
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "lambdakit", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info()
        )
    record.request_id = "req-9"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed x"
    assert entry["level"] == "ERROR"
    assert entry["request_id"] == "req-9"
    assert entry["exception"]["type"] == "ValueError"
    assert "Traceback" in entry["exception"]["traceback"]
    assert entry["timestamp"].endswith("Z")
