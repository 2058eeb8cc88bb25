"""The Chalice side of the load test: one route answering a small JSON, as ``http_app``."""

from __future__ import annotations

from chalice.app import Chalice  # type: ignore[import-not-found,unused-ignore]

app = Chalice(app_name="bench")


@app.route("/hello")  # type: ignore[untyped-decorator,misc,unused-ignore]
def hello() -> dict[str, str]:
    return {"message": "hello"}
