"""Powertools' side of the routed cold start: the same 20 routes as ``routed_lambdakit`` on
``APIGatewayRestResolver(enable_validation=True)``, pydantic models for the bodies."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import (  # type: ignore[import-not-found,unused-ignore]
    APIGatewayRestResolver,
)
from pydantic import BaseModel

from benchmarks.routed_event import FIRST_EVENT


class Address(BaseModel):
    street: str
    city: str
    zip: str


class Order(BaseModel):
    name: str
    quantity: int
    email: str
    address: Address


app = APIGatewayRestResolver(enable_validation=True)


def _get(index: int) -> None:
    def get_thing(item_id: int, limit: int = 10) -> dict[str, Any]:
        return {"item_id": item_id, "limit": limit, "route": index}

    app.get(f"/things{index}/<item_id>")(get_thing)


def _post(index: int) -> None:
    def create_thing(order: Order) -> dict[str, Any]:
        return {"name": order.name, "route": index}

    app.post(f"/things{index}")(create_thing)


for _index in range(10):
    _get(_index)
    _post(_index)


def first_response() -> Any:
    result = app.resolve(FIRST_EVENT, None)  # type: ignore[arg-type]  # no context needed
    if result["statusCode"] != 200:
        raise RuntimeError(f"the first response was {result!r}")
    return result
