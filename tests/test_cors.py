from __future__ import annotations

import pytest

from lambdakit import CorsConfig
from lambdakit.cors import DEFAULT_CORS, _is_preflight_request


def test_default_is_any_origin_without_credentials():
    headers = DEFAULT_CORS.headers_for("https://anything.example")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"allow_credentials": True}, id="star-origin"),
        pytest.param(
            {"allow_origins": ("https://a.example",), "allow_credentials": True},
            id="star-methods-and-headers",
        ),
    ],
)
def test_star_with_credentials_is_refused(kwargs):
    with pytest.raises(ValueError, match="credentials"):
        CorsConfig(**kwargs)


def test_strings_are_not_sequences_of_origins():
    with pytest.raises(TypeError):
        CorsConfig(allow_origins="https://a.example")


def test_matching_origin_is_reflected_with_vary():
    cors = CorsConfig(
        allow_origins=("https://a.example/",),
        allow_methods=("GET",),
        allow_headers=("Content-Type",),
        allow_credentials=True,
        expose_headers=("X-Id",),
    )
    headers = cors.headers_for("https://a.example")
    assert headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Access-Control-Expose-Headers"] == "X-Id"
    assert headers["Vary"] == "Origin"


@pytest.mark.parametrize("origin", ["https://evil.example", "https://a.example.evil", "null", None])
def test_other_origins_are_never_reflected(origin):
    cors = CorsConfig(allow_origins=("https://a.example",))
    assert cors.headers_for(origin) == {"Vary": "Origin"}
    assert cors.preflight_headers(origin, "X-Custom") == {"Vary": "Origin"}


def test_preflight_reflects_requested_headers_when_any_allowed():
    headers = DEFAULT_CORS.preflight_headers("https://x.example", "X-Custom, Content-Type")
    assert headers["Access-Control-Allow-Headers"] == "X-Custom, Content-Type"
    assert headers["Access-Control-Allow-Methods"] == "*"


def test_is_preflight():
    assert _is_preflight_request("OPTIONS", {"origin": "o", "access-control-request-method": "GET"})
    assert not _is_preflight_request("OPTIONS", {"origin": "o"})
    assert not _is_preflight_request("GET", {"origin": "o", "access-control-request-method": "GET"})
