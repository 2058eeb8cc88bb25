"""Cold start as Lambda pays it: import + app set-up + the first response, in fresh
``python -c <statement>`` processes, net of a bare process on the same interpreter (median of
each); the same work timed inside the process (median); and the modules it loads.

Every statement starts from the same prelude: what Lambda's Python runtime has imported before
the handler's module (``RUNTIME_IMPORTS``: json, logging, traceback...), the event as a Python
literal (AWS's REST v1 sample as ``GET /hello``), a Lambda context, and a ``sys.meta_path``
blocker that hides the named packages as if they were not installed. So
lambdakit is measured with each extra (``fast`` = orjson, ``validation`` = pydantic) hidden or
available, in the one venv that has both. The bare process runs the prelude alone.

Runs are interleaved (every subject once per round, in a shuffled order) so that a slower
moment of the machine touches all subjects alike, whichever comes after which; one discarded
run per subject first writes the bytecode caches."""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from benchmarks.events import get_event, websocket_event
from benchmarks.runner import Interpreters, ProbeError, probe_env
from benchmarks.settings import ROOT, Settings
from benchmarks.timing import median

HEAVY: Final = ("boto3", "botocore", "pydantic", "orjson", "asyncio")
EXTRAS: Final = ("orjson", "pydantic")  # the fast and validation extras


@dataclass(frozen=True)
class Subject:
    name: str
    side: str  # "lambdakit" or "peers": which interpreter
    statement: str  # ends with ``result`` bound to the first response
    hidden: tuple[str, ...] = ()  # packages made unimportable
    env: dict[str, str] = field(default_factory=dict)
    expect: str = "hello"  # in the first response's body


_LAMBDAKIT_GET = """\
from lambdakit import aws_lambda_handler
@aws_lambda_handler()
def handler(event, context):
    return {"message": "hello"}
result = handler(EVENT, Context())"""

_LAMBDAKIT_WEBSOCKET = """\
from lambdakit.websocket import WebSocketResolver
resolver = WebSocketResolver()
@resolver.on_message("chat")
def chat(event, context, connection_id, body):
    return {"echo": body["message"]}
result = resolver.resolve(WS_EVENT, Context())"""

_POWERTOOLS_GET = """\
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
app = APIGatewayRestResolver({options})
@app.get("/hello")
def hello():
    return {{"message": "hello"}}
result = app.resolve(EVENT, Context())"""

_CHALICE_GET = """\
from chalice.app import Chalice
app = Chalice(app_name="bench")
@app.route("/hello")
def hello():
    return {"message": "hello"}
result = app(EVENT, Context())"""

LAMBDAKIT, FAST, VALIDATION = "lambdakit", "lambdakit + fast", "lambdakit + validation"
POWERTOOLS, CHALICE = "Powertools APIGatewayRestResolver", "Chalice app(event, context)"


def _routed(module: str) -> str:
    """Import a 20-route app of ``benchmarks`` (the routes registered) and answer its first
    request."""
    return (
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        f"import benchmarks.{module} as m\n"
        "result = m.first_response()"
    )


# Two apps of the same 20 routes, each written in every framework: one with dataclass (pydantic
# for Powertools) models validating the POST bodies, one doing only what Chalice does (convert
# a path and a query parameter, read a field of the JSON body). Each ratio compares one app.
ROUTED_LAMBDAKIT: Final = "routed: lambdakit HttpResolver, 20 routes + 1st response"
ROUTED_POWERTOOLS: Final = "routed: Powertools (enable_validation), 20 routes + 1st response"
ROUTED_CHALICE_MODELS: Final = "routed: Chalice, the same dataclass models built by hand"
ROUTED_LAMBDAKIT_PLAIN: Final = "routed, no models: lambdakit HttpResolver"
ROUTED_CHALICE: Final = "routed, no models: Chalice, 20 routes + 1st response"

SUBJECTS: Final = (
    Subject(LAMBDAKIT, "lambdakit", _LAMBDAKIT_GET, hidden=EXTRAS),
    Subject(FAST, "lambdakit", _LAMBDAKIT_GET, hidden=("pydantic",)),
    Subject(VALIDATION, "lambdakit", _LAMBDAKIT_GET, hidden=("orjson",)),
    Subject("lambdakit + fast + validation", "lambdakit", _LAMBDAKIT_GET),
    Subject(
        "lambdakit + fast, LAMBDAKIT_JSON=orjson",
        "lambdakit",
        _LAMBDAKIT_GET,
        hidden=("pydantic",),
        env={"LAMBDAKIT_JSON": "orjson"},
    ),
    Subject(
        "lambdakit WebSocketResolver, first message",
        "lambdakit",
        _LAMBDAKIT_WEBSOCKET,
        hidden=EXTRAS,
        expect="echo",
    ),
    Subject(POWERTOOLS, "peers", _POWERTOOLS_GET.format(options="")),
    Subject(
        "Powertools enable_validation=True",
        "peers",
        _POWERTOOLS_GET.format(options="enable_validation=True"),
    ),
    Subject(CHALICE, "peers", _CHALICE_GET),
    Subject(ROUTED_LAMBDAKIT, "lambdakit", _routed("routed_lambdakit"), hidden=EXTRAS, expect=""),
    Subject(
        "routed: lambdakit HttpResolver, TypedDict bodies",
        "lambdakit",
        _routed("routed_lambdakit_typeddict"),
        hidden=EXTRAS,
        expect="",
    ),
    Subject(
        ROUTED_LAMBDAKIT_PLAIN,
        "lambdakit",
        _routed("routed_lambdakit_plain"),
        hidden=EXTRAS,
        expect="",
    ),
    Subject(ROUTED_POWERTOOLS, "peers", _routed("routed_powertools"), expect=""),
    Subject(ROUTED_CHALICE_MODELS, "peers", _routed("routed_chalice_models"), expect=""),
    Subject(ROUTED_CHALICE, "peers", _routed("routed_chalice"), expect=""),
)

# What Lambda's Python runtime has imported before it imports the handler's module (the
# standard-library imports of awslambdaric's bootstrap.py): those are on no library's bill.
RUNTIME_IMPORTS: Final = "importlib, json, logging, os, sys, time, traceback"

_PRELUDE = """\
import {runtime}
class _Hidden:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {hidden!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, _Hidden())
EVENT = {event!r}
WS_EVENT = {ws_event!r}
class Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 128
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2024/01/01/[$LATEST]bench"
    def get_remaining_time_in_millis(self):
        return 30000
"""

# Timed from inside too (``time`` is built in): the in-process figure leaves out start-up and
# exit, and is far less noisy. The answer is checked after the clock stops.
_TIMED = """\
{prelude}
import time as _t
_s = _t.perf_counter()
{statement}
_e = _t.perf_counter()
if result is not None and (result.get("statusCode") != 200 or {expect!r} not in result["body"]):
    raise SystemExit(f"unexpected first response: {{result!r}}")
print(_e - _s)"""

# The modules loaded by the work, computed before json is imported to print them.
_LIST = """\
{prelude}
_before = set(sys.modules)
{statement}
_new = sorted(set(sys.modules) - _before)
import json; print(json.dumps(_new))"""


def _prelude(hidden: tuple[str, ...]) -> str:
    return _PRELUDE.format(
        runtime=RUNTIME_IMPORTS,
        hidden=set(hidden),
        event=get_event(),
        ws_event=websocket_event(),
    )


def _run(python: Path, subject: Subject, cwd: str) -> tuple[float, float]:
    """Milliseconds: the whole process (wall clock, from here), and the work alone."""
    code = _TIMED.format(
        prelude=_prelude(subject.hidden), statement=subject.statement, expect=subject.expect
    )
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our interpreters
        [str(python), "-c", code],
        cwd=cwd,
        env=probe_env(**subject.env),
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise ProbeError(f"{subject.name} failed:\n{done.stderr[-2000:]}")
    return elapsed * 1000, float(done.stdout.strip().splitlines()[-1]) * 1000


def _modules(python: Path, subject: Subject, cwd: str) -> list[str]:
    done = subprocess.run(  # noqa: S603
        [
            str(python),
            "-c",
            _LIST.format(prelude=_prelude(subject.hidden), statement=subject.statement),
        ],
        cwd=cwd,
        env=probe_env(**subject.env),
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
        bare = {side: Subject(f"bare python ({side})", side, "result = None") for side in pythons}
        everything = [*bare.values(), *SUBJECTS]
        for subject in everything:  # warm-up: bytecode caches, file system caches
            _run(pythons[subject.side], subject, cwd)
        times: dict[str, list[float]] = {s.name: [] for s in everything}
        inside: dict[str, list[float]] = {s.name: [] for s in everything}
        order = random.Random(15)  # noqa: S311 - a new order each round, the same every run
        for _ in range(settings.import_runs):
            order.shuffle(everything)
            for subject in everything:
                wall, work = _run(pythons[subject.side], subject, cwd)
                times[subject.name].append(wall)
                inside[subject.name].append(work)
        subjects: dict[str, Any] = {}
        for subject in SUBJECTS:
            base = median(times[bare[subject.side].name])
            modules = _modules(pythons[subject.side], subject, cwd)
            tops = {m.split(".")[0] for m in modules}
            subjects[subject.name] = {
                "statement": subject.statement,
                "interpreter": subject.side,
                "hidden": list(subject.hidden),
                "env": subject.env,
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
