"""A routed app (``tests.router.served_app``) under the local gateway, driven over HTTP, on a
REST API (payload 1.0) and an HTTP API (payload 2.0) route."""

from __future__ import annotations

import json

import pytest

from lambdakit.local.config import FunctionRef, GatewayConfig, HttpRoute
from tests.local.test_http import request as http_request
from tests.router import served_app


@pytest.fixture(autouse=True)
def one_item() -> None:
    served_app.reset()


@pytest.fixture(params=["1.0", "2.0"], ids=["rest-1.0", "http-api-2.0"])
def base(request: pytest.FixtureRequest, serve) -> str:
    function = FunctionRef("tests.router.served_app:app", 10)
    route = HttpRoute("ANY", "$default", function, request.param)
    return str(serve(GatewayConfig(http_routes=(route,))).http)


def send(url: str, **kwargs):
    status, headers, body = http_request(url, **kwargs)
    return status, headers, json.loads(body) if body else None


def test_path_and_query_parameters(base):
    status, headers, body = send(f"{base}/items?tag=home&tag=none&limit=5")
    assert status == 200
    assert headers["content-type"] == ["application/json; charset=UTF-8"]
    assert body["rslt_cd"] == "S00000"
    assert [item["name"] for item in body["data"]] == ["lamp"]
    status, _, body = send(f"{base}/items/1")
    assert (status, body["data"]["id"]) == (200, 1)
    status, _, body = send(f"{base}/colors/green?shade=0.25")
    assert body["data"] == {"color": "green", "shade": 0.25}


def test_header_and_body_parameters(base):
    data = json.dumps({"name": "desk", "price": 80, "tags": ["office"]}).encode()
    status, _, body = send(
        f"{base}/items",
        method="POST",
        data=data,
        headers={"Content-Type": "application/json", "X-Api-Key": "k"},
    )
    assert status == 200
    assert body["data"]["name"] == "desk"
    status, _, found = send(f"{base}/items/{body['data']['id']}")
    assert found["data"] == body["data"]


def test_cookie_header_and_event_parameters(base):
    status, _, body = send(f"{base}/me", headers={"Cookie": "a=1; session=s1", "User-Agent": "t/1"})
    assert status == 200
    assert body["data"] == {"session": "s1", "user_agent": "t/1", "method": "GET"}


def test_every_bad_parameter_is_a_422_naming_where_it_was(base):
    status, _, body = send(f"{base}/items", method="POST", data=b'{"price": "x"}')
    assert status == 422
    assert body["rslt_cd"] == "S42200"
    fields = [d["field"] for d in body["details"]]
    assert fields == ["header.X-Api-Key", "body.name", "body.price"]
    status, _, body = send(f"{base}/colors/blue?shade=dark")
    assert [d["field"] for d in body["details"]] == ["path.color", "query.shade"]
    status, _, body = send(f"{base}/me")
    assert (status, body["details"][0]["field"]) == (422, "cookie.session")


def test_html_route_beside_json_routes(base):
    status, headers, body = http_request(f"{base}/")
    assert status == 200
    assert headers["content-type"] == ["text/html; charset=UTF-8"]
    assert body.startswith(b"<!doctype html>")


def test_unknown_path_and_wrong_method(base):
    status, _, body = send(f"{base}/nothing/here")
    assert (status, body["rslt_cd"]) == (404, "S40400")
    status, headers, body = send(f"{base}/items/1", method="PUT", data=b"{}")
    assert (status, body["rslt_cd"]) == (405, "S40500")
    assert headers["allow"] == ["GET, HEAD, DELETE"]


def test_app_error_with_its_status(base):
    status, _, body = send(f"{base}/items/999")
    assert (status, body["rslt_cd"]) == (404, "B00404")


def test_openapi_document_and_docs_page(base):
    status, headers, document = send(f"{base}/openapi.json")
    assert status == 200
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {"/", "/items", "/items/{item_id}", "/colors/{color}", "/me"}
    status, headers, page = http_request(f"{base}/docs")
    assert status == 200
    assert headers["content-type"] == ["text/html; charset=UTF-8"]
    assert b"served items" in page
