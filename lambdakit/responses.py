"""``LambdaResponse``: the one place a proxy result for API Gateway, ALB or a Function URL is built.

A response is a small immutable value; ``to_proxy_result()`` turns it into the dict the trigger
accepts, keeping the per-trigger differences in one place: payload 2.0 (HTTP APIs, Function
URLs) has no ``multiValueHeaders`` and takes ``Set-Cookie`` values as ``cookies``; an ALB wants a
``statusDescription`` and, in multi-value mode, every header in ``multiValueHeaders``.
"""

from __future__ import annotations

from collections.abc import Mapping

from lambdakit import _json
from lambdakit._frozen import Frozen
from lambdakit.cors import DEFAULT_CORS, CorsConfig

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Any, Final, TypedDict

    class ProxyResult(TypedDict, total=False):
        """The dict a Lambda proxy integration returns."""

        statusCode: int
        headers: dict[str, str]
        multiValueHeaders: dict[str, list[str]]
        cookies: list[str]
        body: str
        isBase64Encoded: bool
        statusDescription: str

else:  # no typing machinery at run time: cold start
    ProxyResult = dict

__all__ = [
    "JSON_CONTENT_TYPE",
    "LambdaResponse",
    "ProxyResult",
    "ResponseHeaders",
]

_PROXY_FIELDS: Final = frozenset(
    (
        "statusCode",
        "headers",
        "multiValueHeaders",
        "cookies",
        "body",
        "isBase64Encoded",
        "statusDescription",
    )
)
JSON_CONTENT_TYPE: Final = "application/json"


def _is_json_content_type(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == JSON_CONTENT_TYPE or media.endswith("+json")


def _content_type_header(content_type: str, charset: str | None) -> str:
    """``application/json; charset=UTF-8``, leaving a given charset alone."""
    if not charset or "charset=" in content_type.lower():
        return content_type
    return f"{content_type}; charset={charset}"


class ResponseHeaders(dict[str, str]):
    """Response headers: a plain ``dict`` of strings, with the CORS and content type defaults."""

    @classmethod
    def create(
        cls,
        content_type: str = JSON_CONTENT_TYPE,
        charset: str | None = "UTF-8",
        *,
        cors: CorsConfig | None = DEFAULT_CORS,
        origin: str | None = None,
    ) -> ResponseHeaders:
        headers = cls(cors.headers_for(origin) if cors is not None else ())
        headers["Content-Type"] = _content_type_header(content_type, charset)
        return headers


def _header_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _encode_body(body: Any, content_type: str) -> tuple[str, bool]:
    """A body as the proxy result carries it: ``(text, is_base64)``.

    ``bytes`` become base64; strings pass as they are; anything else is serialised as JSON
    (``TypeError`` if the content type is not JSON, since there is no faithful text for it).
    """
    if body is None:
        return "", False
    if isinstance(body, str):
        return body, False
    if isinstance(body, (bytes, bytearray, memoryview)):
        import binascii  # bytes bodies only: loading it costs cold start

        return binascii.b2a_base64(body, newline=False).decode("ascii"), True
    if not _is_json_content_type(content_type):
        raise TypeError(
            f"A {content_type!r} response needs a str or bytes body, got {type(body).__name__}"
        )
    return _json.dumps(body), False


class LambdaResponse(Frozen):
    """A response a handler may return, or build with ``LambdaResponse.create``.

    The field names are the proxy result's, so ``response.statusCode`` reads as API Gateway's.
    Immutable (``replace()`` gives a changed copy). ``uses_default_cors`` is set by
    ``create()`` when it added the default CORS headers, which a decorator with a CORS
    configuration of its own replaces; it takes no part in equality.
    """

    _fields = (
        "statusCode",
        "headers",
        "body",
        "isBase64Encoded",
        "multiValueHeaders",
        "cookies",
        "uses_default_cors",
    )
    _compared = _fields[:-1]
    __slots__ = _fields

    statusCode: int
    headers: dict[str, str]
    body: str
    isBase64Encoded: bool
    multiValueHeaders: dict[str, list[str]]
    cookies: list[str]
    uses_default_cors: bool

    def __init__(
        self,
        statusCode: int = 200,
        headers: dict[str, str] | None = None,
        body: str = "",
        isBase64Encoded: bool = False,
        multiValueHeaders: dict[str, list[str]] | None = None,
        cookies: list[str] | None = None,
        uses_default_cors: bool = False,
    ) -> None:
        self._set("statusCode", statusCode)
        self._set("headers", {} if headers is None else headers)
        self._set("body", body)
        self._set("isBase64Encoded", isBase64Encoded)
        self._set("multiValueHeaders", {} if multiValueHeaders is None else multiValueHeaders)
        self._set("cookies", [] if cookies is None else cookies)
        self._set("uses_default_cors", uses_default_cors)

    @classmethod
    def create(
        cls,
        body: Any = None,
        content_type: str = JSON_CONTENT_TYPE,
        status_code: int = 200,
        charset: str | None = "UTF-8",
        *,
        headers: Mapping[str, Any] | None = None,
        cookies: list[str] | None = None,
        cors: CorsConfig | None = DEFAULT_CORS,
    ) -> LambdaResponse:
        """A response with ``body`` serialised for ``content_type`` and the default headers.

        ``bytes`` bodies are sent base64 encoded (and get no charset); ``headers`` are added
        over the defaults; ``cors=None`` sends no CORS headers. Left at its default, ``cors``
        yields to the decorator's: a handler decorated with a ``CorsConfig`` answers with
        that configuration's headers.
        """
        text, is_base64 = _encode_body(body, content_type)
        all_headers = ResponseHeaders.create(
            content_type, None if is_base64 else charset, cors=cors
        )
        if headers:
            all_headers.update({k: _header_value(v) for k, v in headers.items() if v is not None})
        return cls(
            statusCode=_check_status(status_code),
            headers=all_headers,
            body=text,
            isBase64Encoded=is_base64,
            cookies=list(cookies or ()),
            uses_default_cors=cors is DEFAULT_CORS,
        )

    @classmethod
    def from_proxy_dict(cls, result: Mapping[str, Any]) -> LambdaResponse:
        """Normalise a dict that already is a proxy result (it has ``statusCode``).

        Header values become strings, a non-string body becomes JSON, and keys that are not
        proxy fields are moved into the JSON body (``{"statusCode": 400, "message": "x"}``
        answers 400 with ``{"message": "x"}``).
        """
        raw_headers = result.get("headers")
        headers = (
            {str(k): _header_value(v) for k, v in raw_headers.items() if v is not None}
            if isinstance(raw_headers, Mapping)
            else {}
        )
        raw_multi = result.get("multiValueHeaders")
        multi = (
            {
                str(k): [_header_value(v) for v in (vs if isinstance(vs, (list, tuple)) else [vs])]
                for k, vs in raw_multi.items()
                if vs is not None
            }
            if isinstance(raw_multi, Mapping)
            else {}
        )
        body = result.get("body")
        extra = {k: v for k, v in result.items() if k not in _PROXY_FIELDS}
        if extra:
            body = _merge_extra(body, extra)
        text, is_base64 = _encode_body(body, JSON_CONTENT_TYPE)
        is_base64 = is_base64 or result.get("isBase64Encoded") is True
        serialised = body is not None and not isinstance(body, (str, bytes, bytearray, memoryview))
        if serialised and _find(headers, "content-type") is None:
            headers["Content-Type"] = _content_type_header(JSON_CONTENT_TYPE, "UTF-8")
        raw_cookies = result.get("cookies")
        if isinstance(raw_cookies, str):
            raw_cookies = [raw_cookies]
        cookies = [str(c) for c in raw_cookies] if isinstance(raw_cookies, (list, tuple)) else []
        return cls(
            statusCode=_check_status(result.get("statusCode")),
            headers=headers,
            body=text,
            isBase64Encoded=is_base64,
            multiValueHeaders=multi,
            cookies=cookies,
        )

    def normalised(self, *, drop_cors: bool = False) -> LambdaResponse:
        """This response checked and coerced the way ``from_proxy_dict`` does it (a handler may
        have built one by hand with a dict body or non-string header values); ``drop_cors``
        leaves out its ``Access-Control-*`` headers."""
        headers = self.headers
        if drop_cors:
            headers = {
                k: v for k, v in headers.items() if not k.lower().startswith("access-control-")
            }
        return LambdaResponse.from_proxy_dict(
            {
                "statusCode": self.statusCode,
                "headers": headers,
                "multiValueHeaders": self.multiValueHeaders,
                "body": self.body,
                "isBase64Encoded": self.isBase64Encoded,
                "cookies": self.cookies,
            }
        )

    def with_default_headers(self, defaults: Mapping[str, str]) -> LambdaResponse:
        """This response with ``defaults`` added where it does not set the header itself;
        ``Vary`` values are merged, since caches must see every one."""
        present = {k.lower(): k for k in (*self.headers, *self.multiValueHeaders)}
        headers = dict(self.headers)
        changed = False
        for name, value in defaults.items():
            existing = present.get(name.lower())
            if existing is None:
                headers[name] = value
                changed = True
            elif name.lower() == "vary" and existing in headers:
                tokens = [t.strip() for t in headers[existing].split(",") if t.strip()]
                if value.lower() not in (t.lower() for t in tokens):
                    headers[existing] = ", ".join([*tokens, value])
                    changed = True
        if not changed:
            return self
        return LambdaResponse(
            statusCode=self.statusCode,
            headers=headers,
            body=self.body,
            isBase64Encoded=self.isBase64Encoded,
            multiValueHeaders=self.multiValueHeaders,
            cookies=self.cookies,
        )

    def to_proxy_result(
        self, trigger: str = "rest", *, alb_multi_value: bool = False
    ) -> ProxyResult:
        """The dict to return to ``trigger`` (``rest``, ``http``, ``function_url``, ``alb``,
        ``websocket``, ``unknown``)."""
        result: ProxyResult = {"statusCode": self.statusCode}
        if trigger in ("http", "function_url"):
            # Payload 2.0 ignores multiValueHeaders: join them, and Set-Cookie goes to cookies.
            headers = dict(self.headers)
            cookies = list(self.cookies)
            for name, values in self.multiValueHeaders.items():
                if name.lower() == "set-cookie":
                    cookies.extend(values)
                else:
                    headers[name] = ",".join(values)
            set_cookie = _pop(headers, "set-cookie")
            if set_cookie is not None:
                cookies.insert(0, set_cookie)
            result["headers"] = headers
            if cookies:
                result["cookies"] = cookies
        elif trigger == "alb" and alb_multi_value:
            multi = {k: [v] for k, v in self.headers.items()}
            for name, values in self.multiValueHeaders.items():
                multi.setdefault(name, []).extend(values)
            _add_set_cookies(multi, self.cookies)
            result["multiValueHeaders"] = multi
        elif trigger == "alb":
            # Single-value mode: the ALB reads ``headers`` only, one value per name.
            headers = dict(self.headers)
            for name, values in self.multiValueHeaders.items():
                if values:
                    headers[name] = values[-1]
            if self.cookies:
                if len(self.cookies) > 1:
                    from lambdakit._logger import logger  # this warning only

                    logger.warning(
                        "An ALB without multi-value headers sends one Set-Cookie; "
                        "%d cookies were set, the first is sent",
                        len(self.cookies),
                    )
                headers["Set-Cookie"] = self.cookies[0]
            result["headers"] = headers
        else:
            result["headers"] = dict(self.headers)
            if self.multiValueHeaders or self.cookies:
                multi = {k: list(v) for k, v in self.multiValueHeaders.items()}
                _add_set_cookies(multi, self.cookies)
                result["multiValueHeaders"] = multi
        if trigger == "alb":
            result["statusDescription"] = _status_description(self.statusCode)
        result["body"] = self.body
        result["isBase64Encoded"] = self.isBase64Encoded
        return result

    def to_dict(self) -> ProxyResult:
        """The REST API (payload 1.0) proxy result."""
        return self.to_proxy_result("rest")


def _merge_extra(body: Any, extra: dict[str, Any]) -> Any:
    if body is None:
        return extra
    if isinstance(body, Mapping):
        return {**body, **extra}
    if isinstance(body, str):
        try:
            parsed = _json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return {**parsed, **extra}
    raise TypeError(
        "A proxy result has keys that are not proxy fields "
        f"({', '.join(sorted(extra))}) and a body that is not a JSON object to put them in"
    )


def _add_set_cookies(multi: dict[str, list[str]], cookies: list[str]) -> None:
    if cookies:
        multi.setdefault("Set-Cookie", []).extend(cookies)


def _find(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _pop(headers: dict[str, str], name: str) -> str | None:
    for key in list(headers):
        if key.lower() == name:
            return headers.pop(key)
    return None


def _check_status(value: Any) -> int:
    """``value`` as an HTTP status code; ``ValueError`` unless it is one (100-599)."""
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
        return value
    raise ValueError(f"statusCode must be an HTTP status between 100 and 599, got {value!r}")


def _status_description(status: int) -> str:
    from http import HTTPStatus  # only ALB answers need it

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)
