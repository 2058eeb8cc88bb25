"""Invoke the example handler with one event per HTTP trigger and print what it answers.

python -m examples.hello
"""

from __future__ import annotations

import json

from lambdakit.testing import (
    LambdaContext,
    alb_event,
    function_url_event,
    http_api_event,
    rest_event,
)

from .app import handler

REQUESTS = [
    ("REST API     GET  /hello?name=Ada", rest_event("GET", "/hello", query={"name": "Ada"})),
    (
        "HTTP API     POST /hello",
        http_api_event("POST", "/hello", body={"name": "Ada", "times": 2}),
    ),
    (
        "Function URL POST /hello (invalid)",
        function_url_event("POST", "/hello", body={"times": "x"}),
    ),
    ("ALB          POST /hello (bad JSON)", alb_event("POST", "/hello", body="{oops")),
    (
        "REST API     OPTIONS /hello (preflight)",
        rest_event(
            "OPTIONS",
            "/hello",
            headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
        ),
    ),
    ("REST API     GET  /missing", rest_event("GET", "/missing")),
    ("REST API     GET  /boom", rest_event("GET", "/boom", headers={"Authorization": "Bearer x"})),
]


def main() -> None:
    for title, event in REQUESTS:
        result = handler(event, LambdaContext())
        print(f"\n=== {title}\n{result['statusCode']} {json.dumps(result['headers'])}")
        print(result["body"])


if __name__ == "__main__":
    main()
