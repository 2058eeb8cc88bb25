"""``Frozen``: the base of lambdakit's small immutable values, written by hand rather than as
frozen dataclasses, because importing ``dataclasses`` costs milliseconds of cold start.

A subclass lists its fields in ``_fields`` (and ``__slots__``), sets them in ``__init__`` with
``self._set``, and gets what a frozen dataclass would give: no assignment or deletion,
equality over ``_compared`` (all fields unless narrowed), ``repr``, ``replace(**changes)``,
and copy / deepcopy / pickle.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs cold start
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar

    F = TypeVar("F", bound="Frozen")


class Frozen:
    __slots__ = ()

    _fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...] | None] = None  # None: every field

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)

    def _values(self, names: tuple[str, ...] | None = None) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in (names or self._fields))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values(self._compared) == other._values(self._compared)

    # Values holding dicts are unhashable, as frozen dataclasses with dict fields are.
    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:  # copy, deepcopy and pickle
        return (type(self), self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"

    def replace(self: F, **changes: Any) -> F:
        """A copy with some fields changed (what ``dataclasses.replace`` does)."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        return type(self)(**{**dict(zip(self._fields, self._values(), strict=True)), **changes})
