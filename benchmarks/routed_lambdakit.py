"""A 20-route ``HttpResolver`` app (10 GETs with a path and a query parameter, 10 POSTs with a
validated dataclass body) and the routes of the warm measurements; ``first_response()`` is the
routed cold start's first request. The peers' apps (``routed_powertools``, ``routed_chalice``)
declare the same routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from benchmarks.routed_event import FIRST_EVENT
from lambdakit import HttpResolver


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


app = HttpResolver()


def _get(index: int) -> None:
    def get_thing(item_id: int, limit: int = 10) -> dict[str, Any]:
        return {"item_id": item_id, "limit": limit, "route": index}

    app.get(f"/things{index}/{{item_id}}")(get_thing)


def _post(index: int) -> None:
    def create_thing(order: Order) -> dict[str, Any]:
        return {"name": order.name, "route": index}

    app.post(f"/things{index}")(create_thing)


for _index in range(10):
    _get(_index)
    _post(_index)


@app.get("/hello")
def hello() -> dict[str, str]:
    return {"message": "hello"}


@app.post("/items")
def create_item(order: Order) -> dict[str, str]:
    return {"name": order.name}


def first_response() -> Any:
    result = app(FIRST_EVENT, None)
    if result["statusCode"] != 200:
        raise RuntimeError(f"the first response was {result!r}")
    return result
