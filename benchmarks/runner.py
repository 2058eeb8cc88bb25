"""Run a probe (a module of this package) in a given interpreter and read back its JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.settings import ROOT


class ProbeError(RuntimeError):
    """A probe or server failed: the measurement crashed."""


@dataclass(frozen=True)
class Interpreters:
    """lambdakit's interpreter (the repository's .venv) and the peers' (their own venv)."""

    lambdakit: Path
    peers: Path


def probe_env(**extra: str) -> dict[str, str]:
    """The environment of every subprocess: dummy AWS credentials and region so boto3 signs
    its calls to the loopback servers and never looks for real ones (no instance metadata)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    env.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",  # noqa: S106 - a dummy for local servers
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        LAMBDAKIT_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def run_probe(
    python: Path,
    module: str,
    payload: dict[str, Any],
    *,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``python -m module '<payload JSON>'`` from the repository root, with ``env`` added to
    the environment; the probe prints one JSON object as its last line of output."""
    command = [str(python), "-m", module, json.dumps(payload)]
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreters and modules
            command,
            cwd=ROOT,
            env=probe_env(**(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise ProbeError(f"{module} did not finish in {timeout:.0f} s") from error
    if done.returncode != 0:
        raise ProbeError(f"{module} failed ({done.returncode}):\n{_tail(done.stderr)}")
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise ProbeError(f"{module} printed nothing:\n{_tail(done.stderr)}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def probe_main(measure: Any) -> None:
    """The entry point of a probe module: payload from ``argv[1]``, JSON result to stdout."""
    payload = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    result = measure(payload)
    sys.stdout.write(json.dumps(result) + "\n")


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
