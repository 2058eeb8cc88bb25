"""Chalice doing what ``routed_lambdakit`` does: the same 20 routes and the same dataclass
models, the POSTs building them from the JSON body by hand (Chalice has no body validation).
The models' import (``dataclasses``) is then on both bills."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalice.app import Chalice  # type: ignore[import-not-found,unused-ignore]

from benchmarks.routed_event import FIRST_EVENT


@dataclass
class Address:
    street: str
    city: str
    zip: str


@dataclass
class Order:
    name: str
    quantity: int
    email: str
    address: Address


app = Chalice(app_name="routed")


def _get(index: int) -> None:
    def get_thing(item_id: str) -> dict[str, Any]:
        query = app.current_request.query_params or {}
        return {"item_id": int(item_id), "limit": int(query.get("limit", 10)), "route": index}

    app.route(f"/things{index}/{{item_id}}", methods=["GET"])(get_thing)


def _post(index: int) -> None:
    def create_thing() -> dict[str, Any]:
        body = dict(app.current_request.json_body)
        order = Order(**{**body, "address": Address(**body["address"])})
        return {"name": order.name, "route": index}

    app.route(f"/things{index}", methods=["POST"])(create_thing)


for _index in range(10):
    _get(_index)
    _post(_index)


class _Context:
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    function_name = "routed"


def first_response() -> Any:
    result = app(FIRST_EVENT, _Context())
    if result["statusCode"] != 200:
        raise RuntimeError(f"the first response was {result!r}")
    return result
