"""Build one deployment zip: lambdakit's wheel installed for the Lambda platform, plus the app.

Dependencies are installed as Lambda needs them, whatever machine builds: ``pip install
--platform manylinux2014_{x86_64,aarch64} --implementation cp --python-version 3.12
--only-binary=:all: --target``. lambdakit is pure Python and depends on nothing, so the two
architectures differ only in name today; a binary dependency added later (pydantic-core, say)
would get the right wheel. boto3 is not bundled: the Lambda runtime provides it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Final

from tools.packaging.contents import copy_app, drop_install_leftovers

PLATFORMS: Final = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
LAMBDA_PYTHON: Final = "3.12"  # the template's Runtime: python3.12
# Fixed member timestamps and modes: the same sources give the same bytes (and the same
# CodeSha256), so an unchanged app is never redeployed.
ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)
FILE_MODE: Final = 0o100644


def _pip(*args: str) -> None:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_ROOT_USER_ACTION": "ignore"}
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, env=env)  # noqa: S603


def build_wheel(root: Path, out_dir: Path) -> Path:
    """lambdakit's wheel (lambdakit + chainsaws), built from the source tree."""
    _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(out_dir), str(root))
    wheels = sorted(out_dir.glob("lambdakit-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one lambdakit wheel in {out_dir}, found {wheels}")
    return wheels[0]


def install_for_lambda(wheel: Path, arch: str, target: Path) -> None:
    """Install ``wheel`` and its dependencies into ``target`` for Lambda's ``arch``."""
    if arch not in PLATFORMS:
        raise ValueError(f"arch must be one of {sorted(PLATFORMS)}, not {arch!r}")
    _pip(
        "install",
        "--quiet",
        "--platform",
        PLATFORMS[arch],
        "--implementation",
        "cp",
        "--python-version",
        LAMBDA_PYTHON,
        "--only-binary=:all:",
        "--no-compile",  # bytecode for this machine's Python is of no use to Lambda's
        "--target",
        str(target),
        str(wheel),
    )
    drop_install_leftovers(target)


def stage(root: Path, wheel: Path, arch: str, target: Path) -> None:
    """Fill ``target`` with what the function's code root holds (``/var/task`` on Lambda)."""
    install_for_lambda(wheel, arch, target)
    copy_app(root, target)
    precompile(target)


def precompile(target: Path) -> bool:
    """Compile the code for Lambda's Python, when that interpreter is here.

    Lambda's code folder is read-only: without bytecode in the artifact, every cold start
    compiles every module it imports. ``unchecked-hash`` bytecode is used without comparing
    timestamps, which a zip does not keep exactly.
    """
    interpreter = shutil.which(f"python{LAMBDA_PYTHON}")
    runs = (
        interpreter is not None
        and subprocess.run(  # noqa: S603 - a pyenv shim may not run
            [interpreter, "-c", "pass"], capture_output=True, check=False
        ).returncode
        == 0
    )
    if interpreter is None or not runs:
        print(
            f"note: no python{LAMBDA_PYTHON} here: the artifact carries no bytecode, so "
            "Lambda compiles the modules on each cold start",
            file=sys.stderr,
        )
        return False
    subprocess.run(  # noqa: S603
        [
            interpreter,
            "-m",
            "compileall",
            "-q",
            "-j0",
            "--invalidation-mode",
            "unchecked-hash",
            str(target),
        ],
        check=True,
    )
    return True


def write_zip(source: Path, destination: Path) -> None:
    """Zip the contents of ``source`` (paths relative to it), reproducibly."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    # Bytecode is kept only for Lambda's Python (see precompile); anything else is this
    # machine's leftovers.
    tag = f"cpython-{LAMBDA_PYTHON.replace('.', '')}"
    files = sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and (path.suffix != ".pyc" or f".{tag}." in path.name)
    )
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), ZIP_EPOCH)
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
