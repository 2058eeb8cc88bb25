"""Validation into pydantic models: needs the optional ``pydantic`` extra."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pydantic")

from pydantic import BaseModel, Field

from lambdakit import ValidationError, aws_lambda_handler, get_body
from lambdakit.testing import http_api_event
from lambdakit.validation import validate


class Item(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


class Order(BaseModel):
    items: list[Item]
    note: str | None = None


def test_valid_model():
    order = validate({"items": [{"sku": "a", "quantity": 2}]}, Order)
    assert order.items[0].quantity == 2


def test_errors_name_fields_without_internals():
    with pytest.raises(ValidationError) as caught:
        validate({"items": [{"sku": "a", "quantity": 0}, {"quantity": 1}], "secret": "x"}, Order)
    fields = [e["field"] for e in caught.value.errors]
    assert fields == ["items[0].quantity", "items[1].sku"]
    text = json.dumps(caught.value.errors)
    assert "pydantic" not in text  # no documentation URLs or class names
    assert "errors.pydantic.dev" not in caught.value.message


def test_pydantic_model_in_a_handler():
    handler = aws_lambda_handler()(lambda e, c: {"order": get_body(e, Order)})
    result = handler(http_api_event("POST", body={"items": [{"sku": "a", "quantity": 1}]}), None)
    assert json.loads(result["body"])["data"]["order"] == {
        "items": [{"sku": "a", "quantity": 1}],
        "note": None,
    }
    bad = handler(http_api_event("POST", body={"items": "nope"}), None)
    assert bad["statusCode"] == 422
