"""The OpenAPI document: valid OpenAPI 3.1, built on first use, describing what is sent."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lambdakit import HttpResolver
from lambdakit.testing import rest_event
from tests.router import test_params

openapi_spec_validator = pytest.importorskip("openapi_spec_validator")


def test_the_document_is_valid_openapi_3_1():
    document = test_params.app.openapi()
    openapi_spec_validator.validate(document)
    assert document["openapi"] == "3.1.0"


def test_parameters_bodies_and_responses_are_described():
    document = test_params.app.openapi()
    operation = document["paths"]["/things/{thing_id}/{color}"]["get"]
    parameters = {(p["in"], p["name"]): p for p in operation["parameters"]}
    assert parameters[("path", "thing_id")]["schema"] == {"type": "string", "format": "uuid"}
    assert parameters[("query", "ids")]["schema"] == {"type": "array", "items": {"type": "integer"}}
    assert parameters[("query", "limit")]["required"] is False
    # Optional is "may be absent": a query value is text or nothing, never null.
    assert parameters[("query", "since")] == {
        "name": "since",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
    }
    assert parameters[("query", "tags")]["schema"] == {"type": "array", "items": {"type": "string"}}
    assert "422" in operation["responses"]
    people = document["paths"]["/people/{group}"]["post"]
    assert people["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Person"
    }
    person = document["components"]["schemas"]["Person"]
    assert person["required"] == ["name", "age"]
    whoami = document["paths"]["/whoami"]["get"]
    assert {(p["in"], p["name"]) for p in whoami["parameters"]} == {
        ("header", "X-Api-Key"),
        ("header", "x-trace"),
        ("cookie", "session"),
        ("query", "page-size"),
    }


def test_greedy_paths_and_html_routes():
    app = HttpResolver(title="t", version="1")

    @app.get("/files/{proxy+}")
    def files(proxy: str) -> list[int]:
        return []

    @app.get("/page", content_type="text/html")
    def page() -> str:
        return ""

    document = app.openapi()
    openapi_spec_validator.validate(document)
    ok = document["paths"]["/files/{proxy}"]["get"]["responses"]["200"]
    envelope = ok["content"]["application/json"]["schema"]["anyOf"][0]
    assert envelope["properties"]["data"] == {"type": "array", "items": {"type": "integer"}}
    assert "text/html" in document["paths"]["/page"]["get"]["responses"]["200"]["content"]


def test_served_document_and_offline_docs_page():
    app = HttpResolver(openapi_url="/openapi.json", docs_url="/docs")

    @app.get("/hello")
    def hello() -> str:
        return "hi"

    served = app(rest_event("GET", "/openapi.json"), None)
    document = json.loads(served["body"])
    assert list(document["paths"]) == ["/hello"]  # the document's own routes are left out
    page = app(rest_event("GET", "/docs"), None)
    assert page["headers"]["Content-Type"].startswith("text/html")
    assert "http://" not in page["body"]  # nothing from outside
    assert "https://" not in page["body"]
    assert '"/hello"' in page["body"]


def test_nothing_is_built_at_import_or_construction():
    # Nor is a regex compiled (re's cache keeps what the core compiled), nor importlib loaded
    # (with warnings) to import the router lazily.
    code = (
        "import sys, re; import lambdakit; compiled = len(re._cache); "
        "from lambdakit import HttpResolver; "
        "app = HttpResolver(openapi_url='/openapi.json', docs_url='/docs'); "
        "app.get('/x/{x}')(lambda x: 1); app.get('/files/<rest>')(lambda rest: 1); "
        "print(sorted(m for m in ('lambdakit.router._openapi', 'lambdakit.router._params', "
        "'lambdakit.validation', 'typing', 'inspect', 'dataclasses', 'importlib', 'warnings') "
        "if m in sys.modules), len(re._cache) - compiled)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] 0"


def test_a_success_envelope_is_not_an_error_envelope():
    # The 200 is ``anyOf: [envelope, error]``: were the error's code any string, every answer
    # would match it, and a ``data`` of the wrong type would go unnoticed.
    jsonschema = pytest.importorskip("jsonschema")
    error = test_params.app.openapi()["components"]["schemas"]["ErrorEnvelope"]
    jsonschema.validate({"rslt_cd": "B00404", "rslt_msg": "gone", "duration": 0.1}, error)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"rslt_cd": "S00000", "rslt_msg": "", "duration": 0, "data": 1}, error)
