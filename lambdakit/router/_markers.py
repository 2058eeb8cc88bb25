"""Where a route parameter comes from, when its name and type do not say:
``Annotated[str, Header()]``. Kept apart from ``params`` (the binding, compiled on a route's
first request) so that importing the router costs nothing for them."""

from __future__ import annotations


class Marker:
    """Where a parameter comes from, when its name and type do not say: ``Annotated[str,
    Header()]``. ``alias`` is the name on the wire (a header's default is the parameter's name
    with ``_`` as ``-``); ``description`` goes into the OpenAPI document."""

    location = "query"
    __slots__ = ("alias", "description")

    def __init__(self, alias: str | None = None, *, description: str | None = None) -> None:
        self.alias = alias
        self.description = description


class Query(Marker):
    """A query string parameter (the default for simple types; use it to set an alias)."""

    location = "query"
    __slots__ = ()


class Header(Marker):
    """A request header; ``x_api_key`` reads ``X-Api-Key`` unless an alias is given."""

    location = "header"
    __slots__ = ()


class Cookie(Marker):
    """A cookie of the request, by name."""

    location = "cookie"
    __slots__ = ()


class Body(Marker):
    """The JSON body, for a type that is not a model on its own (``list[Item]``, ``dict``)."""

    location = "body"
    __slots__ = ()
