"""The Python a function's workers run on, with its dependencies, found as ``sam build`` finds
them: ``requirements.txt`` in its ``CodeUri`` and in its local layers' ``ContentUri``.

- ``Runtime: python3.X`` picks that interpreter when one is installed (on ``PATH`` or under
  pyenv), otherwise a warning and this server's Python.
- With no requirements and the server's own Python, the worker runs on the server's Python
  (whose environment has ``awslambdaric`` and ``boto3``, as the Lambda runtime has ``boto3``).
- Otherwise an environment of the function's own is made once, in the cache folder
  (``tls.cache_dir()/envs/<hash>``, the hash of the interpreter's version and the requirements),
  with ``awslambdaric`` and ``boto3`` beside the requirements (not ``boto3`` when they name
  their own AWS SDK: theirs wins, as on Lambda; one too old to read ``AWS_ENDPOINT_URL_*`` is
  named). ``install=False``
  (``--no-install``) never installs: it says what is missing and uses the server's Python.
- Requirements that do not install (pip fails) are named at start-up with pip's reason, and
  the function's invocations fail (``DependenciesFailed``), as a function whose build failed
  was never deployed: never a run on other packages than it asked for.

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
# A function that pins its own AWS SDK keeps it, as its copy comes first on Lambda's sys.path.
_SDK: Final = frozenset({"boto3", "botocore", "s3transfer"})
_NAME: Final = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _names(texts: list[str]) -> set[str]:
    """The project names the requirement files ask for (normalised as pip compares them)."""
    found = set()
    for text in texts:
        for line in text.splitlines():
            match = _NAME.match(line)
            if match is not None and not line.lstrip().startswith("-"):
                found.add(re.sub(r"[-_.]+", "-", match.group(1)).lower())
    return found


def runtime_packages(texts: list[str]) -> tuple[str, ...]:
    """What the workers need beside the requirements: awslambdaric, and boto3 unless the
    function names its own AWS SDK."""
    if _names(texts) & _SDK:
        return RUNTIME_PACKAGES[:1]
    return RUNTIME_PACKAGES


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


class DependenciesFailed(Exception):
    """A function's requirements could not be installed: it cannot start, as a function whose
    build failed was never deployed. Its invocations fail with this message."""


def _pip_error(stderr: str) -> str:
    """The line of pip's output that says why: its last ``ERROR:`` line, else its last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    found = (errors or lines or ["pip failed"])[-1]
    return found if len(found) <= 300 else found[:297] + "..."


class Environments:
    """``await environments.interpreter(function)`` -> (python, extra import paths); made
    once per function and cached. ``warnings`` collects what could not be honoured."""

    def __init__(self, *, install: bool = True, root: Path | None = None) -> None:
        self.install = install
        self.root = root
        self.warnings: list[str] = []
        self._locks: dict[str, asyncio.Lock] = {}
        self._chosen: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._failed: dict[str, DependenciesFailed] = {}  # pip is not run again for each call

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
                if key in self._failed:
                    raise self._failed[key]
                chosen = self._chosen.get(key)
                if chosen is None:
                    try:
                        chosen = await asyncio.to_thread(self._choose, function)
                    except DependenciesFailed as failed:
                        self._failed[key] = failed
                        raise
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
        runtime = runtime_packages(texts)
        digest = hashlib.sha256(
            "\0".join([_python_version(python), *runtime, *packages, *texts]).encode()
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
            *runtime,
            *packages,
        ]
        for requirement in requirements:
            command += ["-r", str(requirement)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            reason = _pip_error(done.stderr)
            log.warning("%s: pip's output:\n%s", name, done.stderr[-4000:])
            self._warn(f"{name}: installing its dependencies failed ({reason}): its "
                       "invocations fail until they install (restart the server)")  # fmt: skip
            shutil.rmtree(folder, ignore_errors=True)
            raise DependenciesFailed(f"{name}: its dependencies could not be installed: {reason}")
        (folder / ".complete").write_text("\n".join(str(f) for f in requirements))
        if runtime != RUNTIME_PACKAGES:
            self._check_sdk(name, str(venv_python))
        return str(venv_python), layer_paths(function)

    def _check_sdk(self, name: str, python: str) -> None:
        """Name a pinned boto3 too old to read ``AWS_ENDPOINT_URL_<SERVICE>``: its calls would
        go to AWS, not to this server's tables and APIs."""
        done = subprocess.run(  # noqa: S603
            [python, "-c", "import boto3; print(boto3.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        )
        version = tuple(int(p) for p in re.findall(r"\d+", done.stdout)[:2])
        if done.returncode == 0 and version < (1, 28):
            self._warn(f"{name}: its requirements pin boto3 {done.stdout.strip()}, which does "
                       "not read AWS_ENDPOINT_URL_<SERVICE> (1.28 does): its AWS calls go to AWS, "
                       "not to this server's tables and Invoke API")  # fmt: skip


def _python_version(python: str) -> str:
    done = subprocess.run(  # noqa: S603
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()
