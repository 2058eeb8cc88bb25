"""Redaction under hostile input (security round 2): ``probe_redaction`` in lambdakit's venv."""

from __future__ import annotations

from typing import Any

from benchmarks.runner import Interpreters, run_probe
from benchmarks.settings import Settings


def measure(interpreters: Interpreters, settings: Settings) -> dict[str, Any]:
    return run_probe(
        interpreters.lambdakit, "benchmarks.probe_redaction", {"repeat": settings.repeat}
    )
