"""Parameters bound from type hints, and the 422 that names each bad field with its location."""

from __future__ import annotations

import enum
import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from typing import Annotated, Literal, TypedDict

import pytest

from lambdakit import HttpResolver, LambdaEvent
from lambdakit.router import Body, Cookie, Header, Query
from lambdakit.testing import LambdaContext, http_api_event, rest_event


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass
class Address:
    city: str


@dataclass
class Person:
    name: str
    age: int
    address: Address | None = None


class Patch(TypedDict):
    name: str


app = HttpResolver()


@app.get("/things/{thing_id}/{color}")
def get_thing(
    thing_id: uuid.UUID,
    color: Color,
    limit: int = 10,
    ratio: float = 1.0,
    flag: bool = False,
    tags: list[str] | None = None,
    ids: list[int] = [],  # noqa: B006 - read, never changed
    order: Literal["asc", "desc"] = "asc",
    since: str | None = None,
):
    return {
        "thing_id": str(thing_id),
        "color": color.value,
        "limit": limit,
        "ratio": ratio,
        "flag": flag,
        "tags": tags,
        "ids": ids,
        "order": order,
        "since": since,
    }


@app.post("/people/{group}")
def create_person(group: int, person: Person, request: LambdaEvent, context):
    return {
        "group": group,
        "name": person.name,
        "city": person.address.city if person.address else None,
        "method": request.http_method,
        "context": context.function_name if context else None,
    }


@app.patch("/people")
def patch_person(patch: Patch):
    return patch


@app.put("/bulk")
def bulk(items: Annotated[list[Address], Body()]):
    return [a.city for a in items]


@app.get("/whoami")
def whoami(
    api_key: Annotated[str, Header("X-Api-Key")],
    x_trace: Annotated[str | None, Header()] = None,
    session: Annotated[str | None, Cookie()] = None,
    page_size: Annotated[int, Query("page-size")] = 5,
):
    return {"key": api_key, "trace": x_trace, "session": session, "page_size": page_size}


def call(event, context=None):
    result = app(event, context)
    return result["statusCode"], json.loads(result["body"])


THING_ID = "6f1c2a36-1c5e-4a8d-9b1f-8c7a2e0d4b11"
THING = f"/things/{THING_ID}/red"


def test_path_and_query_are_converted():
    status, body = call(
        rest_event(
            "GET",
            THING,
            query={
                "limit": "3",
                "ratio": "0.5",
                "flag": "true",
                "tags": ["a", "b"],
                "ids": ["1", "2"],
            },
        )
    )
    assert status == 200
    assert body["data"] == {
        "thing_id": "6f1c2a36-1c5e-4a8d-9b1f-8c7a2e0d4b11",
        "color": "red",
        "limit": 3,
        "ratio": 0.5,
        "flag": True,
        "tags": ["a", "b"],
        "ids": [1, 2],
        "order": "asc",
        "since": None,
    }


def test_repeated_query_parameters_of_an_http_api():
    event = http_api_event("GET", THING, query={"ids": ["1", "2", "3"]})
    assert call(event)[1]["data"]["ids"] == [1, 2, 3]


@pytest.mark.parametrize("factory", [rest_event, http_api_event], ids=["rest", "http-api"])
def test_a_query_parameter_of_one_value_is_given_once(factory):
    status, body = call(factory("GET", THING, query={"since": ["a", "b"]}))
    assert (status, body["details"]) == (
        422,
        [{"field": "query.since", "message": "expected one value"}],
    )
    status, body = call(factory("GET", THING, query={"since": "a,b"}))
    assert (status, body["data"]["since"]) == (200, "a,b")


@pytest.mark.parametrize(
    ("path", "query", "fields"),
    [
        pytest.param("/things/not-a-uuid/red", {}, ["path.thing_id"], id="uuid"),
        pytest.param(f"/things/{THING_ID}/green", {}, ["path.color"], id="enum"),
        pytest.param(THING, {"limit": "ten"}, ["query.limit"], id="int"),
        pytest.param(THING, {"limit": "1.5"}, ["query.limit"], id="int-not-float"),
        pytest.param(THING, {"limit": "\u00a04"}, ["query.limit"], id="int-no-space"),
        pytest.param(THING, {"limit": "1_0"}, ["query.limit"], id="int-no-underscore"),
        pytest.param(THING, {"limit": "\u0664"}, ["query.limit"], id="int-ascii-digits"),
        pytest.param(THING, {"ratio": "nan"}, ["query.ratio"], id="float-finite"),
        pytest.param(THING, {"ratio": " 0.5"}, ["query.ratio"], id="float-no-space"),
        pytest.param(THING, {"ratio": "1_0.5"}, ["query.ratio"], id="float-no-underscore"),
        pytest.param(THING, {"flag": "maybe"}, ["query.flag"], id="bool"),
        pytest.param(THING, {"order": "up"}, ["query.order"], id="literal"),
        pytest.param(THING, {"ids": ["1", "x"]}, ["query.ids"], id="list-item"),
        pytest.param(THING, {"limit": ["1", "2"]}, ["query.limit"], id="one-value-twice"),
        pytest.param(
            "/things/x/green",
            {"limit": "z"},
            ["path.thing_id", "path.color", "query.limit"],
            id="all-at-once",
        ),
    ],
)
def test_bad_values_are_a_422_naming_each_field(path, query, fields):
    status, body = call(rest_event("GET", path, query=query))
    assert status == 422
    assert body["rslt_cd"] == "S42200"
    assert [d["field"] for d in body["details"]] == fields
    assert body["rslt_msg"].startswith("Invalid request: ")


def test_body_is_validated_with_locations():
    status, body = call(
        rest_event("POST", "/people/x", body={"name": "Ada", "age": "old", "address": {}})
    )
    assert status == 422
    assert [d["field"] for d in body["details"]] == ["path.group", "body.age", "body.address"]


def test_body_request_and_context():
    event = rest_event(
        "POST", "/people/3", body={"name": "Ada", "age": 36, "address": {"city": "London"}}
    )
    status, body = call(event, LambdaContext(function_name="people"))
    assert status == 200
    assert body["data"] == {
        "group": 3,
        "name": "Ada",
        "city": "London",
        "method": "POST",
        "context": "people",
    }


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param(None, 422, "S42200", id="missing"),
        pytest.param("{not json", 400, "S40001", id="not-json"),
        pytest.param('{"nom": "x", "age": 1e999}', 400, "S40001", id="number-out-of-range"),
        pytest.param({"nom": "x"}, 422, "S42200", id="typeddict-field-required"),
    ],
)
def test_bad_bodies(body, status, code):
    event = rest_event("PATCH", "/people", body=body)
    got, envelope = call(event)
    assert (got, envelope["rslt_cd"]) == (status, code)


def test_explicit_body_marker():
    status, body = call(rest_event("PUT", "/bulk", body=[{"city": "Oslo"}, {"city": "Rome"}]))
    assert (status, body["data"]) == (200, ["Oslo", "Rome"])
    status, body = call(rest_event("PUT", "/bulk", body=[{"city": 1}]))
    assert [d["field"] for d in body["details"]] == ["body[0].city"]


def test_headers_cookies_and_aliases():
    headers = {"x-api-key": "k", "X-Trace": "t", "Cookie": "a=1; session=s"}
    status, body = call(rest_event("GET", "/whoami", headers=headers, query={"page-size": "9"}))
    assert body["data"] == {"key": "k", "trace": "t", "session": "s", "page_size": 9}
    status, body = call(http_api_event("GET", "/whoami"))
    assert status == 422
    assert [d["field"] for d in body["details"]] == ["header.X-Api-Key"]


def test_signatures_that_cannot_be_bound_fail_at_compile():
    bad = HttpResolver()

    class Opaque:
        pass

    @bad.get("/x")
    def opaque(value: Opaque):
        return None

    with pytest.raises(TypeError, match="cannot read"):
        bad.compile()


def test_two_bodies_fail_at_compile():
    bad = HttpResolver()

    @bad.post("/x")
    def two(a: Person, b: Person):
        return None

    with pytest.raises(TypeError, match="two body parameters"):
        bad.compile()


def test_plain_hints_are_bound_without_typing():
    # A cold start imports typing only for hints that need it: int, an Enum, LambdaEvent do not.
    code = "\n".join(
        [
            "from __future__ import annotations",
            "import enum, json, sys",
            "from lambdakit import HttpResolver, LambdaEvent",
            "class Color(enum.Enum):",
            "    RED = 'red'",
            "app = HttpResolver()",
            "@app.get('/things/{item_id}/{color}')",
            "def get(item_id: int, color: Color, request: LambdaEvent, limit: int = 10) -> dict:",
            "    return [item_id, color.value, limit, request.http_method]",
            "event = {'httpMethod': 'GET', 'path': '/things/42/red',",
            "         'queryStringParameters': {'limit': '5'}, 'requestContext': {}}",
            "result = app(event, None)",
            "print(json.loads(result['body'])['data'], 'typing' in sys.modules)",
        ]
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[-2] == "[42, 'red', 5, 'GET'] False"
