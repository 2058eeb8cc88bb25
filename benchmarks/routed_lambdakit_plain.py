"""The routed cold start doing what ``routed_chalice`` does, and no more: the same 20 routes,
the GETs converting a path and a query parameter, the POSTs reading a field of the JSON body
without a model. No ``typing`` or ``dataclasses`` import: the app's own bill is Chalice's."""

from __future__ import annotations

from benchmarks.routed_event import FIRST_EVENT
from lambdakit import HttpResolver, LambdaEvent

app = HttpResolver()


def _get(index: int) -> None:
    def get_thing(item_id: int, limit: int = 10) -> dict[str, object]:
        return {"item_id": item_id, "limit": limit, "route": index}

    app.get(f"/things{index}/{{item_id}}")(get_thing)


def _post(index: int) -> None:
    def create_thing(request: LambdaEvent) -> dict[str, object]:
        return {"name": request.get_json_body()["name"], "route": index}

    app.post(f"/things{index}")(create_thing)


for _index in range(10):
    _get(_index)
    _post(_index)


def first_response() -> object:
    result = app(FIRST_EVENT, None)
    if result["statusCode"] != 200:
        raise RuntimeError(f"the first response was {result!r}")
    return result
