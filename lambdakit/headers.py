"""Case-insensitive, read-only HTTP headers over the dicts that Lambda events carry."""

from __future__ import annotations

from collections.abc import Iterator, Mapping


class Headers(Mapping[str, str]):
    """Header lookup that ignores case, keeping the names as the event gave them.

    ``values`` is the single-value map (``headers``); ``multi`` the multi-value map
    (``multiValueHeaders``), either may be missing. When only ``multi`` is given, as ALB does in
    multi-value mode, a header's value is its values joined with ``", "`` (RFC 9110 §5.3).
    """

    __slots__ = ("_folded", "_multi", "_values")

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
        self._folded: dict[str, str] | None = None

    def _fold(self) -> dict[str, str]:
        folded = self._folded
        if folded is None:
            folded = self._folded = {
                str(k).lower(): v for k, v in self._values.items() if isinstance(v, str)
            }
        return folded

    def __getitem__(self, name: str) -> str:
        # Fast path: most lookups use the casing the event already has.
        value = self._values.get(name)
        if isinstance(value, str):
            return value
        return self._fold()[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._fold()

    def __iter__(self) -> Iterator[str]:
        return (k for k, v in self._values.items() if isinstance(v, str))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def get_all(self, name: str) -> list[str]:
        """Every value of a header: from ``multiValueHeaders`` when present, else the one value."""
        wanted = name.lower()
        if self._multi:
            for key, values in self._multi.items():
                if isinstance(key, str) and key.lower() == wanted and isinstance(values, list):
                    return [v for v in values if isinstance(v, str)]
        value = self._fold().get(wanted)
        return [] if value is None else [value]

    def __repr__(self) -> str:
        return f"Headers({dict(self)!r})"
