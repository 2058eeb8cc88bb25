"""Cold import: wall-clock time of fresh ``python -c <statement>`` processes, net of a bare
``python -c pass`` on the same interpreter (median of each); the statement's own time measured
inside the process (median); and the modules each statement loads (``sys.modules`` before
and after).

Runs are interleaved (every subject once per round) so that a slower moment of the machine
touches all subjects alike; one discarded run per subject first writes the bytecode caches."""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from benchmarks.runner import Interpreters, ProbeError, probe_env
from benchmarks.settings import ROOT, Settings
from benchmarks.timing import median

HEAVY: Final = ("boto3", "botocore", "pydantic", "asyncio")


@dataclass(frozen=True)
class Subject:
    name: str
    side: str  # "lambdakit" or "peers": which interpreter
    statement: str


def _routed(module: str, *, stdlib_json: bool = False) -> str:
    """Import a 20-route app of ``benchmarks`` and answer its first request; ``stdlib_json``:
    as deployed without the ``fast`` extra (no orjson, which loads dataclasses, inspect,
    datetime and uuid on the first response)."""
    setting = "import os; os.environ['LAMBDAKIT_JSON'] = 'stdlib'; " if stdlib_json else ""
    return (
        f"{setting}import sys; sys.path.insert(0, {str(ROOT)!r}); "
        f"import benchmarks.{module} as m; m.first_response()"
    )


ROUTED_LAMBDAKIT: Final = "routed: lambdakit HttpResolver, 20 routes + 1st response"
ROUTED_POWERTOOLS: Final = "routed: Powertools (enable_validation), 20 routes + 1st response"
ROUTED_CHALICE: Final = "routed: Chalice, 20 routes + 1st response"

SUBJECTS: Final = (
    Subject("lambdakit", "lambdakit", "import lambdakit"),
    Subject(
        "lambdakit + WebSocketResolver",
        "lambdakit",
        "import lambdakit; from lambdakit.websocket import WebSocketResolver",
    ),
    Subject("chainsaws.utils.handler_utils", "lambdakit", "import chainsaws.utils.handler_utils"),
    Subject(
        "Powertools APIGatewayRestResolver",
        "peers",
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver",
    ),
    Subject(
        "Chalice (chalice.app + app object)",
        "peers",
        "import chalice.app; chalice.app.Chalice(app_name='x')",
    ),
    Subject(ROUTED_LAMBDAKIT, "lambdakit", _routed("routed_lambdakit")),
    Subject(
        "routed: lambdakit HttpResolver, no orjson",
        "lambdakit",
        _routed("routed_lambdakit", stdlib_json=True),
    ),
    Subject(
        "routed: lambdakit HttpResolver, TypedDict bodies, no orjson",
        "lambdakit",
        _routed("routed_lambdakit_typeddict", stdlib_json=True),
    ),
    Subject(ROUTED_POWERTOOLS, "peers", _routed("routed_powertools")),
    Subject(ROUTED_CHALICE, "peers", _routed("routed_chalice")),
)

# The modules loaded by the statement, computed before json is imported to print them.
_LIST = (
    "import sys; _before = set(sys.modules)\n{statement}\n"
    "_new = sorted(set(sys.modules) - _before)\nimport json; print(json.dumps(_new))"
)


# Every process, the bare one included, also times the statement from inside (``time`` is
# built in): the in-process figure leaves out start-up and exit, and is far less noisy.
_TIMED = "import time as _t; _s = _t.perf_counter()\n{statement}\nprint(_t.perf_counter() - _s)"


def _run(python: Path, statement: str, cwd: str) -> tuple[float, float]:
    """Milliseconds: the whole process (wall clock, from here), and the statement alone."""
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our interpreters
        [str(python), "-c", _TIMED.format(statement=statement)],
        cwd=cwd,
        env=probe_env(),
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise ProbeError(f"python -c {statement!r} failed:\n{done.stderr[-2000:]}")
    return elapsed * 1000, float(done.stdout.strip().splitlines()[-1]) * 1000


def _modules(python: Path, statement: str, cwd: str) -> list[str]:
    done = subprocess.run(  # noqa: S603
        [str(python), "-c", _LIST.format(statement=statement)],
        cwd=cwd,
        env=probe_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    modules: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return modules


def measure(interpreters: Interpreters, settings: Settings) -> dict[str, Any]:
    pythons = {"lambdakit": interpreters.lambdakit, "peers": interpreters.peers}
    # Outside the repository, so the working directory on sys.path holds nothing importable.
    with tempfile.TemporaryDirectory() as cwd:
        bare = {side: Subject(f"bare python ({side})", side, "pass") for side in pythons}
        everything = [*bare.values(), *SUBJECTS]
        for subject in everything:  # warm-up: bytecode caches, file system caches
            _run(pythons[subject.side], subject.statement, cwd)
        times: dict[str, list[float]] = {s.name: [] for s in everything}
        inside: dict[str, list[float]] = {s.name: [] for s in everything}
        for _ in range(settings.import_runs):
            for subject in everything:
                wall, statement = _run(pythons[subject.side], subject.statement, cwd)
                times[subject.name].append(wall)
                inside[subject.name].append(statement)
        subjects: dict[str, Any] = {}
        for subject in SUBJECTS:
            base = median(times[bare[subject.side].name])
            modules = _modules(pythons[subject.side], subject.statement, cwd)
            tops = {m.split(".")[0] for m in modules}
            subjects[subject.name] = {
                "statement": subject.statement,
                "interpreter": subject.side,
                "ms": median(times[subject.name]) - base,
                "ms_gross": median(times[subject.name]),
                "ms_in_process": median(inside[subject.name]),
                "runs_ms": [round(t, 2) for t in times[subject.name]],
                "module_count": len(modules),
                "heavy": [name for name in HEAVY if name in tops],
                "modules": modules,
            }
        bare_ms = {side: median(times[subject.name]) for side, subject in bare.items()}
    return {"runs": settings.import_runs, "bare_ms": bare_ms, "subjects": subjects}
