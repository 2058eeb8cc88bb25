"""Every error lambdakit raises on purpose, and the catalogue of the result codes it uses.

The hierarchy::

    LambdakitError                  anything lambdakit raises on purpose
    ├── AppError                    answered to the client: {"rslt_cd": code, "rslt_msg": ...}
    │   └── RequestError            the request could not be read (4xx, never reported)
    │       ├── MalformedEventError     S40000: not an event of the expected kind
    │       ├── InvalidBodyError        S40001-S40003: bad JSON, base64 or UTF-8
    │       └── ValidationError         S42200 (422): the body does not match the model
    ├── StoreError                  a connection store failed, whichever store it is
    │                               (DynamoDBError is the seed's name for it)
    └── PayloadTooLargeError        a message over API Gateway's 128 KB; nothing was sent
                                    (also a ValueError)

Every error a client can see carries a stable result code (``rslt_cd``) and an HTTP status.
``AppError`` is the base of those; the library's own client errors are subclasses that fix the
status, so a caller can catch them by type or match them by code.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Any, ClassVar

__all__ = [
    "INTERNAL_ERROR_CODE",
    "INVALID_BASE64_CODE",
    "INVALID_JSON_CODE",
    "INVALID_UTF8_CODE",
    "MALFORMED_EVENT_CODE",
    "METHOD_NOT_ALLOWED_CODE",
    "ROUTE_NOT_FOUND_CODE",
    "SUCCESS_CODE",
    "SUCCESS_MESSAGE",
    "VALIDATION_ERROR_CODE",
    "AppError",
    "DynamoDBError",
    "InvalidBodyError",
    "LambdakitError",
    "MalformedEventError",
    "PayloadTooLargeError",
    "RequestError",
    "StoreError",
    "ValidationError",
]

SUCCESS_CODE = "S00000"
SUCCESS_MESSAGE = "Call Success"
INTERNAL_ERROR_CODE = "S99999"

# Client errors raised by lambdakit while reading a request. The codes are stable: clients may
# match on them.
MALFORMED_EVENT_CODE = "S40000"
INVALID_JSON_CODE = "S40001"
INVALID_BASE64_CODE = "S40002"
INVALID_UTF8_CODE = "S40003"
VALIDATION_ERROR_CODE = "S42200"
# HttpResolver: no route has the path; the path has routes, none for the method.
ROUTE_NOT_FOUND_CODE = "S40400"
METHOD_NOT_ALLOWED_CODE = "S40500"


class LambdakitError(Exception):
    """The base of every error lambdakit raises on purpose."""


class AppError(LambdakitError):
    """An expected error: becomes ``{"rslt_cd": code, "rslt_msg": message}`` in the response.

    ``status_code`` defaults to 200, as the seed's envelope does; pass a 4xx/5xx to make the
    HTTP status say it too. ``details`` (any JSON value) is added to the envelope when given.
    """

    status_code: int = 200
    #: Whether the decorator sends this error to its ``error_receiver``.
    notify: ClassVar[bool] = True

    def __init__(
        self,
        code: str,
        message: str = "",
        *,
        status_code: int | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        if status_code is not None:
            if not 100 <= status_code <= 599:
                raise ValueError(f"status_code must be an HTTP status, got {status_code!r}")
            self.status_code = status_code
        self.details = details

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class RequestError(AppError):
    """The request could not be read: the client's fault, answered with a 4xx.

    These are not sent to the ``error_receiver``: anyone on the internet can cause them.
    """

    status_code = 400
    notify = False


class MalformedEventError(RequestError):
    """The event is not an event of the expected kind (a required field is missing or mistyped)."""

    def __init__(self, message: str) -> None:
        super().__init__(MALFORMED_EVENT_CODE, message)


class InvalidBodyError(RequestError):
    """The body is present but cannot be decoded: bad base64, bad UTF-8 or bad JSON."""


class ValidationError(RequestError):
    """The body is well-formed JSON but does not match the expected model.

    ``errors`` lists ``{"field": "a.b", "message": "..."}``, one entry per bad field.
    """

    status_code = 422

    def __init__(self, errors: list[dict[str, str]]) -> None:
        summary = "; ".join(
            f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors
        )
        super().__init__(VALIDATION_ERROR_CODE, f"Invalid request body: {summary}", details=errors)
        self.errors = errors


class StoreError(LambdakitError):
    """A connection store's call failed (after its retries, where the store retries): the same
    error from DynamoDB, SQLite or any other store. ``original`` is the underlying error."""

    def __init__(self, message: str, original: BaseException | None = None) -> None:
        super().__init__(message)
        self.original = original


#: The seed's name for ``StoreError``: ``except DynamoDBError`` catches every store's failure.
DynamoDBError = StoreError


class PayloadTooLargeError(LambdakitError, ValueError):
    """The message is over API Gateway's 128 KB limit; nothing was sent."""
