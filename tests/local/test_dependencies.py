"""The environment a template's function gets from its ``requirements.txt``: its own AWS SDK
kept, and a pinned boto3 too old for this server's endpoints named."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest

from lambdakit.local.config import FunctionRef
from lambdakit.local.dependencies import RUNTIME_PACKAGES, Environments, runtime_packages


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        pytest.param("requests==2.31\n", RUNTIME_PACKAGES, id="no-sdk"),
        pytest.param("boto3==1.20.0\n", ("awslambdaric>=2,<5",), id="boto3-pinned"),
        pytest.param("BotoCore>=1.20  # theirs\n", ("awslambdaric>=2,<5",), id="botocore-named"),
        pytest.param("s3_transfer\n", RUNTIME_PACKAGES, id="another-project"),
        pytest.param("-r boto3.txt\n# boto3\n", RUNTIME_PACKAGES, id="options-and-comments"),
    ],
)
def test_the_functions_own_sdk_is_kept(requirements, expected):
    assert runtime_packages([requirements]) == expected


def test_an_old_pinned_boto3_installs_and_is_named(tmp_path: Path):
    """One pip run with lambdakit's boto3>=1.28 beside boto3==1.26.0 could not resolve: the
    function's pin is installed alone, as its copy wins on Lambda, and named at start-up."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "requirements.txt").write_text("boto3==1.26.0\n")
    environments = Environments(root=tmp_path / "envs")
    function = FunctionRef("app.handler", name="Old", code_uri=str(code))
    python, _ = asyncio.run(environments.interpreter(function))
    version = subprocess.run(
        [python, "-c", "import boto3; print(boto3.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "1.26.0"
    assert any(
        w.startswith("Old: its requirements pin boto3 1.26.0") for w in environments.warnings
    ), environments.warnings
