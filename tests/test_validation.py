from __future__ import annotations

import datetime
import enum
import json
from dataclasses import dataclass, field
from typing import Literal, Optional, TypedDict

import pytest
from typing_extensions import NotRequired

from lambdakit import ValidationError, aws_lambda_handler, get_body
from lambdakit.testing import rest_event
from lambdakit.validation import validate


class Role(enum.Enum):
    ADMIN = "admin"
    USER = "user"


@dataclass
class Address:
    city: str
    zip: str


@dataclass
class User:
    name: str
    age: int
    address: Address
    role: Role = Role.USER
    tags: list[str] = field(default_factory=list)
    nickname: Optional[str] = None  # noqa: UP045 - typing.Optional must work too
    score: float = 0.0
    kind: Literal["person", "bot"] = "person"
    born: datetime.date | None = None


class Point(TypedDict):
    x: int
    y: int


def test_nested_dataclass():
    user = validate(
        {
            "name": "Ada",
            "age": 36,
            "address": {"city": "London", "zip": "N1"},
            "role": "admin",
            "tags": ["math"],
            "score": 3,
            "born": "1815-12-10",
        },
        User,
    )
    assert user == User(
        "Ada",
        36,
        Address("London", "N1"),
        Role.ADMIN,
        ["math"],
        None,
        3.0,
        "person",
        datetime.date(1815, 12, 10),
    )


def test_every_bad_field_is_named():
    with pytest.raises(ValidationError) as caught:
        validate(
            {
                "name": 5,
                "age": "36",
                "address": {"city": "L"},
                "tags": ["ok", 1],
                "kind": "alien",
                "role": "root",
            },
            User,
        )
    error = caught.value
    assert error.code == "S42200"
    assert error.status_code == 422
    assert error.errors == [
        {"field": "name", "message": "expected string, got integer"},
        {"field": "age", "message": "expected integer, got string"},
        {"field": "address.zip", "message": "field required"},
        {"field": "role", "message": "expected one of 'admin', 'user'"},
        {"field": "tags[1]", "message": "expected string, got integer"},
        {"field": "kind", "message": "expected one of 'person', 'bot'"},
    ]
    assert error.message.startswith("Invalid request body: name: expected string")


def test_bool_is_not_an_int_and_null_only_where_optional():
    with pytest.raises(ValidationError) as caught:
        validate({"name": "A", "age": True, "address": None, "nickname": None}, User)
    assert [e["field"] for e in caught.value.errors] == ["age", "address"]


def test_not_an_object():
    with pytest.raises(ValidationError) as caught:
        validate([1, 2], User)
    assert caught.value.errors == [{"field": "", "message": "expected object, got array"}]


def test_typed_dict():
    assert validate({"x": 1, "y": 2}, Point) == {"x": 1, "y": 2}
    with pytest.raises(ValidationError):
        validate({"x": 1}, Point)


def test_unsupported_types_fail_at_the_point_of_use():
    class Opaque:
        pass

    with pytest.raises(TypeError, match="cannot validate"):
        validate({}, Opaque)


def test_get_body_with_a_model_through_the_decorator():
    @aws_lambda_handler()
    def handler(event, context):
        user = get_body(event, User)
        return {"user": user}

    ok = handler(
        rest_event("POST", body={"name": "Ada", "age": 36, "address": {"city": "L", "zip": "N1"}}),
        None,
    )
    assert json.loads(ok["body"])["data"]["user"]["address"] == {"city": "L", "zip": "N1"}

    bad = handler(rest_event("POST", body={"name": "Ada"}), None)
    assert bad["statusCode"] == 422
    body = json.loads(bad["body"])
    assert body["rslt_cd"] == "S42200"
    assert body["details"] == [
        {"field": "age", "message": "field required"},
        {"field": "address", "message": "field required"},
    ]

    missing = handler(rest_event("POST"), None)
    assert missing["statusCode"] == 422
    assert "request body is required" in json.loads(missing["body"])["rslt_msg"]


class Patch(TypedDict):
    name: str
    note: NotRequired[str]


def test_typed_dict_not_required_keys():
    assert validate({"name": "a"}, Patch) == {"name": "a"}
    with pytest.raises(ValidationError) as caught:
        validate({"name": "a", "note": 1}, Patch)
    assert caught.value.errors == [{"field": "note", "message": "expected string, got integer"}]


def test_model_checks_in_post_init_are_validation_errors():
    @dataclass
    class Age:
        years: int

        def __post_init__(self) -> None:
            if self.years < 0:
                raise ValueError("years must be >= 0")

    with pytest.raises(ValidationError) as caught:
        validate({"years": -1}, Age)
    assert caught.value.errors == [{"field": "", "message": "years must be >= 0"}]
    assert caught.value.status_code == 422
