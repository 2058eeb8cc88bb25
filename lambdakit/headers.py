"""Case-insensitive, read-only HTTP headers over the dicts that Lambda events carry."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

__all__ = ["Headers"]


class Headers(Mapping[str, str]):
    """Header lookup that ignores case, keeping the names as the event gave them.

    ``values`` is the single-value map (``headers``); ``multi`` the multi-value map
    (``multiValueHeaders``), either may be missing. When only ``multi`` is given, as ALB does in
    multi-value mode, a header's value is its values joined with ``", "`` (RFC 9110 §5.3).

    Names that differ only in case are one header (RFC 9110 §5.1), whatever the event holds:
    ``get`` and ``[]`` return the value of its first spelling in the event, ``get_all`` every
    value of every spelling in event order, and iteration yields the name once, as first spelt.
    """

    __slots__ = ("_first", "_multi", "_names", "_values")

    def __init__(
        self,
        values: Mapping[str, str] | None = None,
        multi: Mapping[str, list[str]] | None = None,
    ) -> None:
        if values is None:
            values = {}
            for name, items in (multi or {}).items():
                strings = (
                    [v for v in items if isinstance(v, str)] if isinstance(items, list) else []
                )
                if strings:
                    values[name] = ", ".join(strings)
        self._values = values
        self._multi = multi
        self._first: dict[str, str] | None = None
        self._names: list[str] = []

    def _fold(self) -> dict[str, str]:
        """Lower-cased name -> the value of its first spelling; built on first use."""
        first = self._first
        if first is None:
            first = self._first = {}
            names = self._names
            for name, value in self._values.items():
                if isinstance(name, str) and isinstance(value, str):
                    key = name.lower()
                    if key not in first:
                        first[key] = value
                        names.append(name)
        return first

    def __getitem__(self, name: str) -> str:
        return self._fold()[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._fold()

    def __iter__(self) -> Iterator[str]:
        self._fold()
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._fold())

    def get_all(self, name: str) -> list[str]:
        """Every value of a header, all spellings of its name in event order: from
        ``multiValueHeaders`` when it has the header, else from ``headers``."""
        wanted = name.lower()
        found: list[str] = []
        if self._multi:
            for key, values in self._multi.items():
                if isinstance(key, str) and key.lower() == wanted and isinstance(values, list):
                    found += [v for v in values if isinstance(v, str)]
            if found:
                return found
        for key, value in self._values.items():
            if isinstance(key, str) and key.lower() == wanted and isinstance(value, str):
                found.append(value)
        return found

    def __repr__(self) -> str:
        return f"Headers({dict(self)!r})"
