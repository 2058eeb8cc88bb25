"""Probe (the peers' venv): warm GET through Powertools' ``APIGatewayRestResolver`` and a
Chalice app's Lambda entry, validated POST through Powertools' ``enable_validation``; run as
``python -m benchmarks.probe_http_peers``. lambdakit is never imported here."""

from __future__ import annotations

import sys
from typing import Any

from aws_lambda_powertools.event_handler import (  # type: ignore[import-not-found,unused-ignore]
    APIGatewayRestResolver,
)
from chalice.app import Chalice  # type: ignore[import-not-found,unused-ignore]

from benchmarks.events import get_event, post_event
from benchmarks.models import OrderModel
from benchmarks.runner import probe_main
from benchmarks.warm import measure_one, rejects

powertools = APIGatewayRestResolver()
powertools_validating = APIGatewayRestResolver(enable_validation=True)
chalice = Chalice(app_name="bench")


@powertools.get("/hello")  # type: ignore[untyped-decorator,misc,unused-ignore]
def powertools_hello() -> dict[str, str]:
    return {"message": "hello"}


@powertools_validating.post("/items")  # type: ignore[untyped-decorator,misc,unused-ignore]
def powertools_create(order: OrderModel) -> dict[str, str]:
    return {"name": order.name}


@chalice.route("/hello")  # type: ignore[untyped-decorator,misc,unused-ignore]
def chalice_hello() -> dict[str, str]:
    return {"message": "hello"}


def powertools_get(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return powertools.resolve(event, context)  # type: ignore[no-any-return,unused-ignore]


def powertools_post(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return powertools_validating.resolve(event, context)  # type: ignore[no-any-return,unused-ignore]


def chalice_get(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return chalice(event, context)  # type: ignore[no-any-return,unused-ignore]


def measure(settings: dict[str, Any]) -> dict[str, Any]:
    get, post = get_event(), post_event()
    result = {
        "get": {
            "powertools": measure_one(powertools_get, get, "hello", settings),
            "chalice": measure_one(chalice_get, get, "hello", settings),
        },
        "post": {
            "powertools": {
                **measure_one(powertools_post, post, "Ada", settings),
                "rejects_bad": rejects(powertools_post, post),
            }
        },
    }
    if "lambdakit" in sys.modules:
        raise RuntimeError("lambdakit was imported in the peers' process")
    return result


if __name__ == "__main__":
    probe_main(measure)
