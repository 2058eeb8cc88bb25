"""The printed report: one table per measurement, ratios beside the figures, then the targets.
Plain text (it also goes, as it is, into the README's Performance section)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

Row = Sequence[str]
NOT_APPLICABLE = "n/a"


def table(title: str, header: Row, rows: Sequence[Row], notes: Sequence[str] = ()) -> str:
    rows = [[*row, *[""] * (len(header) - len(row))] for row in rows]
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]

    def line(row: Row) -> str:
        cells = [
            str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([title, line(header), rule, *map(line, rows), *notes])


def _n(value: float, digits: int = 2) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def _x(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"


def _failed(title: str, section: dict[str, Any] | None) -> str | None:
    if section is None:
        return f"{title}\n  (not run)"
    if "error" in section:
        return f"{title}\n  CRASHED: {section['error'].splitlines()[0]}"
    return None


def _mutated(entry: dict[str, Any]) -> str:
    return "" if entry.get("event_untouched", True) else " (changed the event!)"


def cold_import(section: dict[str, Any] | None) -> str:
    title = (
        "1. Cold start as Lambda pays it: import + app set-up + first GET response, in fresh\n"
        "   processes; ms net of a bare process, median"
    )
    if (failed := _failed(title, section)) or section is None:
        return failed or ""
    subjects = section["subjects"]
    base = subjects["lambdakit"]["ms"]
    inside = subjects["lambdakit"]["ms_in_process"]
    rows = [
        [
            name,
            _n(s["ms"], 1),
            _x(s["ms"] / base),
            _n(s["ms_in_process"], 1),
            _x(s["ms_in_process"] / inside),
            str(s["module_count"]),
            ", ".join(s["heavy"]) or "-",
        ]
        for name, s in subjects.items()
    ]
    bare = ", ".join(f"{side} {ms:.1f} ms" for side, ms in section["bare_ms"].items())
    notes = [
        f"({section['runs']} runs each; bare python: {bare}; in-process: the same work timed"
        " inside the process, start-up and exit left out;",
        " default install = orjson and pydantic hidden; fast = orjson available, validation ="
        " pydantic available)",
    ]
    header = ["subject", "ms", "x lambdakit", "in-process ms", "x lambdakit", "modules", "heavy"]
    return table(title, header, rows, notes)


def warm_get(section: dict[str, Any] | None) -> str:
    title = "2. Warm GET /hello (REST v1 event; HTTP API last): µs per call, best of rounds"
    if (failed := _failed(title, section)) or section is None:
        return failed or ""
    get = section["get"]
    labels = {
        "raw": "hand-written handler (proxy dict, JSON body)",
        "lambdakit": "lambdakit @aws_lambda_handler()",
        "lambdakit_routed": "lambdakit HttpResolver (22 routes)",
        "lambdakit_orjson": "lambdakit, LAMBDAKIT_JSON=orjson",
        "powertools": "Powertools APIGatewayRestResolver",
        "chalice": "Chalice app(event, context)",
    }
    raw, ours = get["raw"]["us"], get["lambdakit"]["us"]
    rows = [
        [labels[k] + _mutated(v), _n(v["us"]), _x(v["us"] / raw), _x(v["us"] / ours)]
        for k, v in get.items()
        if k not in _HTTP_API_GET
    ]
    if "raw_http_api" in get:  # the same GET as an HTTP API event, against its own raw figure
        raw, ours = get["raw_http_api"]["us"], get["lambdakit_http_api"]["us"]
        rows += [
            [label + _mutated(get[k]), _n(get[k]["us"]), _x(get[k]["us"] / raw),
             _x(get[k]["us"] / ours)]
            for k, label in _HTTP_API_GET.items()
        ]  # fmt: skip
    return table(title, ["subject", "µs", "x raw", "x lambdakit"], rows)


_HTTP_API_GET: Final = {
    "raw_http_api": "HTTP API (2.0) event: hand-written handler",
    "lambdakit_http_api": "HTTP API (2.0) event: lambdakit @aws_lambda_handler()",
}


def json_writers(section: dict[str, Any] | None) -> str:
    title = "2b. Writing a response body: json's C encoder (default) and orjson, µs per body"
    if (failed := _failed(title, section)) or section is None or "json" not in section:
        return failed or f"{title}\n  (not run)"
    writers = section["json"]
    import_us = writers["orjson_import_ms"] * 1000
    rows = []
    for name, s in writers["sizes"].items():
        saved = s["stdlib_us"] - s["orjson_us"]
        repay = f"{import_us / saved:,.0f}" if saved > 0 else "never"
        rows.append([name, f"{s['bytes']:,}", _n(s["stdlib_us"]), _n(s["orjson_us"]),
                     _x(s["stdlib_us"] / s["orjson_us"]), repay])  # fmt: skip
    notes = [
        f"(importing orjson: {writers['orjson_import_ms']:.1f} ms in a fresh process, median;"
        " repaid after: responses of that size before orjson's import is paid back)"
    ]
    header = ["body", "bytes", "json µs", "orjson µs", "json / orjson", "repaid after"]
    return table(title, header, rows, notes)


def validated_post(section: dict[str, Any] | None) -> str:
    title = "3. POST /items with body validation (4 fields, one nested): µs per call"
    if (failed := _failed(title, section)) or section is None:
        return failed or ""
    post = section["post"]
    labels = {
        "raw_pydantic": "hand-written: Model.model_validate_json(body)",
        "lambdakit_dataclass": "lambdakit get_body(event, Dataclass)",
        "lambdakit_pydantic": "lambdakit get_body(event, PydanticModel)",
        "lambdakit_routed": "lambdakit HttpResolver, dataclass parameter",
        "powertools": "Powertools enable_validation=True, pydantic param",
    }
    raw, ours = post["raw_pydantic"]["us"], post["lambdakit_pydantic"]["us"]
    rows = [
        [labels[k] + _mutated(v), _n(v["us"]), _x(v["us"] / raw), _x(v["us"] / ours),
         "yes" if v["rejects_bad"] else "NO"]
        for k, v in post.items()
    ]  # fmt: skip
    rows.append(["Chalice", NOT_APPLICABLE, "", "", "no body validation"])
    header = ["subject", "µs", "x raw", "x lambdakit pydantic", "bad body 4xx"]
    return table(title, header, rows)


def websocket(section: dict[str, Any] | None) -> str:
    title = "4. WebSocket resolve, message route: µs per call"
    if (failed := _failed(title, section)) or section is None:
        return failed or ""
    ws = section["websocket"]
    labels = {
        "raw": "hand-written dispatch (route key, json.loads)",
        "sync": "lambdakit resolve, sync handler",
        "async": "lambdakit resolve, async handler",
        "async_middleware": "lambdakit resolve, async handler + async middleware",
    }
    raw = ws["raw"]["us"]
    rows = [[labels[k] + _mutated(v), _n(v["us"]), _x(v["us"] / raw)] for k, v in ws.items()]
    rows.append(["Powertools, Chalice", NOT_APPLICABLE, "no WebSocket resolver"])
    return table(title, ["subject", "µs", "x raw"], rows)


def broadcast(section: dict[str, Any] | None) -> str:
    title = (
        "5. Broadcast to a @connections that answers as AWS does: "
        f"{section['latency_ms']:.0f} ms a call, 429 over the account limit"
        if section and "error" not in section
        else "5. Broadcast to a simulated @connections"
    )
    if (failed := _failed(title, section)) or section is None:
        return failed or ""
    ours, loop = section["lambdakit"], section["boto3_loop"]
    limited, throttled = section["limited"], section["throttled"]

    def row(label: str, r: dict[str, Any], versus: str) -> list[str]:
        return [
            label,
            f"{r['messages']:,}",
            _n(r["seconds"], 2),
            f"{r['messages'] / r['seconds']:,.0f}",
            _n(r["cpu_seconds"] / r["messages"] * 1000, 2),
            f"{r['messages'] - r['accepted']:,}",
            f"{r['throttled']:,}",
            versus,
        ]

    def limit(r: dict[str, Any]) -> str:
        return f"{r['rate']:,.0f}/s limit"

    def floor(r: dict[str, Any]) -> str:
        return f"{_x(r['seconds'] / r['floor_s'])} the floor ({r['floor_s']:.2f} s)"

    rows = [
        row("lambdakit broadcast, no limit", ours, "1.00x"),
        row("boto3 post_to_connection loop, no limit", loop,
            f"{_x(loop['seconds'] / ours['seconds'])} lambdakit's time"),
        row(f"lambdakit broadcast, {limit(limited)}", limited, floor(limited)),
        row(f"lambdakit broadcast, {limit(throttled)}", throttled, floor(throttled)),
    ]  # fmt: skip
    notes = [
        "(one run each; CPU: the sending process's CPU time / messages; lost: not accepted by"
        " the endpoint; 429: calls answered LimitExceededException;",
        " a limit is a token bucket with a burst of half its rate, as AWS's 10,000/s and 5,000;"
        " the floor is the time it allows: (messages - burst) / rate)",
    ]
    header = ["subject", "messages", "s", "msg/s", "CPU ms/msg", "lost", "429", "vs"]
    return table(title, header, rows, notes)


def fan_out(section: dict[str, Any] | None) -> str:
    title = (
        "5b. Fan-out: batches of Event invocations, each in a process of its own, sharing the limit"
    )
    if (failed := _failed(title, section)) or section is None:
        return failed or ""
    s = section
    rows = [
        [
            f"lambdakit fan_out, {s['batches']} batches, {s['rate']:,.0f}/s limit",
            f"{s['connections']:,}",
            _n(s["seconds"], 2),
            f"{s['connections'] / s['seconds']:,.0f}",
            f"{s['connections'] - s['accepted']:,}",
            f"{s['throttled']:,}",
            f"{s['failed']:,}",
            f"{_x(s['seconds'] / s['floor_s'])} the floor ({s['floor_s']:.2f} s)",
        ]
    ]
    notes = [
        "(one run; timed from the fan-out's start to the last batch's end; each batch paces"
        " itself at rate / batches; the floor: (messages - burst) / rate, as in section 5)"
    ]
    header = ["subject", "messages", "s", "msg/s", "lost", "429", "failed", "vs"]
    return table(title, header, rows, notes)


def store(section: dict[str, Any] | None) -> str:
    title = "6. Connection store on DynamoDB Local: ms per call"
    if (failed := _failed(title, section)) or section is None:
        return failed or ""
    ms = section["ms_per_call"]
    ours, raw = ms["lambdakit"], ms["raw"]
    rows = [[op, _n(ours[op]), _n(raw[op]), _x(ours[op] / raw[op])] for op in ours]
    total_ours, total_raw = sum(ours.values()), sum(raw.values())
    rows.append(["overall (sum)", _n(total_ours), _n(total_raw), _x(total_ours / total_raw)])
    notes = [f"({section['calls_per_operation']} calls per operation and side, same client)"]
    return table(title, ["operation", "lambdakit", "raw boto3", "lambdakit / raw"], rows, notes)


def load(section: dict[str, Any] | None) -> str:
    title = "7. Local API Gateway under load"
    if (failed := _failed(title, section)) or section is None:
        return failed or ""
    ours, chalice, ws = (
        section["lambdakit_http"],
        section["chalice_http"],
        section["lambdakit_websocket"],
    )
    rows = [
        [
            "lambdakit serve (workers), HTTP GET",
            f"{ours['requests_per_s']:,.0f} req/s",
            ours["latency"].get("50%", ""),
            ours["latency"].get("99%", ""),
            "1.00x",
        ],
    ]
    if inproc := section.get("lambdakit_in_process_http"):
        rows.append(
            [
                "lambdakit serve --in-process, HTTP GET",
                f"{inproc['requests_per_s']:,.0f} req/s",
                inproc["latency"].get("50%", ""),
                inproc["latency"].get("99%", ""),
                _x(inproc["requests_per_s"] / ours["requests_per_s"]),
            ]
        )
    rows += [
        ["chalice local, HTTP GET", f"{chalice['requests_per_s']:,.0f} req/s",
         chalice["latency"].get("50%", ""), chalice["latency"].get("99%", ""),
         _x(chalice["requests_per_s"] / ours["requests_per_s"])],
        ["lambdakit serve, WebSocket echo", f"{ws['per_second']:,.0f} trips/s", "", "", ""],
        ["chalice local, WebSocket", NOT_APPLICABLE, "", "", "no WebSocket"],
    ]  # fmt: skip
    notes = [f"(HTTP: {ours['command'].rsplit(' ', 1)[0]}; WebSocket: {ws['clients']} clients "
             f"echoing for {ws['seconds']:.0f} s)"]  # fmt: skip
    return table(title, ["server", "throughput", "p50", "p99", "x lambdakit"], rows, notes)


def redaction(section: dict[str, Any] | None) -> str:
    title = "8. Redaction of 1 MB of hostile text: seconds, and the ratio to 1 MB of plain text"
    if (failed := _failed(title, section)) or section is None:
        return failed or ""
    plain = section["plain_s"]
    rows = [["plain text", _n(plain, 3), "1.00x"]]
    rows += [[name, _n(s, 3), _x(s / plain)] for name, s in section["inputs_s"].items()]
    return table(title, ["input", "s", "ratio"], rows)


def targets(verdicts: list[dict[str, Any]]) -> str:
    rows = []
    for v in verdicts:
        measured = NOT_APPLICABLE if v["measured"] is None else _x(v["measured"])
        off = f"off by {v['off_by']:.2f}x" if v.get("off_by") else ""
        rows.append([v["target"], v["goal"], measured, v["verdict"], off])
    title = "Targets (issue 5), information only"
    return table(title, ["target", "goal", "measured", "verdict", ""], rows)


def _versions(packages: dict[str, str | None]) -> str:
    return ", ".join(f"{name} {version}" for name, version in packages.items() if version)


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    head = (
        f"lambdakit benchmarks ({'quick' if results['settings']['quick'] else 'full'} run), "
        f"{m['date']}, lambdakit at {m.get('revision') or 'unknown revision'}\n"
        f"{m['cpu']}, {m['cores']} cores, {m['os']}, Python {m['python']}\n"
        f"lambdakit's venv: {_versions(m['packages']['lambdakit_venv'])}\n"
        f"peers' venv: {_versions(m['packages']['peers_venv'])}"
    )
    sections = results["sections"]
    parts = [
        head,
        cold_import(sections.get("cold_import")),
        warm_get(sections.get("per_call")),
        json_writers(sections.get("per_call")),
        validated_post(sections.get("per_call")),
        websocket(sections.get("per_call")),
        broadcast(sections.get("broadcast")),
        fan_out(sections.get("fan_out")),
        store(sections.get("store")),
        load(sections.get("load")),
        redaction(sections.get("redaction")),
        targets(results["targets"]),
    ]
    return "\n\n".join(parts) + "\n"
