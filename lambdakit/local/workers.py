"""Lambda's half of the local gateway: execution environments.

Each function runs in worker processes of its own, as Lambda runs it: ``python -m awslambdaric
module.function`` (AWS's runtime client, so marshalling, the context object, error shapes and
logging are the real runtime's) with the function's ``CodeUri`` as working directory and import
path, its environment plus Lambda's reserved variables, and a Runtime API of its own
(``runtime_api.py``). An environment serves one invocation at a time and is reused warm; a
function gets new ones on demand, up to its concurrency limit, beyond which invocations queue.
A function past its timeout has its environment ended, as Lambda does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import secrets
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from lambdakit._logger import logger
from lambdakit.local.config import FunctionRef
from lambdakit.local.endpoints import Endpoints, localize
from lambdakit.local.invoker import FunctionError, FunctionTimeout, Invocation
from lambdakit.local.runtime_api import Outcome, PendingInvocation, RuntimeApi

ACCOUNT_ID: Final = "123456789012"
INIT_TIMEOUT: Final = 10.0  # Lambda's limit for the init phase of an on-demand environment
DEFAULT_CONCURRENCY: Final = 4
# Passed through from the server: what the gateway itself sets for lambdakit's handlers.
_PASSED_PREFIXES: Final = ("LAMBDAKIT_",)
_PASSED: Final = (
    "PATH",
    "HOME",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "SYSTEMROOT",
)

Interpreter = Callable[[FunctionRef], Awaitable[tuple[str, tuple[str, ...]]]]


async def server_interpreter(function: FunctionRef) -> tuple[str, tuple[str, ...]]:
    """This server's Python, and no extra import paths."""
    return sys.executable, ()


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{region()}:{ACCOUNT_ID}:function:{name}"


def worker_environment(
    function: FunctionRef,
    runtime_api: str,
    endpoints: Endpoints,
    extra_paths: tuple[str, ...] = (),
) -> dict[str, str]:
    """The environment of one worker: the function's variables (execute-api URLs of local APIs
    made local), then Lambda's reserved variables, which a template cannot override."""
    if function.inherit_environment:
        environment = dict(os.environ)
    else:
        environment = {
            k: v for k, v in os.environ.items() if k in _PASSED or k.startswith(_PASSED_PREFIXES)
        }
    environment.update((k, localize(v, endpoints)) for k, v in function.environment)
    task_root = function.code_uri or os.getcwd()
    name = function.function_name
    runtime = function.runtime or f"python{sys.version_info[0]}.{sys.version_info[1]}"
    stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{secrets.token_hex(16)}"
    python_path = [task_root, *extra_paths]
    if function.inherit_environment and os.environ.get("PYTHONPATH"):
        python_path.append(os.environ["PYTHONPATH"])
    environment.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}",
            "AWS_REGION": region(),
            "AWS_DEFAULT_REGION": region(),
            "_HANDLER": function.lambda_handler,
            "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": os.path.dirname(sys.executable),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join(python_path),
            "PYTHONUNBUFFERED": "1",
            # Lambda's task root is read-only: no __pycache__ is written into the project, and
            # none can go stale (an edit in the same second, of the same size, would not be
            # seen by the next worker: a .pyc is checked by mtime seconds and size).
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if endpoints.http:
        environment["AWS_ENDPOINT_URL_LAMBDA"] = endpoints.http
    if endpoints.ca_bundle:
        environment["AWS_CA_BUNDLE"] = endpoints.ca_bundle
    if endpoints.dynamodb:
        environment["AWS_ENDPOINT_URL_DYNAMODB"] = endpoints.dynamodb
    return environment


class EnvironmentGone(Exception):
    """The worker ended (an init error, a crash, a timeout): start another one."""


@dataclass(frozen=True)
class Report:
    """The figures of CloudWatch's ``REPORT`` line."""

    duration_ms: float
    init_ms: float | None
    max_memory_mb: int


class ExecutionEnvironment:
    """One worker process and its Runtime API. ``invoke`` one event at a time."""

    def __init__(
        self, function: FunctionRef, endpoints: Endpoints, interpreter: Interpreter
    ) -> None:
        self.function = function
        self._endpoints = endpoints
        self._interpreter = interpreter
        self._api: RuntimeApi | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._started_at = 0.0
        self._initialized = False
        self._log_task: asyncio.Task[None] | None = None
        self._exited: asyncio.Future[int] | None = None  # the worker's end, awaited once
        self._status_fd: int | None = None  # /proc/PID/status, re-read for each REPORT
        self.alive = True

    async def _start(self) -> None:
        self._api = RuntimeApi()
        port = await self._api.start()
        python, extra_paths = await self._interpreter(self.function)
        environment = worker_environment(
            self.function, f"127.0.0.1:{port}", self._endpoints, extra_paths
        )
        # Lambda's telemetry fd: the runtime client writes each log record to it in one frame
        # (a traceback is one CloudWatch event); print() output stays on stdout, line by line.
        frames, frames_in = os.pipe()
        environment["_LAMBDA_TELEMETRY_LOG_FD"] = str(frames_in)
        self._started_at = time.perf_counter()
        try:
            self._process = await asyncio.create_subprocess_exec(
                python,
                "-m",
                "awslambdaric",
                self.function.lambda_handler,
                cwd=self.function.code_uri or None,
                env=environment,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                pass_fds=(frames_in,),
                start_new_session=True,  # a Ctrl-C in the terminal is the server's to handle
            )
        except BaseException:
            os.close(frames)
            raise
        finally:
            os.close(frames_in)
        self._api.expect_worker(self._process.pid)
        self._log_task = asyncio.ensure_future(self._forward_output(frames))
        self._exited = asyncio.ensure_future(self._process.wait())
        with contextlib.suppress(OSError):
            self._status_fd = os.open(f"/proc/{self._process.pid}/status", os.O_RDONLY)

    async def _forward_output(self, frames: int) -> None:
        await asyncio.gather(self._forward_stdout(), self._forward_frames(frames))

    def _log_record(self, text: str) -> None:
        """One record of the worker, as one log entry: its later lines indented."""
        name = self.function.function_name
        text = text.rstrip("\n").replace("\n", "\n    ")
        logger.info("[%s] %s", name, text, extra={"function": name})

    async def _forward_stdout(self) -> None:
        if self._process is None or self._process.stdout is None:
            return
        while True:
            line = await self._process.stdout.readline()
            if not line:
                return
            # Without the telemetry fd, the runtime separates the lines of one record with \r.
            self._log_record(line.decode("utf-8", "replace").replace("\r", "\n"))

    async def _forward_frames(self, frames: int) -> None:
        """The telemetry fd's frames: type (4 bytes), length (4), timestamp (8), message."""
        reader = asyncio.StreamReader()
        try:
            pipe = os.fdopen(frames, "rb", 0)
        except BaseException:
            os.close(frames)
            raise
        transport, _ = await asyncio.get_running_loop().connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe
        )
        try:
            while True:
                header = await reader.readexactly(16)
                message = await reader.readexactly(int.from_bytes(header[4:8], "big"))
                self._log_record(message.decode("utf-8", "replace"))
        except asyncio.IncompleteReadError:
            return
        finally:
            transport.close()

    async def _initialize(self) -> float:
        """Start the worker and wait until its runtime asks for work: the init duration (ms)."""
        try:
            await self._start()
        except Exception as error:  # no interpreter, a CodeUri gone or unreadable, no fds left
            await self.stop()  # its Runtime API's listener too
            message = f"the execution environment did not start: {error}"
            raise _InitFailed(
                Outcome(_error_document("Runtime.Unknown", message), "Runtime.Unknown")
            ) from error
        if self._api is None or self._process is None:
            raise RuntimeError("the environment did not start")
        polled = asyncio.ensure_future(self._api.polled.wait())
        exited = self._exited or asyncio.ensure_future(self._process.wait())
        try:
            waited: set[asyncio.Future[Any]] = {polled, exited, self._api.init_error}
            done, _ = await asyncio.wait(
                waited,
                timeout=INIT_TIMEOUT,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            polled.cancel()
        if self._api.init_error.done():
            outcome = self._api.init_error.result()
            await self.stop()
            raise _InitFailed(outcome)
        if not self._api.polled.is_set():
            await self.stop()
            reason = "init timed out" if not done else "Runtime exited without providing a reason"
            raise _InitFailed(
                Outcome(_error_document("Runtime.Unknown", reason), "Runtime.Unknown")
            )
        first_poll = self._api.first_poll_at or time.perf_counter()
        self._initialized = True
        return (first_poll - self._started_at) * 1000

    async def invoke(self, request_id: str, event: bytes) -> tuple[Outcome | None, Report]:
        """The runtime's outcome, or ``None`` on a timeout (the worker is then ended)."""
        init_ms = None if self._initialized else await self._initialize()
        if self._api is None or self._process is None:
            raise RuntimeError("the environment did not start")
        timeout = self.function.timeout
        deadline_ms = int(time.time() * 1000 + timeout * 1000)
        pending = PendingInvocation(
            request_id, event, deadline_ms, function_arn(self.function.function_name)
        )
        started = time.perf_counter()
        self._api.submit(pending)
        exited = self._exited or asyncio.ensure_future(self._process.wait())
        racing: set[asyncio.Future[Any]] = {pending.outcome, exited}
        done, _ = await asyncio.wait(racing, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        duration = (time.perf_counter() - started) * 1000
        report = Report(duration, init_ms, self._max_memory_mb())
        if pending.outcome in done:
            return pending.outcome.result(), report
        if done:  # the process ended mid-invocation
            code = self._process.returncode
            await self.stop()
            message = (
                f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}"
            )
            return Outcome(_error_document("Runtime.ExitError", message), "Runtime.ExitError"), (
                report
            )
        await self.stop()
        return None, report

    def _max_memory_mb(self) -> int:
        if self._status_fd is None:
            return 0
        try:
            status = os.pread(self._status_fd, 4096, 0)
        except OSError:
            return 0
        start = status.find(b"VmHWM:")
        if start < 0:
            return 0
        return math.ceil(int(status[start:].split(None, 2)[1]) / 1024)

    def _close_status(self) -> None:
        if self._status_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._status_fd)
            self._status_fd = None

    async def stop(self) -> None:
        self.alive = False
        self._close_status()
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._process.wait(), 5)
        if self._api is not None:
            await self._api.close()
        if self._log_task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._log_task, 1)

    def kill(self) -> None:
        """Synchronous last resort (the server is going away)."""
        self.alive = False
        self._close_status()
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()


class _InitFailed(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.error_type)
        self.outcome = outcome


def _error_document(error_type: str, message: str) -> bytes:
    return json.dumps({"errorMessage": message, "errorType": error_type}).encode()


class FunctionPool:
    """The environments of one function: idle ones are reused, new ones started up to
    ``limit``; beyond it, invocations wait for one to come free."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.idle: list[ExecutionEnvironment] = []
        self.all: set[ExecutionEnvironment] = set()
        self._free = asyncio.Condition()

    async def acquire(self, start: Callable[[], ExecutionEnvironment]) -> ExecutionEnvironment:
        async with self._free:
            while True:
                while self.idle:
                    environment = self.idle.pop()
                    if environment.alive:
                        return environment
                if len(self.all) < self.limit:
                    environment = start()
                    self.all.add(environment)
                    return environment
                await self._free.wait()

    async def release(self, environment: ExecutionEnvironment) -> None:
        async with self._free:
            if environment.alive:
                self.idle.append(environment)
            else:
                self.all.discard(environment)
            self._free.notify()

    async def stop_all(self) -> None:
        """End every environment (``--reload``): the next invocation starts cold."""
        async with self._free:
            idle, self.idle = self.idle, []
        for environment in idle:
            self.all.discard(environment)
            await environment.stop()
        for environment in list(self.all):
            environment.alive = False  # busy ones end when they come back


class WorkerInvoker:
    """``invoke(function, event)`` in the function's execution environments."""

    def __init__(
        self,
        endpoints: Endpoints | None = None,
        *,
        interpreter: Interpreter = server_interpreter,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.endpoints = endpoints or Endpoints()
        self._interpreter = interpreter
        self._concurrency = concurrency
        self._pools: dict[str, FunctionPool] = {}

    def _pool(self, function: FunctionRef) -> FunctionPool:
        key = _key(function)
        pool = self._pools.get(key)
        if pool is None:
            limit = function.concurrency or self._concurrency
            pool = self._pools[key] = FunctionPool(limit)
        return pool

    async def invoke(self, function: FunctionRef, event: Any) -> Invocation:
        request_id = str(uuid.uuid4())
        pool = self._pool(function)
        environment = await pool.acquire(
            lambda: ExecutionEnvironment(function, self.endpoints, self._interpreter)
        )
        name = function.function_name
        extra = {"request_id": request_id, "function": name}
        logger.info("START RequestId: %s Version: $LATEST", request_id, extra=extra)
        try:
            outcome, report = await environment.invoke(
                request_id, json.dumps(event).encode("utf-8")
            )
        except _InitFailed as failure:
            outcome, report = failure.outcome, Report(0.0, None, 0)
            _log_init_error(request_id, name, failure.outcome)
        except Exception as error:  # a fault of this server: API Gateway answers its 502
            logger.exception("%s %s failed", request_id, name, extra=extra)
            await environment.stop()
            message = f"{type(error).__name__}: {error}"
            outcome = Outcome(_error_document("Runtime.Unknown", message), "Runtime.Unknown")
            report = Report(0.0, None, 0)
        finally:
            await pool.release(environment)
        logger.info("END RequestId: %s", request_id, extra=extra)
        logger.info(_report_line(request_id, function, report), extra=extra)
        if outcome is None:
            logger.error(
                "%s Task timed out after %.2f seconds", request_id, function.timeout, extra=extra
            )
            raise FunctionTimeout(request_id)
        if outcome.error_type is not None:
            document = _decode(outcome.payload)
            error_type = str(document.get("errorType") or outcome.error_type)
            message = str(document.get("errorMessage") or "")
            raise FunctionError(request_id, error_type, message, outcome.payload)
        try:
            result = json.loads(outcome.payload) if outcome.payload else None
        except ValueError:  # a handler that returned bytes: not JSON
            result = outcome.payload.decode("utf-8", "replace")
        return Invocation(request_id, result, outcome.payload)

    async def restart(self, function: FunctionRef) -> None:
        """End the function's environments: the next invocation loads its code afresh."""
        pool = self._pools.get(_key(function))
        if pool is not None:
            await pool.stop_all()

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.stop_all()

    def close(self) -> None:
        for pool in self._pools.values():
            for environment in list(pool.all):
                environment.kill()
            pool.idle.clear()
            pool.all.clear()


def _key(function: FunctionRef) -> str:
    return f"{function.function_name}|{function.code_uri}|{function.handler}"


def _decode(payload: bytes) -> dict[str, Any]:
    try:
        document = json.loads(payload)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _log_init_error(request_id: str, name: str, outcome: Outcome) -> None:
    document = _decode(outcome.payload)
    logger.error(
        "%s %s init failed: %s: %s",
        request_id,
        name,
        document.get("errorType") or outcome.error_type,
        document.get("errorMessage") or "",
        extra={"request_id": request_id, "function": name},
    )


def _report_line(request_id: str, function: FunctionRef, report: Report) -> str:
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {report.duration_ms:.2f} ms\t"
        f"Billed Duration: {math.ceil(report.duration_ms)} ms\t"
        f"Memory Size: {function.memory_size} MB\tMax Memory Used: {report.max_memory_mb} MB"
    )
    if report.init_ms is not None:
        line += f"\tInit Duration: {report.init_ms:.2f} ms"
    return line
