"""One read-only view over the events of every HTTP trigger of Lambda, and WebSocket APIs.

``LambdaEvent`` keeps the raw dict (``raw_event``) and adds typed properties that read the same
way whether the event came from a REST API (payload 1.0), an HTTP API (payload 2.0), an ALB, a
Function URL or a WebSocket API. ``null`` maps read as empty, header lookup ignores case, and
the body is decoded once, on first use.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping

from lambdakit import _json
from lambdakit.errors import (
    INVALID_BASE64_CODE,
    INVALID_JSON_CODE,
    INVALID_UTF8_CODE,
    InvalidBodyError,
    MalformedEventError,
    ValidationError,
)
from lambdakit.headers import Headers

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Any, Final, Literal, TypeVar

    T = TypeVar("T")
    Trigger = Literal["rest", "http", "alb", "function_url", "websocket", "unknown"]

__all__ = ["LambdaEvent", "RequestContext", "get_body", "get_headers", "get_source_ip"]

_EMPTY: Final[Mapping[str, Any]] = {}
_UNSET: Final[Any] = object()


def _map_field(value: Any) -> Mapping[str, Any]:
    """A map field of the event; ``null`` (REST v1) or a wrong type reads as empty."""
    return value if isinstance(value, dict) else _EMPTY


class RequestContext(Mapping[str, "Any"]):
    """The ``requestContext`` of an event, with the fields every trigger shares under one name.

    It is also a read-only mapping of the raw fields (``context["stage"]``).
    """

    __slots__ = ("_headers", "raw")

    def __init__(
        self, raw: Mapping[str, Any] | None = None, headers: Headers | None = None
    ) -> None:
        self.raw: Mapping[str, Any] = raw if raw is not None else _EMPTY
        self._headers = headers  # for ALB, whose source address is in X-Forwarded-For

    def _str(self, key: str) -> str | None:
        value = self.raw.get(key)
        return value if isinstance(value, str) else None

    @property
    def request_id(self) -> str | None:
        """API Gateway's request id (``requestId``); ``None`` for ALB, which has none."""
        return self._str("requestId")

    @property
    def stage(self) -> str | None:
        return self._str("stage")

    @property
    def domain_name(self) -> str | None:
        return self._str("domainName")

    @property
    def api_id(self) -> str | None:
        return self._str("apiId")

    @property
    def account_id(self) -> str | None:
        return self._str("accountId")

    @property
    def connection_id(self) -> str | None:
        """The WebSocket connection id, as API Gateway gives it."""
        return self._str("connectionId")

    @property
    def route_key(self) -> str | None:
        return self._str("routeKey")

    @property
    def event_type(self) -> str | None:
        """``CONNECT``, ``MESSAGE`` or ``DISCONNECT`` for WebSocket events."""
        return self._str("eventType")

    @property
    def identity(self) -> Mapping[str, Any]:
        return _map_field(self.raw.get("identity"))

    @property
    def http(self) -> Mapping[str, Any]:
        """HTTP API v2 / Function URL ``http`` block (method, path, sourceIp, userAgent)."""
        return _map_field(self.raw.get("http"))

    @property
    def authorizer(self) -> Mapping[str, Any]:
        return _map_field(self.raw.get("authorizer"))

    @property
    def time_epoch(self) -> int | None:
        """Request time in epoch milliseconds."""
        value = self.raw.get("requestTimeEpoch", self.raw.get("timeEpoch"))
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def get_source_ip(self) -> str | None:
        """The client address as AWS gives it.

        REST APIs and WebSocket APIs put it in ``identity.sourceIp``, HTTP APIs and Function
        URLs in ``http.sourceIp``. ALB has no request context identity: it appends the address
        it saw to ``X-Forwarded-For``, so the last entry of that header is the trustworthy one.
        """
        ip = self.identity.get("sourceIp")
        if not isinstance(ip, str):
            ip = self.http.get("sourceIp")
        if isinstance(ip, str):
            return ip
        if self._headers is not None:
            forwarded = self._headers.get("x-forwarded-for")
            if forwarded:
                return forwarded.rsplit(",", 1)[-1].strip() or None
        return None

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __repr__(self) -> str:
        return f"RequestContext(request_id={self.request_id!r})"


class LambdaEvent:
    """An event from API Gateway (REST, HTTP or WebSocket API), an ALB or a Function URL.

    ``LambdaEvent(**event)`` and ``LambdaEvent.from_event(event)`` are the same view; the
    latter does not copy the dict.
    """

    __slots__ = (
        "_body_bytes",
        "_headers",
        "_json_body",
        "_request_context",
        "_trigger",
        "raw_event",
    )

    def __init__(self, /, **event: Any) -> None:
        self._bind(event)

    def _bind(self, event: Mapping[str, Any]) -> None:
        self.raw_event = event
        self._headers: Headers | None = None
        self._request_context: RequestContext | None = None
        self._body_bytes: Any = _UNSET
        self._json_body: Any = _UNSET
        self._trigger: Trigger | None = None

    @classmethod
    def from_event(cls, event: Mapping[str, Any] | LambdaEvent) -> LambdaEvent:
        view = cls.__new__(cls)
        if type(event) is dict:  # the common case, without an ABC check
            view._bind(event)
            return view
        if isinstance(event, LambdaEvent):
            return event
        view._bind(event if isinstance(event, Mapping) else _EMPTY)
        return view

    @classmethod
    def _of_dict(cls, event: dict[str, Any], trigger: Trigger) -> LambdaEvent:
        """The view of a plain dict whose trigger was read already (by the decorator, before
        the handler ran: the view keeps that answer, as one built then would have)."""
        view = cls.__new__(cls)
        view._bind(event)
        view._trigger = trigger
        return view

    # -- the seed's fields -------------------------------------------------------------------

    @property
    def body(self) -> str | None:
        """The body exactly as the event carries it (still base64 when ``isBase64Encoded``)."""
        body = self.raw_event.get("body")
        return body if isinstance(body, str) else None

    @property
    def headers(self) -> Headers:
        headers = self._headers
        if headers is None:
            raw = self.raw_event.get("headers")
            multi = self.raw_event.get("multiValueHeaders")
            headers = self._headers = Headers(
                raw if isinstance(raw, dict) else None,
                multi if isinstance(multi, dict) else None,
            )
        return headers

    @property
    def requestContext(self) -> RequestContext:
        context = self._request_context
        if context is None:
            raw = _map_field(self.raw_event.get("requestContext"))
            context = self._request_context = RequestContext(raw, self.headers)
        return context

    # -- what the request is -----------------------------------------------------------------

    @property
    def trigger(self) -> Trigger:
        """Which kind of event this is; ``"unknown"`` for anything that is not HTTP/WebSocket."""
        trigger = self._trigger
        if trigger is None:
            trigger = self._trigger = _trigger_of(self.raw_event)
        return trigger

    @property
    def http_method(self) -> str:
        method = self.raw_event.get("httpMethod")
        if not isinstance(method, str):
            method = self.requestContext.http.get("method")
        if not isinstance(method, str):
            method = self.requestContext.get("httpMethod")
        return method.upper() if isinstance(method, str) else ""

    @property
    def path(self) -> str:
        path = self.raw_event.get("path")
        if not isinstance(path, str):
            path = self.raw_event.get("rawPath")
        if not isinstance(path, str):
            path = self.requestContext.http.get("path")
        return path if isinstance(path, str) else ""

    @property
    def path_parameters(self) -> Mapping[str, str]:
        return _map_field(self.raw_event.get("pathParameters"))

    @property
    def stage_variables(self) -> Mapping[str, str]:
        return _map_field(self.raw_event.get("stageVariables"))

    @property
    def query_string_parameters(self) -> Mapping[str, str]:
        """One value per name (HTTP APIs join repeated names with commas, as AWS does)."""
        params = _map_field(self.raw_event.get("queryStringParameters"))
        if not params and isinstance(self.raw_event.get("multiValueQueryStringParameters"), dict):
            # ALB in multi-value mode sends only the multi-value map.
            multi = self.multi_value_query_string_parameters
            return {k: v[-1] for k, v in multi.items() if isinstance(v, list) and v}
        if params and self.trigger == "alb":
            return {_unquote(k): _unquote(v) for k, v in params.items() if isinstance(v, str)}
        return params

    @property
    def multi_value_query_string_parameters(self) -> Mapping[str, list[str]]:
        """Every value of every query parameter, whatever the trigger."""
        multi = self.raw_event.get("multiValueQueryStringParameters")
        if isinstance(multi, dict):
            if self.trigger == "alb":
                return {
                    _unquote(k): [_unquote(v) for v in values if isinstance(v, str)]
                    for k, values in multi.items()
                    if isinstance(k, str) and isinstance(values, list)
                }
            return multi
        raw_query = self.raw_event.get("rawQueryString")
        if isinstance(raw_query, str) and raw_query:
            from urllib.parse import parse_qs

            return parse_qs(raw_query, keep_blank_values=True)
        return {k: [v] for k, v in self.query_string_parameters.items()}

    @property
    def cookies(self) -> list[str]:
        """The request's cookies as ``name=value`` strings (HTTP API v2 ``cookies``, else the
        ``Cookie`` header)."""
        cookies = self.raw_event.get("cookies")
        if isinstance(cookies, list):
            return [c for c in cookies if isinstance(c, str)]
        header = self.headers.get("cookie")
        return [c.strip() for c in header.split(";") if c.strip()] if header else []

    @property
    def is_base64_encoded(self) -> bool:
        return self.raw_event.get("isBase64Encoded") is True

    # -- the body ----------------------------------------------------------------------------

    @property
    def decoded_body(self) -> bytes | None:
        """The body as bytes, base64 decoded when the event says so; ``None`` when absent.

        Raises ``InvalidBodyError``: ``S40002`` for a base64 body that does not decode,
        ``S40003`` for text that cannot be UTF-8 (lone surrogates).
        """
        body = self._body_bytes
        if body is _UNSET:
            raw = self._raw_body()
            if not raw:
                body = None
            elif self.is_base64_encoded:
                try:
                    body = _b64decode(raw)
                except ValueError:  # binascii.Error is one
                    raise InvalidBodyError(
                        INVALID_BASE64_CODE, "Request body is not valid base64"
                    ) from None
            else:
                body = _encode_utf8(raw)
            self._body_bytes = body
        return body  # type: ignore[no-any-return]

    def _raw_body(self) -> str | None:
        raw = self.raw_event.get("body")
        if raw is None or isinstance(raw, str):
            return raw
        # API Gateway always sends a string: anything else is not an event it sent.
        raise MalformedEventError(f"Request body must be a string, not {type(raw).__name__}")

    def get_text_body(self) -> str | None:
        """The body as text, ``None`` when absent; ``InvalidBodyError`` when it is not UTF-8."""
        raw = self._raw_body()
        if not raw:
            return None
        if not self.is_base64_encoded:
            if not raw.isascii():
                _encode_utf8(raw)
            return raw
        data = self.decoded_body
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidBodyError(INVALID_UTF8_CODE, "Request body is not valid UTF-8") from None

    def get_json_body(self) -> Any:
        """The body parsed as JSON, or ``None`` when there is no body.

        A body that is there but unreadable raises ``InvalidBodyError``: ``S40001`` for bad
        JSON (``NaN`` and ``Infinity`` included), ``S40002`` for bad base64, ``S40003`` for bad
        UTF-8; a body that is not a string at all raises ``MalformedEventError`` (``S40000``).
        The decorator turns these into a 400 response.
        """
        parsed = self._json_body
        if parsed is _UNSET:
            text = self.get_text_body()
            if text is None:
                parsed = None
            else:
                try:
                    parsed = _json.loads(text)
                except (ValueError, RecursionError):
                    raise InvalidBodyError(
                        INVALID_JSON_CODE, "Request body is not valid JSON"
                    ) from None
            self._json_body = parsed
        return parsed

    # -- the raw dict ------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw_event.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.raw_event[key]

    def __repr__(self) -> str:
        return f"LambdaEvent({self.trigger}, {self.http_method!r}, {self.path!r})"


def _trigger_of(event: Mapping[str, Any]) -> Trigger:
    """The trigger of a raw event (``LambdaEvent.trigger``), read without building the view:
    the decorator's common case needs nothing more."""
    context = event.get("requestContext")
    if not isinstance(context, dict):
        context = _EMPTY  # null (REST v1) or a wrong type reads as empty
    if "httpMethod" in event and "elb" not in context and "connectionId" not in context:
        return "rest"  # the most common, in three lookups
    if "connectionId" in context and "eventType" in context:
        return "websocket"
    if "elb" in context:
        return "alb"
    if isinstance(context.get("http"), dict):
        domain = context.get("domainName")
        if isinstance(domain, str) and ".lambda-url." in domain:
            return "function_url"
        return "http"
    if "httpMethod" in event or isinstance(context.get("httpMethod"), str):
        return "rest"  # API Gateway answers a bare envelope with a 502: any method is HTTP
    return "unknown"


def _b64decode(text: str) -> bytes:
    """Strict base64 (no stray characters, right padding); ``binascii.Error`` otherwise."""
    if sys.version_info >= (3, 11):
        import binascii  # base64 bodies only: loading it costs cold start

        return binascii.a2b_base64(text, strict_mode=True)
    import base64  # pragma: no cover - Python 3.10

    return base64.b64decode(text, validate=True)  # pragma: no cover


def _encode_utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: no UTF-8 client sends these
        raise InvalidBodyError(INVALID_UTF8_CODE, "Request body is not valid UTF-8") from None


def _unquote(value: str) -> str:
    # ALB passes query parameters exactly as the client sent them, still percent-encoded
    # (API Gateway decodes them). We decode them so every trigger reads the same.
    from urllib.parse import unquote_plus

    return unquote_plus(value)


def get_body(event: Mapping[str, Any] | LambdaEvent, model: type[T] | None = None) -> Any:
    """The request body parsed as JSON; ``None`` when there is none.

    Malformed bodies raise ``InvalidBodyError`` (a 400 through the decorator). With ``model``
    (a dataclass, TypedDict or pydantic model) the body is validated into it, and a missing or
    invalid body raises ``ValidationError`` (a 422).
    """
    body = LambdaEvent.from_event(event).get_json_body()
    if model is None:
        return body
    if body is None:
        raise ValidationError([{"field": "", "message": "request body is required"}])
    from lambdakit.validation import validate  # typing machinery: only when a model is asked for

    return validate(body, model)


def get_headers(event: Mapping[str, Any] | LambdaEvent) -> Headers:
    """The request headers, looked up without regard to case."""
    return LambdaEvent.from_event(event).headers


def get_source_ip(event: Mapping[str, Any] | LambdaEvent) -> str | None:
    """The client address as AWS gives it (see ``RequestContext.get_source_ip``)."""
    return LambdaEvent.from_event(event).requestContext.get_source_ip()
