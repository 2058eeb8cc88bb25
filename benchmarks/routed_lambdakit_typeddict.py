"""``routed_lambdakit``'s 20 routes with ``TypedDict`` bodies instead of dataclasses: the same
strict validation, without importing ``dataclasses`` (and ``inspect``) at cold start."""

from __future__ import annotations

from typing import Any, TypedDict

from benchmarks.routed_event import FIRST_EVENT
from lambdakit import HttpResolver


class Address(TypedDict):
    street: str
    city: str
    zip: str


class Order(TypedDict):
    name: str
    quantity: int
    email: str
    address: Address


app = HttpResolver()


def _get(index: int) -> None:
    def get_thing(item_id: int, limit: int = 10) -> dict[str, Any]:
        return {"item_id": item_id, "limit": limit, "route": index}

    app.get(f"/things{index}/{{item_id}}")(get_thing)


def _post(index: int) -> None:
    def create_thing(order: Order) -> dict[str, Any]:
        return {"name": order["name"], "route": index}

    app.post(f"/things{index}")(create_thing)


for _index in range(10):
    _get(_index)
    _post(_index)


def first_response() -> Any:
    result = app(FIRST_EVENT, None)
    if result["statusCode"] != 200:
        raise RuntimeError(f"the first response was {result!r}")
    return result
