"""The Python a function's workers run on, with its dependencies, found as ``sam build`` finds
them: ``requirements.txt`` in its ``CodeUri`` and in its local layers' ``ContentUri``.

- ``Runtime: python3.X`` picks that interpreter when one is installed (on ``PATH`` or under
  pyenv), otherwise a warning and this server's Python.
- With no requirements and the server's own Python, the worker runs on the server's Python
  (whose environment has ``awslambdaric`` and ``boto3``, as the Lambda runtime has ``boto3``).
- Otherwise an environment of the function's own is made once, in the cache folder
  (``tls.cache_dir()/envs/<hash>``, the hash of the interpreter's version and the requirements),
  with ``awslambdaric`` and ``boto3`` beside the requirements. ``install=False``
  (``--no-install``) never installs: it says what is missing and uses the server's Python.

A layer's content is importable as Lambda's ``/opt/python``: its ``python/`` folder if it has
one, else the folder itself. A layer given by ARN cannot be downloaded without an AWS account;
AWS's public Powertools for AWS Lambda (Python) layers are installed from PyPI instead
(``aws-lambda-powertools[all]`` of the layer's major version), others are named in a warning.
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Final

from lambdakit.local.config import FunctionRef
from lambdakit.local.tls import cache_dir

log = logging.getLogger("lambdakit.local")
# The oldest that do what the workers need: awslambdaric 2.x is the runtime client of Lambda's
# python3.7/3.8 (3.x needs 3.9); boto3 1.28 reads AWS_ENDPOINT_URL_<SERVICE> (1.34 needs 3.8).
# pip picks the newest the function's Python can run.
RUNTIME_PACKAGES: Final = ("awslambdaric>=2,<5", "boto3>=1.28,<2")


# arn:aws:lambda:REGION:017000801446:layer:AWSLambdaPowertoolsPythonV2-Arm64:43 (V3-python312-...)
_POWERTOOLS_LAYER: Final = re.compile(
    r"^arn:aws[\w-]*:lambda:[\w-]+:017000801446:layer:AWSLambdaPowertoolsPython(V(\d+))?[-\w]*:\d+$"
)


def layer_requirement(arn: str) -> str | None:
    """What pip installs in place of a public layer, or ``None`` for an unknown one."""
    match = _POWERTOOLS_LAYER.match(arn)
    if match is None:
        return None
    major = int(match.group(2) or 1)
    return f"aws-lambda-powertools[all]>={major},<{major + 1}"


def _version(runtime: str) -> str | None:
    """``python3.12`` -> ``3.12``."""
    if runtime.startswith("python") and runtime[6:].replace(".", "").isdigit():
        return runtime[6:]
    return None


def _works(python: str) -> bool:
    try:
        done = subprocess.run(  # noqa: S603 - an interpreter path we found ourselves
            [python, "-c", "import sys"], capture_output=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def find_python(version: str) -> str | None:
    """An installed ``python{version}`` that runs (a pyenv shim for a version that is not
    selected does not)."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == version:
        return sys.executable
    candidates = [shutil.which(f"python{version}") or ""]
    pyenv_root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    candidates += sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"))
    return next((c for c in candidates if c and _works(c)), None)


def layer_paths(function: FunctionRef) -> tuple[str, ...]:
    paths = []
    for layer in function.layers:
        python = Path(layer) / "python"
        paths.append(str(python if python.is_dir() else Path(layer)))
    return tuple(paths)


def requirement_files(function: FunctionRef) -> list[Path]:
    folders = [Path(function.code_uri)] if function.code_uri else []
    folders += [Path(layer) for layer in function.layers]
    return [f / "requirements.txt" for f in folders if (f / "requirements.txt").is_file()]


class Environments:
    """``await environments.interpreter(function)`` -> (python, extra import paths); made
    once per function and cached. ``warnings`` collects what could not be honoured."""

    def __init__(self, *, install: bool = True, root: Path | None = None) -> None:
        self.install = install
        self.root = root
        self.warnings: list[str] = []
        self._locks: dict[str, asyncio.Lock] = {}
        self._chosen: dict[str, tuple[str, tuple[str, ...]]] = {}

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            log.warning(message)

    async def interpreter(self, function: FunctionRef) -> tuple[str, tuple[str, ...]]:
        key = f"{function.function_name}|{function.code_uri}|{function.runtime}"
        chosen = self._chosen.get(key)
        if chosen is None:
            lock = self._locks.setdefault(key, asyncio.Lock())
            async with lock:
                chosen = self._chosen.get(key)
                if chosen is None:
                    chosen = await asyncio.to_thread(self._choose, function)
                    self._chosen[key] = chosen
        return chosen

    def _choose(self, function: FunctionRef) -> tuple[str, tuple[str, ...]]:
        name = function.function_name
        python = sys.executable
        version = _version(function.runtime) if function.runtime else None
        if version is not None:
            found = find_python(version)
            if found is None:
                this = f"{sys.version_info[0]}.{sys.version_info[1]}"
                self._warn(f"{name}: Runtime {function.runtime}: no python{version} installed; "
                           f"it runs on this server's Python {this}")  # fmt: skip
            else:
                python = found
        requirements = requirement_files(function)
        packages = []
        for arn in function.layer_arns:
            package = layer_requirement(arn)
            if package is None:
                self._warn(f"{name}: layer {arn} is not local: its content is missing")
            else:
                packages.append(package)
        if python == sys.executable and not requirements and not packages:
            return python, layer_paths(function)
        texts = [f.read_text(encoding="utf-8") for f in requirements]
        digest = hashlib.sha256(
            "\0".join([_python_version(python), *RUNTIME_PACKAGES, *packages, *texts]).encode()
        ).hexdigest()[:16]
        folder = (self.root or cache_dir() / "envs") / digest
        venv_python = folder / "bin" / "python"
        if (folder / ".complete").exists():
            return str(venv_python), layer_paths(function)
        if not self.install:
            missing = (
                ", ".join([*map(str, requirements), *packages]) or "awslambdaric for " + python
            )
            self._warn(f"{name}: --no-install: not installed: {missing}; it runs on this "
                       "server's Python and packages")  # fmt: skip
            return sys.executable, layer_paths(function)
        log.warning("%s: installing its dependencies into %s (once)", name, folder)
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        subprocess.run([python, "-m", "venv", str(folder)], check=True)  # noqa: S603
        command = [
            str(venv_python),
            "-m",
            "pip",
            "install",
            "--quiet",
            *RUNTIME_PACKAGES,
            *packages,
        ]
        for requirement in requirements:
            command += ["-r", str(requirement)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            self._warn(f"{name}: installing its dependencies failed; it runs on this server's "
                       f"Python:\n{done.stderr[-2000:]}")  # fmt: skip
            return sys.executable, layer_paths(function)
        (folder / ".complete").write_text("\n".join(str(f) for f in requirements))
        return str(venv_python), layer_paths(function)


def _python_version(python: str) -> str:
    done = subprocess.run(  # noqa: S603
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()
