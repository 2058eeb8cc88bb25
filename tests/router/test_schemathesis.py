"""schemathesis against ``tests.router.served_app`` under the local gateway, with the app's own
``/openapi.json``: every phase (examples, coverage, fuzzing, stateful), every check, no failure.

Run on a REST API (payload 1.0) and an HTTP API (payload 2.0) route. Kept small for CI: a few
dozen examples per operation, deterministic, so that a failure reproduces.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("uvicorn")

from schemathesis.checks import CHECKS, load_all_checks  # noqa: E402
from schemathesis.engine import Status, events  # noqa: E402

from lambdakit.local.config import FunctionRef, GatewayConfig, HttpRoute  # noqa: E402
from tests.local.server import running_gateway  # noqa: E402
from tests.router import served_app  # noqa: E402

MAX_EXAMPLES = 25


@pytest.fixture(scope="module", params=["1.0", "2.0"], ids=["rest-1.0", "http-api-2.0"])
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    function = FunctionRef("tests.router.served_app:app", 10)
    config = GatewayConfig(http_routes=(HttpRoute("ANY", "$default", function, request.param),))
    served_app.reset()
    with running_gateway(config) as gateway:
        yield gateway.http


def every_check() -> list[str]:
    load_all_checks()
    return list(CHECKS.get_all_names())


def test_every_check_is_enabled():
    assert {"not_a_server_error", "response_schema_conformance", "negative_data_rejection"} <= set(
        every_check()
    )


def test_schemathesis_finds_nothing(base_url):
    config = schemathesis.Config.from_dict(
        {
            "checks": {name: {"enabled": True} for name in every_check()},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {"stateful": {"max-steps": 20}},
        }
    )
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)
    failures: list[str] = []
    scenarios = cases = 0
    finished = None
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"error: {event}")
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            cases += len(event.recorder.cases)
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE:
                        info = check.failure_info
                        failure = info.failure if info is not None else None
                        failures.append(f"{event.label} {check.name} ({case_id}): {failure}")
        if isinstance(event, events.EngineFinished):
            finished = event
            failures.extend(f"after run: {f}" for f in event.failures)
    assert finished is not None
    assert scenarios > 0
    assert cases > 100, cases
    assert failures == []
    print(f"schemathesis: {cases} cases in {scenarios} scenarios on {base_url}")
