"""``python -m lambdakit serve`` as a user runs it, in a process of its own, for the tests that
drive a template's app through real clients."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.local.conftest import ROOT, free_port


class Served:
    """A ``lambdakit serve --template`` process; its output goes to ``log_path``."""

    def __init__(self, template: Path, tmp: Path, *extra: str, reload: bool = False) -> None:
        self.port = free_port()
        self.tls_port = free_port()
        self.log_path = tmp / "serve.log"
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("LAMBDAKIT_WS", "AWS_"))
        }
        environment.update(
            PYTHONUNBUFFERED="1",
            LAMBDAKIT_SQLITE_PATH=str(tmp / "connections.sqlite3"),
            LAMBDAKIT_CACHE_DIR=os.environ["LAMBDAKIT_CACHE_DIR"],
        )
        command = [
            sys.executable, "-m", "lambdakit", "serve", "--template", str(template),
            "--port", str(self.port), "--tls-port", str(self.tls_port),
            "--reload" if reload else "--no-reload", *extra,
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until_listening(self, timeout: float = 240.0) -> None:
        """Until both listeners are up (a first run installs environments: minutes)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"lambdakit serve exited:\n{self.log()[-4000:]}")
            if self.log().count("Uvicorn running on") >= 2:
                return
            time.sleep(0.1)
        raise RuntimeError(f"lambdakit serve did not start:\n{self.log()[-4000:]}")

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.http + path, timeout=timeout) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
