"""Shared test helpers: the real sample events under ``tests/fixtures/events/``."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
EVENTS = FIXTURES / "events"


@functools.cache
def _read_event(name: str) -> Any:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


def load_event(name: str) -> Any:
    """A fresh copy of a sample event: ``load_event("powertools/apiGatewayProxyEvent.json")``."""
    return copy.deepcopy(_read_event(name))


def event_names() -> list[str]:
    """Every sample event, as ``"<folder>/<file>.json"``."""
    return sorted(str(p.relative_to(EVENTS)) for p in EVENTS.glob("*/*.json"))


@pytest.fixture(name="load_event")
def load_event_fixture() -> Callable[[str], Any]:
    return load_event
