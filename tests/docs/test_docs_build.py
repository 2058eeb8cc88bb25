"""The documentation site builds in strict mode (``scripts/docs``): no broken link, no missing
page, no docstring mkdocstrings cannot render. It installs mkdocs into its own venv on first
run, so it runs only when asked: ``LAMBDAKIT_DOCS=1``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("LAMBDAKIT_DOCS") != "1",
    reason="set LAMBDAKIT_DOCS=1 to build the documentation site (installs mkdocs)",
)


def test_site_builds_in_strict_mode(tmp_path):
    site = tmp_path / "site"
    completed = subprocess.run(
        [str(ROOT / "scripts" / "docs"), "--site-dir", str(site)],
        capture_output=True,
        text=True,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "WARNING -" not in output
    reference = (site / "reference" / "lambdakit" / "index.html").read_text(encoding="utf-8")
    assert "aws_lambda_handler" in reference
    assert "error_receiver" in reference
    for page in ("getting-started", "deployment", "migration/from-powertools", "differences"):
        assert (site / page / "index.html").is_file()
