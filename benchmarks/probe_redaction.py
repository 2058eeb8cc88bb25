"""Redaction of hostile text: 1 MB of each adversarial input beside 1 MB of plain text, through
the same scans an error report makes (whole values, free text), with the scan cap lifted so the
figure is the scanner's own. Prints the seconds per input and the worst ratio."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from lambdakit import redaction
from lambdakit.redaction import Redactor

MB = 1_000_000
PLAIN = ("the quick brown fox jumps over the lazy dog " * (MB // 44 + 1))[:MB]
HOSTILE = {
    "jwt starts (eyJeyJ...)": "eyJ" * (MB // 3),
    "auth schemes (bearer bearer ...)": "bearer " * (MB // 7),
    "scheme then whitespace": "Bearer" + " " * MB,
    "AWS key id starts (AKIAAKIA...)": "AKIA" * (MB // 4),
    "names without values (a: a: ...)": "a: " * (MB // 3),
    "URL schemes (://://...)": "://" * (MB // 3),
}


def _seconds(text: str, repeat: int) -> float:
    redactor = Redactor()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        redaction.SECRET_VALUE.search(text)
        redactor.redact_text(text)
        best = min(best, time.perf_counter() - started)
    return best


def measure(options: dict[str, Any]) -> dict[str, Any]:
    redaction.MAX_SCAN_CHARS = 10 * MB  # type: ignore[misc]  # the scanner alone, uncapped
    repeat = max(1, min(int(options.get("repeat", 3)), 5))
    plain = _seconds(PLAIN, repeat)
    inputs = {name: _seconds(text, repeat) for name, text in HOSTILE.items()}
    return {"plain_s": plain, "inputs_s": inputs, "worst_ratio": max(inputs.values()) / plain}


if __name__ == "__main__":
    print(json.dumps(measure(json.loads(sys.argv[1]))))
