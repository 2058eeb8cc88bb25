"""The JSON writers (json's C encoder called directly, ``JSONEncoder.encode``, and orjson when
installed) give the same text; orjson writes only when ``LAMBDAKIT_JSON=orjson`` asks for it."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import os
import subprocess
import sys
import uuid

import pytest

from lambdakit import _json


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: float
    _tag: str = "p"


SAMPLES = [
    pytest.param({"a": 1, "b": [1, 2.5, None, True], "c": "zoë"}, id="plain"),
    pytest.param({"p": Point(1, 2.5)}, id="dataclass"),
    pytest.param({"when": datetime.datetime(2026, 1, 2, 3, 4, 5, 678000)}, id="datetime"),
    pytest.param({"day": datetime.date(2026, 1, 2)}, id="date"),
    pytest.param({"n": decimal.Decimal("1.5"), "i": decimal.Decimal("7")}, id="decimal"),
    pytest.param({"id": uuid.UUID(int=1)}, id="uuid"),
    pytest.param({"c": Color.RED}, id="enum"),
    pytest.param({"s": frozenset({1})}, id="set"),
    pytest.param({1: "int key"}, id="int-key"),
    pytest.param({Color.RED: "enum key"}, id="enum-key"),
    pytest.param({"big": 2**70}, id="big-int"),
    pytest.param([[[[1]]]], id="nested"),
]


@pytest.mark.parametrize("value", SAMPLES)
def test_backends_agree(value, monkeypatch):
    orjson = pytest.importorskip("orjson")
    fast = _json._orjson_dumps(orjson)
    try:
        stdlib = _json._stdlib_dumps(value)
    except TypeError:
        with pytest.raises(TypeError):
            fast(value)
        return
    assert json.loads(fast(value)) == json.loads(stdlib)


def test_deep_nesting_falls_back_to_json():
    orjson = pytest.importorskip("orjson")
    deep: list[object] = []
    node = deep
    for _ in range(300):
        child: list[object] = []
        node.append(child)
        node = child
    assert _json._orjson_dumps(orjson)(deep) == _json._stdlib_dumps(deep)


def test_stdlib_refuses_nan_and_unknown_types():
    with pytest.raises(ValueError, match="Out of range float"):
        _json._stdlib_dumps(float("nan"))
    with pytest.raises(TypeError, match="not JSON serializable"):
        _json._stdlib_dumps(object())


def test_parsing_is_exact_and_strict():
    assert (
        _json.loads('{"n": 123456789012345678901234567890}')["n"] == 123456789012345678901234567890
    )
    with pytest.raises(ValueError, match="NaN"):
        _json.loads("NaN")
    with pytest.raises(ValueError, match="out of range"):
        _json.loads('{"x": 1e999}')
    assert _json.loads("[1.5e308, -2.5, 1e-400]") == [1.5e308, -2.5, 0.0]


@pytest.mark.parametrize("value", SAMPLES)
def test_c_encoder_writes_what_json_encoder_writes(value):
    try:
        expected = _json._python_dumps(value)
    except TypeError:
        with pytest.raises(TypeError):
            _json._stdlib_dumps(value)
        return
    assert _json._stdlib_dumps(value) == expected


def test_stdlib_writer_answers_a_cycle_with_value_error():
    cycle: list[object] = []
    cycle.append(cycle)
    with pytest.raises(ValueError, match="Circular reference"):
        _json._stdlib_dumps(cycle)


@pytest.mark.parametrize(
    ("setting", "writer"),
    [
        pytest.param(None, "stdlib", id="unset"),
        pytest.param("", "stdlib", id="empty"),
        pytest.param("stdlib", "stdlib", id="stdlib"),
        pytest.param(" JSON ", "stdlib", id="json"),
        pytest.param("OrJSON", "orjson", id="orjson"),
    ],
)
def test_the_setting_alone_chooses_the_writer(setting, writer, monkeypatch):
    if setting is None:
        monkeypatch.delenv("LAMBDAKIT_JSON", raising=False)
    else:
        monkeypatch.setenv("LAMBDAKIT_JSON", setting)
    assert _json.chosen_writer() == writer


def test_an_unknown_writer_is_refused(monkeypatch):
    monkeypatch.setenv("LAMBDAKIT_JSON", "ujson")
    with pytest.raises(ValueError, match="'stdlib' \\(the default\\) or 'orjson'"):
        _json.chosen_writer()


# A cold start as Lambda pays it: import, set-up and the first response, in a fresh process.
_FIRST_RESPONSE = (
    "import sys; from lambdakit import aws_lambda_handler;"
    "from lambdakit.testing import rest_event;"
    "result = aws_lambda_handler()(lambda e, c: {'ok': 1})(rest_event(), None);"
    "assert result['statusCode'] == 200, result;"
    "print('orjson' in sys.modules)"
)


def _first_response_imports_orjson(setting: str | None) -> bool:
    env = {k: v for k, v in os.environ.items() if k != "LAMBDAKIT_JSON"}
    if setting is not None:
        env["LAMBDAKIT_JSON"] = setting
    result = subprocess.run(
        [sys.executable, "-c", _FIRST_RESPONSE], capture_output=True, text=True, check=True, env=env
    )
    return {"True": True, "False": False}[result.stdout.strip()]


@pytest.mark.parametrize("setting", [None, "stdlib"], ids=["unset", "stdlib"])
def test_first_response_does_not_import_orjson_unless_asked(setting):
    # Installed (the fast extra) is not asked for: its import costs ~11 ms of cold start.
    assert _first_response_imports_orjson(setting) is False


def test_first_response_imports_orjson_when_asked():
    pytest.importorskip("orjson")
    assert _first_response_imports_orjson("orjson") is True


def test_asking_for_orjson_without_it_names_the_extra(monkeypatch):
    monkeypatch.setenv("LAMBDAKIT_JSON", "orjson")
    monkeypatch.setitem(sys.modules, "orjson", None)  # as if not installed
    monkeypatch.setattr(_json, "_dumps", None)
    with pytest.raises(ImportError, match=r"lambdakit\[fast\]"):
        _json.dumps({"a": 1})
