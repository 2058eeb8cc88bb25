"""Serve sample events through the handlers of an unzipped artifact; run by ``check.py``.

Run as ``python -I -S serve_events.py CODE_ROOT EVENTS_JSON`` so nothing but the standard
library and ``CODE_ROOT`` is importable (``-I`` also ignores ``PYTHONPATH``, so the code root is
put on ``sys.path`` here, where Lambda puts ``/var/task``). Standard library only: this file
imports nothing from the repository. Exits 1 if any event is not served as expected, or if a
module came from outside the standard library and the artifact.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import sysconfig
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]


class Context:
    """The attributes of Lambda's context object that handlers read."""

    def __init__(self, function_name: str, timeout_seconds: float = 10.0) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        )
        self.memory_limit_in_mb = "256"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "2026/11/26/[$LATEST]artifact-check"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(spec: str) -> tuple[Handler, float]:
    """``module.function`` imported as Lambda imports it, and the import's wall time (s)."""
    module_name, _, attribute = spec.rpartition(".")
    start = time.perf_counter()
    module = importlib.import_module(module_name)
    elapsed = time.perf_counter() - start
    handler: Handler = getattr(module, attribute)
    return handler, elapsed


def problems(result: Any, expect: dict[str, Any]) -> list[str]:
    """What is wrong with ``result`` given ``expect`` (empty when it is as expected)."""
    if not isinstance(result, dict):
        return [f"result is {type(result).__name__}, not a proxy result dict"]
    found: list[str] = []
    if result.get("statusCode") != expect["statusCode"]:
        found.append(f"statusCode {result.get('statusCode')!r}, expected {expect['statusCode']}")
    body = result.get("body") or ""
    if not isinstance(body, str):
        found.append(f"body is {type(body).__name__}, API Gateway needs a string")
        body = ""
    found += [f"body lacks {text!r}" for text in expect.get("bodyContains", ()) if text not in body]
    content_type = expect.get("contentType")
    headers = result.get("headers") or {}
    actual_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if content_type and not str(actual_type).startswith(content_type):
        found.append(f"Content-Type {actual_type!r}, expected {content_type}")
    return found


def foreign_modules(code_root: Path) -> list[str]:
    """Loaded modules whose file is neither in the standard library nor in ``code_root``."""
    paths = sysconfig.get_paths()
    allowed = [Path(paths["stdlib"]).resolve(), Path(paths["platstdlib"]).resolve()]
    allowed.append(code_root.resolve())
    foreign = []
    for name, module in sorted(sys.modules.items()):
        if name == "__main__":  # this file
            continue
        origin = getattr(module, "__file__", None)
        if not origin:
            continue
        path = Path(origin).resolve()
        if not any(path.is_relative_to(root) for root in allowed):
            foreign.append(f"{name} ({path})")
    return foreign


def main(argv: list[str]) -> int:
    code_root, events_file = Path(argv[1]).resolve(), Path(argv[2])
    spec = json.loads(events_file.read_text(encoding="utf-8"))
    os.environ.update(spec.get("environment", {}))
    os.environ["LAMBDA_TASK_ROOT"] = str(code_root)
    os.chdir(code_root)
    sys.path.insert(0, str(code_root))
    print(
        f"python {sys.version.split()[0]} ({sys.executable}), flags: isolated="
        f"{sys.flags.isolated} no_site={sys.flags.no_site}; code root {code_root}"
    )

    handlers: dict[str, Handler] = {}
    for function, handler_spec in spec["functions"].items():
        handlers[function], seconds = load_handler(handler_spec)
        print(f"import {handler_spec}: {seconds * 1000:.1f} ms")

    failures = 0
    for case in spec["cases"]:
        function = case["function"]
        try:
            result = handlers[function](case["event"], Context(function))
            found = problems(result, case["expect"])
        except Exception as error:  # a handler that raises fails the check, it does not stop it
            result, found = None, [f"raised {type(error).__name__}: {error}"]
        status = result.get("statusCode") if isinstance(result, dict) else None
        print(f"{'ok  ' if not found else 'FAIL'} {case['name']} -> {status}")
        for problem in found:
            print(f"       {problem}")
        failures += bool(found)

    foreign = foreign_modules(code_root)
    for module in foreign:
        print(f"FAIL imported from outside the standard library and the artifact: {module}")
    lambdakit = sys.modules.get("lambdakit")
    print(f"lambdakit loaded from {getattr(lambdakit, '__file__', None)}")
    print(f"{len(spec['cases']) - failures}/{len(spec['cases'])} events served as expected")
    return 1 if failures or foreign else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
