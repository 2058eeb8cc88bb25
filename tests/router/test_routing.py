"""Matching, 404/405, CORS preflights, Router/include_router, options per route, middleware and
exception handlers of ``HttpResolver``, on events from ``lambdakit.testing``."""

from __future__ import annotations

import json

import pytest

from lambdakit import AppError, CorsConfig, HttpResolver, LambdaEvent, LambdaResponse, Router
from lambdakit.router import Middleware
from lambdakit.router._routes import PathTemplate
from lambdakit.testing import alb_event, http_api_event, rest_event


def call(app, event):
    result = app(event, None)
    return result, json.loads(result["body"]) if result.get("body") else None


@pytest.fixture
def app():
    app = HttpResolver()

    @app.get("/items")
    def list_items():
        return ["a"]

    @app.post("/items")
    def create_item():
        return {"created": True}

    @app.get("/items/{item_id}")
    def get_item(item_id: str):
        return {"id": item_id}

    @app.get("/items/special")
    def special():
        return "special"

    @app.get("/files/{proxy+}")
    def files(proxy: str):
        return proxy

    @app.get("/legacy/<name>")
    def legacy(name: str):
        return name

    return app


@pytest.mark.parametrize(
    ("path", "data"),
    [
        pytest.param("/items", ["a"], id="static"),
        pytest.param("/items/", ["a"], id="trailing-slash"),
        pytest.param("/items/42", {"id": "42"}, id="parameter"),
        pytest.param("/items/special", "special", id="static-beats-parameter"),
        pytest.param("/files/a/b/c.txt", "a/b/c.txt", id="greedy"),
        pytest.param("/files/a%20b", "a b", id="percent-decoded"),
        pytest.param("/legacy/x", "x", id="powertools-syntax"),
    ],
)
def test_paths_match(app, path, data):
    result, body = call(app, rest_event("GET", path))
    assert result["statusCode"] == 200
    assert body["rslt_cd"] == "S00000"
    assert body["data"] == data


def test_unknown_path_is_404_with_a_stable_code(app):
    result, body = call(app, rest_event("GET", "/nothing"))
    assert result["statusCode"] == 404
    assert body["rslt_cd"] == "S40400"
    assert "GET /nothing" in body["rslt_msg"]


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(rest_event("DELETE", "/items"), id="rest"),
        pytest.param(http_api_event("DELETE", "/items"), id="http-api"),
        pytest.param(alb_event("DELETE", "/items"), id="alb"),
    ],
)
def test_wrong_method_is_405_with_allow(app, event):
    result, body = call(app, event)
    assert result["statusCode"] == 405
    assert body["rslt_cd"] == "S40500"
    assert result["headers"]["Allow"] == "GET, HEAD, POST"


def test_allow_in_multi_value_mode_of_an_alb(app):
    result = app(alb_event("PUT", "/items/1", multi_value=True), None)
    assert result["statusCode"] == 405
    assert result["multiValueHeaders"]["Allow"] == ["GET, HEAD"]


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(rest_event("HEAD", "/items/42"), id="rest"),
        pytest.param(http_api_event("HEAD", "/items/42"), id="http-api"),
        pytest.param(alb_event("HEAD", "/items/42"), id="alb"),
    ],
)
def test_head_is_answered_by_the_get_route_without_a_body(app, event):
    got = app(event, None)
    sent = app({**event, "httpMethod": "GET"} if "httpMethod" in event else _as_get(event), None)
    assert got["statusCode"] == sent["statusCode"] == 200
    assert got["body"] == ""
    assert got["headers"]["Content-Type"] == sent["headers"]["Content-Type"]


def _as_get(event):
    http = {**event["requestContext"]["http"], "method": "GET"}
    return {**event, "requestContext": {**event["requestContext"], "http": http}}


def test_a_head_route_of_its_own_wins_and_head_is_no_get_elsewhere():
    app = HttpResolver()

    @app.get("/a")
    def get_a():
        return "get"

    @app.head("/a")
    def head_a():
        return LambdaResponse(headers={"X-Head": "own"}, body="")

    @app.post("/b")
    def post_b():
        return "post"

    assert app(rest_event("HEAD", "/a"), None)["headers"]["X-Head"] == "own"
    refused = app(rest_event("HEAD", "/b"), None)
    assert (refused["statusCode"], refused["headers"]["Allow"]) == (405, "POST")


def test_named_stage_of_an_http_api_is_not_part_of_the_route(app):
    event = http_api_event("GET", "/items")
    event["rawPath"] = "/prod/items"
    event["requestContext"]["stage"] = "prod"
    assert call(app, event)[1]["data"] == ["a"]


def test_preflight_is_answered_with_the_apps_cors():
    app = HttpResolver(cors=CorsConfig(allow_origins=["https://app.example"]))

    @app.post("/items")
    def create():
        return 1

    headers = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    result = app(rest_event("OPTIONS", "/items", headers=headers), None)
    assert result["statusCode"] == 204
    assert result["headers"]["Access-Control-Allow-Origin"] == "https://app.example"


def test_without_cors_a_preflight_is_a_405():
    app = HttpResolver(cors=False)

    @app.post("/items")
    def create():
        return 1

    headers = {"Origin": "https://x.example", "Access-Control-Request-Method": "POST"}
    assert app(rest_event("OPTIONS", "/items", headers=headers), None)["statusCode"] == 405


@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param("items", "starts with", id="no-slash"),
        pytest.param("/a/{x}/{x}", "twice", id="duplicate"),
        pytest.param("/a/{rest+}/b", "must end", id="greedy-in-the-middle"),
        pytest.param("/a/x{y}", "whole segment", id="partial-segment"),
        pytest.param("/a/{not-a-name}", "Python name", id="bad-name"),
        pytest.param("/a/{}", "whole segment", id="empty-name"),
        pytest.param("/a/<>", "whole segment", id="empty-powertools-name"),
        pytest.param("/a/{x+y}", "whole segment", id="plus-inside"),
        pytest.param("/a/{{x}}", "whole segment", id="double-braces"),
    ],
)
def test_bad_paths_are_rejected_at_registration(path, message):
    with pytest.raises(ValueError, match=message):
        PathTemplate(path)


@pytest.mark.parametrize(
    ("path", "names", "greedy"),
    [
        pytest.param("/a/{x}/b", ("x",), False, id="api-gateway"),
        pytest.param("/a/<x>", ("x",), False, id="powertools"),
        pytest.param("/files/{proxy+}", ("proxy",), True, id="greedy"),
        pytest.param("/a/b", (), False, id="static"),
    ],
)
def test_path_parameters_are_read_from_segments(path, names, greedy):
    template = PathTemplate(path)
    assert (template.names, template.greedy) == (names, greedy)


@pytest.mark.parametrize(
    ("template", "path", "values"),
    [
        pytest.param("/a/{x}/b", "/a/1/b", {"x": "1"}, id="middle"),
        pytest.param("/a/{x}/b", "/a/1/c", None, id="literal-differs"),
        pytest.param("/a/{x}/b", "/a/1", None, id="too-short"),
        pytest.param("/a/{x}/b", "/a/1/b/c", None, id="too-long"),
        pytest.param("/a/{x}", "/a/", None, id="empty-parameter"),
        pytest.param("/a/{x}/b", "/a//b", None, id="empty-middle-parameter"),
        pytest.param("/a/{x}", "/ab/1", None, id="prefix-is-not-a-segment"),
        pytest.param("/a/{x}", "/a/h%C3%A9llo%2Fx", {"x": "héllo/x"}, id="percent-decoded"),
        pytest.param("/files/{proxy+}", "/files/a", {"proxy": "a"}, id="greedy-one"),
        pytest.param("/files/{proxy+}", "/files/a/b/c", {"proxy": "a/b/c"}, id="greedy-many"),
        pytest.param("/files/{proxy+}", "/files//b", {"proxy": "/b"}, id="greedy-leading-slash"),
        pytest.param("/files/{proxy+}", "/files", None, id="greedy-empty"),
        pytest.param("/{proxy+}", "/x/y", {"proxy": "x/y"}, id="greedy-root"),
        pytest.param("/{a}/f/{rest+}", "/x/f/y/z", {"a": "x", "rest": "y/z"}, id="greedy-after"),
        pytest.param("/{a}/f/{rest+}", "/x/g/y/z", None, id="greedy-after-literal-differs"),
        pytest.param("/a/{x}", "/a/1\n", {"x": "1\n"}, id="newline-is-a-character"),
        pytest.param("/a/b", "/a/b", {}, id="static"),
        pytest.param("/a/b", "/a/c", None, id="static-differs"),
    ],
)
def test_paths_are_matched_segment_by_segment(template, path, values):
    assert PathTemplate(template).values(path) == values


def test_conflicts_are_rejected_at_registration(app):
    with pytest.raises(ValueError, match="already registered"):
        app.get("/items")(lambda: None)
    with pytest.raises(ValueError, match="two parameter names"):
        app.post("/items/{other}")(lambda other: None)
    with pytest.raises(TypeError, match="no parameter for the path parameter"):
        app.get("/users/{user_id}")(lambda: None)
    with pytest.raises(ValueError, match="methods must be among"):
        app.route("/x", methods=["FETCH"])
    with pytest.raises(TypeError, match="unknown route options"):
        app.get("/x", content="text/html")


def test_route_options_override_the_apps():
    app = HttpResolver(cors=False)

    @app.get("/page", content_type="text/html")
    def page():
        return "<p>hi</p>"

    @app.get("/api", cors=True)
    def api():
        return 1

    result = app(rest_event("GET", "/page"), None)
    assert result["headers"]["Content-Type"] == "text/html; charset=UTF-8"
    assert result["body"] == "<p>hi</p>"
    assert "Access-Control-Allow-Origin" not in result["headers"]
    assert app(rest_event("GET", "/api"), None)["headers"]["Access-Control-Allow-Origin"] == "*"


def test_bad_app_options_fail_at_construction():
    with pytest.raises(ValueError, match="error_receiver_timeout"):
        HttpResolver(error_receiver_timeout=-1)
    with pytest.raises(TypeError, match="ignore_app_errors"):
        HttpResolver(ignore_app_errors="B0001")


def test_what_a_route_may_return():
    app = HttpResolver()
    app.get("/response")(lambda: LambdaResponse(statusCode=201, body="made"))
    app.get("/proxy")(lambda: {"statusCode": 202, "body": "later"})
    app.get("/none")(lambda: None)
    assert app(rest_event("GET", "/response"), None)["statusCode"] == 201
    assert app(rest_event("GET", "/proxy"), None)["body"] == "later"
    assert call(app, rest_event("GET", "/none"))[1]["data"] is None


def test_errors_take_the_decorators_path():
    received: list[str] = []
    app = HttpResolver(error_receiver=received.append, error_status_code=500)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    @app.get("/app-error")
    def app_error():
        raise AppError("B00001", "nope", status_code=409)

    result, body = call(app, rest_event("GET", "/boom"))
    assert (result["statusCode"], body["rslt_cd"], body["rslt_msg"]) == (500, "S99999", "kaput")
    assert "boom" in received[0]  # the report names the route's function
    result, body = call(app, rest_event("GET", "/app-error"))
    assert (result["statusCode"], body["rslt_cd"]) == (409, "B00001")


def test_not_http_gets_the_envelope():
    app = HttpResolver()
    assert app({"hello": "world"}, None)["rslt_cd"] == "S40400"


# -- Router ---------------------------------------------------------------------------------


def test_include_router_with_a_prefix():
    users = Router()

    @users.get("/")
    def list_users():
        return []

    @users.get("/{user_id}", content_type="text/plain")
    def get_user(user_id: int):
        return f"user {user_id}"

    app = HttpResolver()
    app.include_router(users, prefix="/users")
    assert call(app, rest_event("GET", "/users"))[1]["data"] == []
    result = app(rest_event("GET", "/users/7"), None)
    assert result["body"] == "user 7"
    assert result["headers"]["Content-Type"].startswith("text/plain")
    with pytest.raises(ValueError, match="prefix"):
        app.include_router(users, prefix="users/")


# -- middleware and exception handlers ------------------------------------------------------


class Tagging(Middleware):
    async def __call__(self, event, context, next_handler):
        result = await next_handler(event, context)
        return {"tagged": result}


def sync_middleware(event, context, next_handler):
    return {"sync": next_handler(event, context)}


async def async_function_middleware(event, context, next_handler):
    event = {**event, "path": "/rewritten"}  # a middleware may hand on another event
    return await next_handler(event, context)


@pytest.mark.parametrize(
    ("middleware", "data"),
    [
        pytest.param(Tagging, {"tagged": "/rewritten"}, id="class"),
        pytest.param(sync_middleware, {"sync": "/rewritten"}, id="sync-function"),
    ],
)
def test_middleware_in_the_websocket_resolvers_forms(middleware, data):
    app = HttpResolver()
    app.middleware(middleware)
    app.middleware(async_function_middleware)

    @app.get("/original")
    def original(request: LambdaEvent):
        return request.path

    assert call(app, rest_event("GET", "/original"))[1]["data"] == data


def test_middleware_sees_404s_too():
    seen = []
    app = HttpResolver()

    @app.middleware
    def record(event, context, next_handler):
        seen.append(event["path"])
        return next_handler(event, context)

    assert app(rest_event("GET", "/nothing"), None)["statusCode"] == 404
    assert seen == ["/nothing"]


def test_exception_handlers_by_mro():
    app = HttpResolver()

    class Base(Exception):
        pass

    class Child(Base):
        pass

    @app.exception_handler(Base)
    def base(request, error):
        return LambdaResponse(statusCode=418, body=f"{type(error).__name__} {request.path}")

    @app.exception_handler(KeyError)
    async def missing(request, error):
        raise AppError("B00404", "missing", status_code=404)

    @app.get("/child")
    def child():
        raise Child

    @app.get("/key")
    async def key():
        raise KeyError("k")

    assert app(rest_event("GET", "/child"), None)["body"] == "Child /child"
    result, body = call(app, rest_event("GET", "/key"))
    assert (result["statusCode"], body["rslt_cd"]) == (404, "B00404")
    with pytest.raises(ValueError, match="registered"):
        app.exception_handler(Base)(base)


def test_async_routes():
    app = HttpResolver()

    @app.get("/items/{n}")
    async def item(n: int):
        return n * 2

    assert call(app, rest_event("GET", "/items/21"))[1]["data"] == 42


def test_the_most_specific_route_wins_whatever_the_order_of_registration():
    app = HttpResolver()

    @app.get("/files/{proxy+}")
    def anything(proxy: str) -> str:
        return f"greedy {proxy}"

    @app.get("/files/{file_id}")
    def one(file_id: str) -> str:
        return f"one {file_id}"

    @app.get("/files/{file_id}/meta")
    def meta(file_id: str) -> str:
        return f"meta {file_id}"

    def data(path: str) -> object:
        return json.loads(app(rest_event("GET", path), None)["body"])["data"]

    assert data("/files/a/meta") == "meta a"
    assert data("/files/a") == "one a"
    assert data("/files/a/b/c") == "greedy a/b/c"


def test_a_match_during_the_first_sort_finds_the_route(monkeypatch):
    """The route table sorts its parametrised paths on the first match. ``lambdakit serve``
    runs handlers on threads: a second request arriving mid-sort must still find its route
    (an in-place sort empties the list while it runs)."""
    import threading

    from lambdakit.router import _routes
    from lambdakit.router._routes import Route, RouteTable

    table = RouteTable()
    for path in ("/users/{user_id}", "/files/{proxy+}", "/users/{user_id}/meta"):
        table.add(Route("GET", PathTemplate(path), lambda **_: None, options={}))
    in_sort, release = threading.Event(), threading.Event()
    real = _routes._specificity

    def slow_specificity(path):
        in_sort.set()
        release.wait(5)  # the scheduler switching threads here, made certain
        return real(path)

    monkeypatch.setattr(_routes, "_specificity", slow_specificity)
    first = threading.Thread(target=table.match, args=("GET", "/users/1"))
    first.start()
    assert in_sort.wait(5)
    monkeypatch.setattr(_routes, "_specificity", real)
    try:
        route, _ = table.match("GET", "/users/42")  # a second request, meanwhile
    finally:
        release.set()
        first.join()
    assert route is not None
    assert route.template.path == "/users/{user_id}"
