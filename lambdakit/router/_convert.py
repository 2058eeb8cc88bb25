"""From the text of a path, query, header or cookie value to a parameter's type: strict, so
that what a client sends is what the OpenAPI document says (``"\u00a04"`` is not an integer,
though ``int()`` takes it), with messages fit for the client."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    StrConverter = Callable[[str], Any]


def string_converter(hint: Any) -> StrConverter:
    """A function from the text of a path, query, header or cookie value to ``hint``; it
    raises ``ValueError`` with a message fit for the client. ``typing`` is asked only about a
    hint that is not one of the classes it knows (``Any``, ``Literal[...]``)."""
    if hint is str or hint is object:
        return str
    if hint is int:
        return _int
    if hint is float:
        return _float
    if hint is bool:
        return _bool
    typing = sys.modules.get("typing")
    if typing is not None:  # not loaded: the hint cannot be typing's
        if hint is typing.Any:
            return str
        if typing.get_origin(hint) is typing.Literal:
            return _literal(typing.get_args(hint))
    if isinstance(hint, type):
        enum = sys.modules.get("enum")
        if enum is not None and issubclass(hint, enum.Enum):
            return _enum(hint)
        uuid = sys.modules.get("uuid")
        if uuid is not None and hint is uuid.UUID:
            return _uuid(hint)
        datetime = sys.modules.get("datetime")
        if datetime is not None and hint in (datetime.datetime, datetime.date):
            return _iso(hint)
        decimal = sys.modules.get("decimal")
        if decimal is not None and hint is decimal.Decimal:
            return _decimal(hint)
    raise TypeError(f"lambdakit cannot read {hint!r} from a path, query, header or cookie value")


def _int(text: str) -> int:
    # Digits only (ASCII, an optional sign): int() would also take spaces (even U+00A0), "_"
    # and other scripts' digits, which no client means as an integer.
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("expected integer")
    try:
        return int(text)
    except ValueError:  # more digits than Python converts
        raise ValueError("expected integer") from None


def _float(text: str) -> float:
    if not text.isascii() or text != text.strip() or "_" in text:  # float() takes those too
        raise ValueError("expected number")
    try:
        value = float(text)
    except ValueError:
        raise ValueError("expected number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("expected a finite number")
    return value


_BOOLS = {"true": True, "1": True, "yes": True, "on": True}
_BOOLS.update({"false": False, "0": False, "no": False, "off": False})


def _bool(text: str) -> bool:
    value = _BOOLS.get(text.lower())
    if value is None:
        raise ValueError("expected boolean (true or false)")
    return value


def _literal(allowed: tuple[Any, ...]) -> StrConverter:
    choices = {str(a): a for a in allowed}
    message = "expected one of " + ", ".join(repr(a) for a in allowed)

    def convert(text: str) -> Any:
        if text not in choices:
            raise ValueError(message)
        return choices[text]

    return convert


def _enum(cls: Any) -> StrConverter:
    choices = {str(m.value): m for m in cls}
    message = "expected one of " + ", ".join(repr(v) for v in choices)

    def convert(text: str) -> Any:
        if text not in choices:
            raise ValueError(message)
        return choices[text]

    return convert


def _uuid(cls: Any) -> StrConverter:
    def convert(text: str) -> Any:
        try:
            return cls(text)
        except ValueError:
            raise ValueError("expected a UUID") from None

    return convert


def _iso(cls: Any) -> StrConverter:
    name = cls.__name__

    def convert(text: str) -> Any:
        try:
            return cls.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"expected an ISO-8601 {name}") from None

    return convert


def _decimal(cls: Any) -> StrConverter:
    def convert(text: str) -> Any:
        try:
            value = cls(text)
        except ArithmeticError:
            raise ValueError("expected a decimal number") from None
        if not value.is_finite():
            raise ValueError("expected a finite number")
        return value

    return convert
