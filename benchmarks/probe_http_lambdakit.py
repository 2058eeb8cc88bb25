"""Probe (lambdakit's venv): warm GET and validated POST, µs per call, for a hand-written
handler and lambdakit's decorator; run as ``python -m benchmarks.probe_http_lambdakit``."""

from __future__ import annotations

import json
from typing import Any

from benchmarks.events import get_event, http_api_get_event, post_event
from benchmarks.models import Order, OrderModel
from benchmarks.routed_lambdakit import app as routed_app
from benchmarks.runner import probe_main
from benchmarks.warm import Handler, measure_one, rejects
from lambdakit import aws_lambda_handler, get_body

JSON_HEADERS = {"Content-Type": "application/json"}


def raw_get(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """What one writes without a library: a proxy result with a JSON body."""
    return {
        "statusCode": 200,
        "headers": JSON_HEADERS,
        "body": json.dumps({"message": "hello"}),
        "isBase64Encoded": False,
    }


def raw_pydantic_post(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order = OrderModel.model_validate_json(event["body"])
    return {
        "statusCode": 200,
        "headers": JSON_HEADERS,
        "body": json.dumps({"name": order.name}),
        "isBase64Encoded": False,
    }


@aws_lambda_handler()
def lambdakit_get(event: dict[str, Any], context: Any) -> dict[str, str]:
    return {"message": "hello"}


@aws_lambda_handler()
def lambdakit_dataclass_post(event: dict[str, Any], context: Any) -> dict[str, str]:
    order = get_body(event, Order)
    return {"name": order.name}


@aws_lambda_handler()
def lambdakit_pydantic_post(event: dict[str, Any], context: Any) -> dict[str, str]:
    order = get_body(event, OrderModel)
    return {"name": order.name}


def measure(settings: dict[str, Any]) -> dict[str, Any]:
    get, post, http_get = get_event(), post_event(), http_api_get_event()
    if settings.get("only_get"):
        return {"get": {"lambdakit": measure_one(lambdakit_get, get, "hello", settings)}}
    posts: dict[str, Handler] = {
        "raw_pydantic": raw_pydantic_post,
        "lambdakit_dataclass": lambdakit_dataclass_post,
        "lambdakit_pydantic": lambdakit_pydantic_post,
        "lambdakit_routed": routed_app,
    }
    return {
        "get": {
            "raw": measure_one(raw_get, get, "hello", settings),
            "lambdakit": measure_one(lambdakit_get, get, "hello", settings),
            "lambdakit_routed": measure_one(routed_app, get, "hello", settings),
            # The same GET as an HTTP API (payload 2.0) event: its method is in requestContext.
            "raw_http_api": measure_one(raw_get, http_get, "hello", settings),
            "lambdakit_http_api": measure_one(lambdakit_get, http_get, "hello", settings),
        },
        "post": {
            name: {
                **measure_one(handler, post, "Ada", settings),
                "rejects_bad": rejects(handler, post),
            }
            for name, handler in posts.items()
        },
    }


if __name__ == "__main__":
    probe_main(measure)
