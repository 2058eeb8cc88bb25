"""Issue 5's targets, as ratios of figures from one run, each judged PASS or MISS.

Information only: a MISS never fails the command (machines are noisy); it says by how much."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.cold_import import (
    ROUTED_CHALICE,
    ROUTED_CHALICE_MODELS,
    ROUTED_LAMBDAKIT,
    ROUTED_LAMBDAKIT_PLAIN,
    ROUTED_POWERTOOLS,
)

Results = dict[str, Any]


@dataclass(frozen=True)
class Target:
    name: str
    goal: float
    at_most: bool  # True: the ratio must be <= goal; False: >= goal
    ratio: Callable[[Results], float]

    def judge(self, results: Results) -> dict[str, Any]:
        try:
            measured = self.ratio(results)
        except (KeyError, TypeError, ZeroDivisionError):
            return {"target": self.name, "goal": self.goal_text, "measured": None, "verdict": "n/a"}
        passed = measured <= self.goal if self.at_most else measured >= self.goal
        # How far off: the factor by which the measured ratio would have to improve.
        gap = measured / self.goal if self.at_most else self.goal / measured
        return {
            "target": self.name,
            "goal": self.goal_text,
            "measured": measured,
            "verdict": "PASS" if passed else "MISS",
            "off_by": None if passed else gap,
        }

    @property
    def goal_text(self) -> str:
        return f"{'<=' if self.at_most else '>='} {self.goal:.3g}x"


def _imports(r: Results, name: str, figure: str = "ms") -> float:
    value: float = r["cold_import"]["subjects"][name][figure]
    return value


def _us(r: Results, kind: str, name: str) -> float:
    value: float = r["per_call"][kind][name]["us"]
    return value


def _bc(r: Results, row: str, key: str) -> float:
    value: float = r["broadcast"][row][key]
    return value


def _store(r: Results, operation: str | None) -> float:
    ms = r["store"]["ms_per_call"]
    if operation is None:
        return float(sum(ms["lambdakit"].values()) / sum(ms["raw"].values()))
    return float(ms["lambdakit"][operation] / ms["raw"][operation])


def _store_target(operation: str | None) -> Target:
    name = f"store: lambdakit / raw boto3, {operation or 'overall'}"
    return Target(name, 1.2, True, lambda r: _store(r, operation))


LK, FAST = "lambdakit", "lambdakit + fast"
IN = "ms_in_process"
PT, CH = "Powertools APIGatewayRestResolver", "Chalice app(event, context)"
RLK, RPT, RCM = ROUTED_LAMBDAKIT, ROUTED_POWERTOOLS, ROUTED_CHALICE_MODELS
RLP, RCH = ROUTED_LAMBDAKIT_PLAIN, ROUTED_CHALICE

TARGETS = (
    Target("cold start: lambdakit / Powertools", 0.1, True,
           lambda r: _imports(r, LK) / _imports(r, PT)),
    Target("cold start: lambdakit / Chalice", 1 / 3, True,
           lambda r: _imports(r, LK) / _imports(r, CH)),
    # In-process: the extra cannot change the interpreter's start-up or exit, and a few ms of
    # lambdakit's cold start are within the noise of a whole process on a shared machine.
    Target("cold start (in-process): lambdakit + fast / default", 1.1, True,
           lambda r: _imports(r, FAST, "ms_in_process") / _imports(r, LK, "ms_in_process")),
    Target("warm GET: lambdakit / raw handler", 1.5, True,
           lambda r: _us(r, "get", "lambdakit") / _us(r, "get", "raw")),
    Target("warm GET: lambdakit LAMBDAKIT_JSON=orjson / raw", 1.5, True,
           lambda r: _us(r, "get", "lambdakit_orjson") / _us(r, "get", "raw")),
    Target("warm GET: Powertools / lambdakit", 5, False,
           lambda r: _us(r, "get", "powertools") / _us(r, "get", "lambdakit")),
    Target("warm GET: Chalice / lambdakit", 5, False,
           lambda r: _us(r, "get", "chalice") / _us(r, "get", "lambdakit")),
    Target("validated POST: Powertools / lambdakit (pydantic)", 5, False,
           lambda r: _us(r, "post", "powertools") / _us(r, "post", "lambdakit_pydantic")),
    Target("validated POST: Powertools / lambdakit (dataclass)", 5, False,
           lambda r: _us(r, "post", "powertools") / _us(r, "post", "lambdakit_dataclass")),
    # Routed: in-process, as for the extra above: lambdakit's side is 3-4 ms, which the bare
    # process's start (24-37 ms here, from run to run) swamps in the whole-process figure.
    Target("routed cold start (in-process): lambdakit / Powertools", 0.1, True,
           lambda r: _imports(r, RLK, IN) / _imports(r, RPT, IN)),
    Target("routed cold start (in-process), no models: lambdakit / Chalice", 1 / 3, True,
           lambda r: _imports(r, RLP, IN) / _imports(r, RCH, IN)),
    # The same goal with the models on both sides: the stdlib's dataclasses import (~3 ms)
    # is then most of lambdakit's bill (docs/performance.md, "The routed cold start").
    Target("routed cold start (in-process), dataclass models: lambdakit / Chalice", 1 / 3,
           True, lambda r: _imports(r, RLK, IN) / _imports(r, RCM, IN)),
    Target("routed warm GET: HttpResolver / decorator", 1.5, True,
           lambda r: _us(r, "get", "lambdakit_routed") / _us(r, "get", "lambdakit")),
    Target("routed warm GET: Powertools / HttpResolver", 5, False,
           lambda r: _us(r, "get", "powertools") / _us(r, "get", "lambdakit_routed")),
    Target("routed warm GET: Chalice / HttpResolver", 5, False,
           lambda r: _us(r, "get", "chalice") / _us(r, "get", "lambdakit_routed")),
    Target("routed validated POST: Powertools / HttpResolver (dataclass)", 5, False,
           lambda r: _us(r, "post", "powertools") / _us(r, "post", "lambdakit_routed")),
    Target("broadcast, no limit: boto3 loop / lambdakit", 10, False,
           lambda r: _bc(r, "boto3_loop", "seconds") / _bc(r, "lambdakit", "seconds")),
    Target("broadcast under the limit: time / the limit's floor", 1.5, True,
           lambda r: _bc(r, "limited", "seconds") / _bc(r, "limited", "floor_s")),
    Target("broadcast under the limit: delivered / sent", 1, False,
           lambda r: _bc(r, "limited", "accepted") / _bc(r, "limited", "messages")),
    Target("fan-out under the limit: time / the limit's floor", 1.5, True,
           lambda r: r["fan_out"]["seconds"] / r["fan_out"]["floor_s"]),
    Target("fan-out under the limit: delivered / sent", 1, False,
           lambda r: r["fan_out"]["accepted"] / r["fan_out"]["connections"]),
    *(_store_target(op) for op in ("connect", "get_connection", "update_last_seen", "disconnect")),
    _store_target(None),
    Target("local HTTP req/s: lambdakit serve (workers) / chalice local", 1, False,
           lambda r: r["load"]["lambdakit_http"]["requests_per_s"]
           / r["load"]["chalice_http"]["requests_per_s"]),
    Target("redaction: worst hostile 1 MB / plain 1 MB", 15, True,
           lambda r: r["redaction"]["worst_ratio"]),
)  # fmt: skip


def judge(results: Results) -> list[dict[str, Any]]:
    return [target.judge(results) for target in TARGETS]
