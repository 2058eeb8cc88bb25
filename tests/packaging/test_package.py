"""``scripts/package`` builds a zip per architecture that serves the sample events in a clean
interpreter, holds what Lambda needs and nothing else, and is reproducible."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tools.packaging.check import check_artifact, default_python

ROOT = Path(__file__).resolve().parents[2]
ARCHES = ("x86_64", "arm64")


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    """``scripts/package`` run once for both architectures: (output folder, its stdout)."""
    out = tmp_path_factory.mktemp("dist")
    completed = subprocess.run(
        [str(ROOT / "scripts" / "package"), "--out", str(out)],
        env={**os.environ, "PYTHON": sys.executable},  # any python3 with pip; no venv needed
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return out, completed.stdout


def members(artifact: Path) -> list[str]:
    with zipfile.ZipFile(artifact) as archive:
        return archive.namelist()


@pytest.mark.parametrize("arch", ARCHES)
def test_artifact_serves_the_sample_events_in_a_clean_interpreter(build, arch):
    _, output = build
    section = output.split(f"== checking chat-{arch}.zip")[1].split("== ")[0]
    assert "isolated=1 no_site=1" in section
    assert "9/9 events served as expected" in section
    assert "FAIL" not in section
    assert "/task/lambdakit/__init__.py" in section  # lambdakit came from the artifact


@pytest.mark.parametrize("arch", ARCHES)
def test_size_and_lambdakit_share_are_reported(build, arch):
    out, output = build
    artifact = out / f"chat-{arch}.zip"
    assert f"{artifact}: {artifact.stat().st_size:,} bytes" in output
    assert "lambdakit adds (lambdakit + chainsaws + dist-info):" in output


@pytest.mark.parametrize("arch", ARCHES)
def test_artifact_holds_the_app_and_lambdakit_only(build, arch):
    out, _ = build
    names = members(out / f"chat-{arch}.zip")
    for needed in (
        "lambdakit/__init__.py",
        "lambdakit/websocket/stores/dynamodb.py",
        "chainsaws/aws/lambda_client/event_handler/websocket.py",
        "examples/__init__.py",
        "examples/chat/http_app.py",
        "examples/chat/ws_app.py",
        "examples/chat/messages.py",
        "examples/chat/page.html",
    ):
        assert needed in names
    tops = {name.split("/", 1)[0] for name in names}
    assert tops == {"lambdakit", "chainsaws", "examples", "lambdakit-0.1.0.dist-info"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith(("examples/hello", "tests/", "bin/"))]
    assert not [n for n in names if "boto" in n]  # the runtime provides boto3
    assert not [n for n in names if n.endswith("direct_url.json")]  # the build machine's path


def test_architectures_differ_only_in_name_and_builds_are_reproducible(build):
    # lambdakit is pure Python with no dependencies: both platforms resolve to the same files,
    # and fixed timestamps make the same sources give the same bytes.
    out, _ = build
    assert (out / "chat-x86_64.zip").read_bytes() == (out / "chat-arm64.zip").read_bytes()


def test_check_fails_when_the_artifact_is_broken(build, tmp_path, capfd):
    out, _ = build
    broken = tmp_path / "broken.zip"
    with (
        zipfile.ZipFile(out / "chat-arm64.zip") as source,
        zipfile.ZipFile(broken, "w") as target,
    ):
        for info in source.infolist():
            if info.filename != "examples/chat/page.html":
                target.writestr(info, source.read(info))
    assert check_artifact(broken, default_python()) == 1
    assert "FAIL HTTP API: GET / (the page)" in capfd.readouterr().out
