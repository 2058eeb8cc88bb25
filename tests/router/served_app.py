"""A routed app for the local gateway and schemathesis: path, query, header, cookie and body
parameters, JSON routes beside an HTML one, its OpenAPI document and docs page."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Annotated

from lambdakit import AppError, HttpResolver, LambdaEvent
from lambdakit.router import Cookie, Header, Query

app = HttpResolver(title="served items", openapi_url="/openapi.json", docs_url="/docs")


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


@dataclass
class NewItem:
    name: str
    price: float
    tags: list[str] = field(default_factory=list)


@dataclass
class Item:
    id: int
    name: str
    price: float
    tags: list[str]


ITEMS: dict[int, Item] = {}


def reset() -> None:
    """One item, as the tests expect it: the gateway calls this module in the tests' process."""
    ITEMS.clear()
    ITEMS[1] = Item(1, "lamp", 12.5, ["home"])


reset()


@app.get("/", content_type="text/html", cors=False)
def home() -> str:
    """The home page, in HTML."""
    return "<!doctype html><title>items</title><h1>Items</h1>"


@app.get("/items")
def list_items(
    limit: Annotated[int, Query(description="at most this many")] = 10,
    tag: list[str] | None = None,
) -> list[Item]:
    """Items, filtered by tag."""
    found = [i for i in ITEMS.values() if not tag or set(tag) & set(i.tags)]
    return found[: max(limit, 0)]


@app.get("/items/{item_id}")
def get_item(item_id: int) -> Item:
    if item_id not in ITEMS:
        raise AppError("B00404", f"item {item_id} not found", status_code=404)
    return ITEMS[item_id]


@app.post("/items")
def create_item(item: NewItem, api_key: Annotated[str, Header("X-Api-Key")]) -> Item:
    new = Item(len(ITEMS) + 1, item.name, item.price, list(item.tags))
    ITEMS[new.id] = new
    return new


@app.delete("/items/{item_id}")
def delete_item(item_id: int) -> None:
    ITEMS.pop(item_id, None)


@app.get("/colors/{color}")
def color(color: Color, shade: float | None = None) -> dict[str, str | float | None]:
    return {"color": color.value, "shade": shade}


@app.get("/me")
def whoami(
    request: LambdaEvent,
    session: Annotated[str, Cookie()],
    user_agent: Annotated[str | None, Header()] = None,
) -> dict[str, str | None]:
    return {"session": session, "user_agent": user_agent, "method": request.http_method}
