from __future__ import annotations

import base64
import json

import pytest

from lambdakit import LambdaResponse, ResponseHeaders


def test_create_json():
    response = LambdaResponse.create(
        body={"message": "success"},
        content_type="application/json",
        status_code=200,
        charset="UTF-8",
    )
    assert response.statusCode == 200
    assert json.loads(response.body) == {"message": "success"}
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.isBase64Encoded is False
    assert all(isinstance(v, str) for v in response.headers.values())


def test_create_binary_is_base64_without_charset():
    response = LambdaResponse.create(body=b"\x89PNG", content_type="image/png")
    assert response.isBase64Encoded is True
    assert base64.b64decode(response.body) == b"\x89PNG"
    assert response.headers["Content-Type"] == "image/png"


def test_create_rejects_a_dict_for_a_text_type():
    with pytest.raises(TypeError, match="text/html"):
        LambdaResponse.create(body={"a": 1}, content_type="text/html")


def test_create_extra_headers_and_no_cors():
    response = LambdaResponse.create(body="", headers={"X-Id": 5, "X-Skip": None}, cors=None)
    assert response.headers == {"Content-Type": "application/json; charset=UTF-8", "X-Id": "5"}


@pytest.mark.parametrize("status", [0, 99, 600, "abc", None, True, 200.5])
def test_invalid_status_is_rejected(status):
    with pytest.raises(ValueError, match="statusCode"):
        LambdaResponse.from_proxy_dict({"statusCode": status})


def test_from_proxy_dict_normalises():
    response = LambdaResponse.from_proxy_dict(
        {
            "statusCode": "201",
            "headers": {"X-Flag": True, "X-None": None},
            "multiValueHeaders": {"X-Multi": ["a", 1]},
            "body": {"id": 1},
        }
    )
    assert response.statusCode == 201
    assert response.headers == {"X-Flag": "true", "Content-Type": "application/json; charset=UTF-8"}
    assert response.multiValueHeaders == {"X-Multi": ["a", "1"]}
    assert json.loads(response.body) == {"id": 1}


def test_extra_keys_merge_into_a_json_object_body():
    response = LambdaResponse.from_proxy_dict(
        {"statusCode": 400, "body": json.dumps({"a": 1}), "b": 2}
    )
    assert json.loads(response.body) == {"a": 1, "b": 2}


def test_extra_keys_with_a_text_body_are_an_error():
    with pytest.raises(TypeError, match="not proxy fields"):
        LambdaResponse.from_proxy_dict({"statusCode": 400, "body": "plain", "b": 2})


def test_body_passes_as_string_with_base64_flag():
    response = LambdaResponse.from_proxy_dict(
        {"statusCode": 200, "body": "aGk=", "isBase64Encoded": True}
    )
    assert (response.body, response.isBase64Encoded) == ("aGk=", True)


def test_rest_result_carries_cookies_as_multi_value_set_cookie():
    response = LambdaResponse.create(body={}, cookies=["a=1", "b=2"])
    result = response.to_proxy_result("rest")
    assert result["multiValueHeaders"]["Set-Cookie"] == ["a=1", "b=2"]
    assert "cookies" not in result


def test_v2_result_moves_set_cookie_and_joins_multi_values():
    response = LambdaResponse(
        headers={"Set-Cookie": "s=1"},
        multiValueHeaders={"X-A": ["1", "2"], "set-cookie": ["t=2"]},
        cookies=["c=3"],
    )
    result = response.to_proxy_result("http")
    assert result["headers"] == {"X-A": "1,2"}
    assert result["cookies"] == ["s=1", "c=3", "t=2"]
    assert "multiValueHeaders" not in result


def test_alb_result_has_status_description():
    result = LambdaResponse(statusCode=404).to_proxy_result("alb")
    assert result["statusDescription"] == "404 Not Found"
    assert "multiValueHeaders" not in result
    multi = LambdaResponse(statusCode=200, headers={"A": "1"}).to_proxy_result(
        "alb", alb_multi_value=True
    )
    assert multi["multiValueHeaders"] == {"A": ["1"]}
    assert "headers" not in multi


def test_with_default_headers_keeps_what_the_response_set():
    response = LambdaResponse(headers={"access-control-allow-origin": "https://a"})
    merged = response.with_default_headers({"Access-Control-Allow-Origin": "*", "Vary": "Origin"})
    assert merged.headers == {"Vary": "Origin", "access-control-allow-origin": "https://a"}


def test_response_headers_is_a_plain_dict():
    headers = ResponseHeaders.create("text/csv", "UTF-8")
    assert isinstance(headers, dict)
    assert headers["Content-Type"] == "text/csv; charset=UTF-8"
    assert json.loads(json.dumps(headers)) == headers
