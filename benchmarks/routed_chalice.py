"""Chalice's side of the routed cold start without models: the same 20 routes as
``routed_lambdakit_plain``, the POSTs reading a field of the JSON body (Chalice has no body
validation; ``routed_chalice_models`` builds the dataclass models by hand)."""

from __future__ import annotations

from typing import Any

from chalice.app import Chalice  # type: ignore[import-not-found,unused-ignore]

from benchmarks.routed_event import FIRST_EVENT

app = Chalice(app_name="routed")


def _get(index: int) -> None:
    def get_thing(item_id: str) -> dict[str, Any]:
        query = app.current_request.query_params or {}
        return {"item_id": int(item_id), "limit": int(query.get("limit", 10)), "route": index}

    app.route(f"/things{index}/{{item_id}}", methods=["GET"])(get_thing)


def _post(index: int) -> None:
    def create_thing() -> dict[str, Any]:
        return {"name": app.current_request.json_body["name"], "route": index}

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
