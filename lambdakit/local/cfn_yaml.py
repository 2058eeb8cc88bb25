"""CloudFormation YAML: the short forms of the intrinsic functions (``!Ref``, ``!Sub``,
``!GetAtt Fn.Arn``, ...) read as their long forms (``{"Fn::Sub": ...}``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["load_yaml"]

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


def load_yaml(path: Path) -> Any:
    import yaml

    text = path.read_text(encoding="utf-8")
    return yaml.load(text, Loader=_loader())  # noqa: S506 - SafeLoader subclass
