"""Every HTTP sample event AWS and Powertools publish, through a routed app: each reaches the
catch-all route with its method and path, and answers in its trigger's proxy result."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from lambdakit import HttpResolver, LambdaEvent
from lambdakit.router._routes import request_path
from tests.conftest import event_names, load_event

app = HttpResolver()


@app.route("/{proxy+}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def catch_all(proxy: str, request: LambdaEvent, parameter1: list[str] | None = None):
    return {"proxy": proxy, "method": request.http_method, "parameter1": parameter1}


@app.route("/", methods=["GET", "POST"])
def root(request: LambdaEvent, parameter1: list[str] | None = None):
    return {"proxy": "", "method": request.http_method, "parameter1": parameter1}


HTTP_EVENTS = [
    name
    for name in event_names()
    if LambdaEvent.from_event(load_event(name)).trigger in ("rest", "http", "alb", "function_url")
]


def test_there_are_samples_of_every_trigger():
    triggers = {LambdaEvent.from_event(load_event(n)).trigger for n in HTTP_EVENTS}
    assert triggers == {"rest", "http", "alb", "function_url"}


@pytest.mark.parametrize("name", HTTP_EVENTS)
def test_sample_event_through_a_routed_app(name):
    event = load_event(name)
    view = LambdaEvent.from_event(event)
    result = app(event, None)
    if view.http_method == "OPTIONS" and "access-control-request-method" in view.headers:
        assert result["statusCode"] == 204  # a preflight: the app's CORS answers
        return
    assert result["statusCode"] == 200, result.get("body")
    if view.trigger == "alb":
        assert result["statusDescription"] == "200 OK"
    body = json.loads(result["body"])
    assert body["rslt_cd"] == "S00000"
    path = request_path(view)
    assert "/" + body["data"]["proxy"] == (path if "%" not in path else unquote(path))
    assert body["data"]["method"] == view.http_method
    multi = view.multi_value_query_string_parameters.get("parameter1")
    assert body["data"]["parameter1"] == multi
