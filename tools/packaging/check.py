"""Check an artifact in a clean interpreter: unzip it, then serve sample events through it.

The interpreter runs with ``-I -S``: no ``PYTHONPATH``, no user or system site-packages, no
current directory on the path. Only the standard library and the unzipped code are importable,
as on Lambda (whose runtime adds boto3, which the sample events are chosen not to need).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from typing import Final

HERE: Final = Path(__file__).resolve().parent
SERVE_EVENTS: Final = HERE / "serve_events.py"
SAMPLE_EVENTS: Final = HERE / "sample_events.json"
SYSTEM_PYTHON: Final = "/usr/bin/python3"


def default_python() -> str:
    """The system's python3 (not a virtual environment's), else the first python3 on PATH."""
    if Path(SYSTEM_PYTHON).exists():
        return SYSTEM_PYTHON
    found = shutil.which("python3")
    if found is None:
        raise RuntimeError("no python3 to check the artifact with: pass --python")
    return found


def check_artifact(artifact: Path, python: str, events: Path = SAMPLE_EVENTS) -> int:
    """Serve ``events`` through ``artifact`` in a clean ``python``; its exit status (0: ok).
    The interpreter's output goes to this process's stdout."""
    with tempfile.TemporaryDirectory(prefix="lambdakit-artifact-") as scratch:
        code_root = Path(scratch) / "task"
        with zipfile.ZipFile(artifact) as archive:
            archive.extractall(code_root)
        # A minimal environment, as Lambda gives one: nothing from this shell leaks in.
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "HOME": scratch,
        }
        command = [python, "-I", "-S", str(SERVE_EVENTS), str(code_root), str(events)]
        completed = subprocess.run(command, env=env, cwd=scratch, check=False)  # noqa: S603
        return completed.returncode
