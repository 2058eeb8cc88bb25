"""Every Python example in the README runs as written."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^## (?P<section>[^\n]+)$|^```python\n(?P<code>.*?)^```", re.M | re.S)


def examples() -> list[pytest.ParameterSet]:
    params, section, count = [], "top", 0
    for match in BLOCK.finditer(README.read_text(encoding="utf-8")):
        if match["section"]:
            section, count = match["section"].strip(), 0
            continue
        count += 1
        params.append(pytest.param(match["code"], id=f"{section}-{count}"))
    return params


@pytest.mark.parametrize("code", examples())
def test_readme_example_runs(code, monkeypatch):
    module = types.ModuleType("readme_example")  # dataclasses look their module up
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(code, str(README), "exec"), module.__dict__)
