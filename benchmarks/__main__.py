"""``python -m benchmarks --peers-python PATH [--quick]``: run every measurement, print the
report, write the figures as JSON. ``scripts/bench`` sets up the interpreters and calls this.

Exits non-zero only when a measurement crashed; targets missed are information."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from benchmarks import (
    broadcast,
    cold_import,
    fan_out,
    load,
    machine,
    per_call,
    redaction,
    report,
    store,
    targets,
)
from benchmarks.runner import Interpreters
from benchmarks.settings import FULL, QUICK, RESULTS, Settings

Measure = Callable[[Interpreters, Settings], dict[str, Any]]

SECTIONS: Final[dict[str, tuple[str, Measure]]] = {
    "cold_import": ("cold start: import + set-up + first response", cold_import.measure),
    "per_call": ("warm GET, validated POST, WebSocket resolve", per_call.measure),
    "broadcast": ("broadcast through @connections", broadcast.measure),
    "fan_out": ("fan-out to batches of Event invocations", fan_out.measure),
    "store": ("connection store on DynamoDB Local", store.measure),
    "load": ("local servers under load", load.measure),
    "redaction": ("redaction of hostile text", redaction.measure),
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for CI")
    parser.add_argument("--peers-python", required=True, type=Path, help="the peers' interpreter")
    parser.add_argument(
        "--only",
        help=f"comma-separated sections to run ({', '.join(SECTIONS)}); default: all",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="the JSON file (default: benchmarks/results/latest.json, quick.json with --quick)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    settings = QUICK if args.quick else FULL
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        raise SystemExit(f"unknown sections: {', '.join(sorted(unknown))}")
    # absolute(), not resolve(): a venv's python is a symlink that must stay the venv's.
    interpreters = Interpreters(Path(sys.executable).absolute(), args.peers_python.absolute())
    started = time.monotonic()
    results: dict[str, Any] = {
        "settings": settings.to_dict(),
        "machine": machine.describe(interpreters),
        "sections": {},
    }
    for key in chosen:
        label, measure = SECTIONS[key]
        print(f"== {label}", file=sys.stderr, flush=True)
        begun = time.monotonic()
        try:
            results["sections"][key] = measure(interpreters, settings)
        except Exception as error:  # one crash does not stop the other measurements
            results["sections"][key] = {"error": f"{type(error).__name__}: {error}"}
            print(f"   CRASHED: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        print(f"   {time.monotonic() - begun:.1f} s", file=sys.stderr, flush=True)
    results["targets"] = targets.judge(results["sections"])
    results["seconds"] = time.monotonic() - started
    output = args.output or RESULTS / ("quick.json" if args.quick else "latest.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(report.render(results))
    print(f"figures: {output}   ({results['seconds']:.0f} s)")
    crashed = [k for k, v in results["sections"].items() if "error" in v]
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
