"""Both JSON writers (json, and orjson when installed) give the same text."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
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
