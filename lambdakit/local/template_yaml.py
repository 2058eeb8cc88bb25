"""YAML templates as CloudFormation writes them: the short-form tags (``!Ref``, ``!Sub``...)
read as their long form, and finding the logical ids a value refers to."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_TAGS = ("Ref", "Condition")
_FN_TAGS = (
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Base64",
    "Cidr",
    "Transform",
    "ToJsonString",
    "Length",
)


def _loader() -> Any:
    try:
        import yaml
    except ImportError:
        raise ImportError(
            "Reading templates needs PyYAML: pip install 'lambdakit[local]'"
        ) from None

    class Loader(yaml.SafeLoader):
        pass

    def construct(name: str) -> Any:
        def build(loader: Any, node: Any) -> Any:
            if isinstance(node, yaml.ScalarNode):
                value: Any = loader.construct_scalar(node)
                if name == "Fn::GetAtt" and isinstance(value, str):
                    value = value.split(".", 1)
            elif isinstance(node, yaml.SequenceNode):
                value = loader.construct_sequence(node, deep=True)
            else:
                value = loader.construct_mapping(node, deep=True)
            return {name: value}

        return build

    for tag in _TAGS:
        Loader.add_constructor(f"!{tag}", construct(tag))
    for tag in _FN_TAGS:
        Loader.add_constructor(f"!{tag}", construct(f"Fn::{tag}"))
    return Loader


def load_yaml(path: str | Path) -> Any:
    """A YAML (or JSON) file with CloudFormation's tags; ``ValueError`` naming the place
    when it cannot be read or parsed."""
    import yaml

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path}: cannot be read: {error}") from None
    try:
        return yaml.load(text, Loader=_loader())  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as error:  # one line, where and why: not a parser's traceback
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ValueError(f"{where}: not valid YAML or JSON: {problem}") from None


def _strings(value: Any) -> list[str]:
    """Every string inside a template value (for finding the logical ids it refers to)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (_strings(k) + _strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def refers_to(value: Any, logical_ids: list[str]) -> str | None:
    """The first of ``logical_ids`` that ``value`` mentions (Ref, GetAtt, ``Id.Arn`` or
    ``${Id}`` / ``${Id.Arn}``): whole ids only, so ``Auth`` is not found in ``${AuthFn.Arn}``."""
    texts = _strings(value)
    for logical_id in logical_ids:
        substitution = re.compile(r"\$\{" + re.escape(logical_id) + r"[.}]")
        for text in texts:
            if text == logical_id or text.startswith(f"{logical_id}.") or substitution.search(text):
                return logical_id
    return None
