"""Build one deployment zip: lambdakit's wheel installed for the Lambda platform, plus the app.

Dependencies are installed as Lambda needs them, whatever machine builds: ``pip install
--platform manylinux2014_{x86_64,aarch64} --implementation cp --python-version 3.12
--only-binary=:all: --target``. lambdakit is pure Python and depends on nothing, so the two
architectures differ only in name today; a binary dependency added later (pydantic-core, say)
would get the right wheel. boto3 is not bundled: the Lambda runtime provides it.
"""

from __future__ import annotations

import os
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


def write_zip(source: Path, destination: Path) -> None:
    """Zip the contents of ``source`` (paths relative to it), reproducibly."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(
        path
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(source).as_posix(), ZIP_EPOCH)
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
