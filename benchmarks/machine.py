"""What the figures were measured on: CPU, cores, OS, Python, package versions, date."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.runner import Interpreters, probe_env
from benchmarks.settings import ROOT

PACKAGES = {
    "lambdakit": ("lambdakit", "pydantic", "orjson", "boto3", "uvicorn", "websockets"),
    "peers": ("aws-lambda-powertools", "chalice", "pydantic", "botocore"),
}

_VERSIONS = (
    "import importlib.metadata as m, json, sys\n"
    "def v(p):\n"
    "    try: return m.version(p)\n"
    "    except m.PackageNotFoundError: return None\n"
    "print(json.dumps({'python': sys.version.split()[0], "
    "'packages': {p: v(p) for p in sys.argv[1:]}}))"
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _versions(python: Path, packages: tuple[str, ...]) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our interpreters
        [str(python), "-c", _VERSIONS, *packages],
        env=probe_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    versions: dict[str, Any] = json.loads(done.stdout)
    return versions


def _revision() -> str | None:
    """The commit measured, with ``+changes`` when lambdakit's files differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "lambdakit", "chainsaws"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}+changes" if dirty else head


def describe(interpreters: Interpreters) -> dict[str, Any]:
    lambdakit = _versions(interpreters.lambdakit, PACKAGES["lambdakit"])
    peers = _versions(interpreters.peers, PACKAGES["peers"])
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
        "python": lambdakit["python"],
        "python_peers": peers["python"],
        "packages": {"lambdakit_venv": lambdakit["packages"], "peers_venv": peers["packages"]},
        "revision": _revision(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }
