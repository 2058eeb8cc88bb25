"""The package's shape, held by tests: one-way layers with no import cycle (lazy imports
included), the Lambda side never importing the local server, one async seam, and a declared
public surface (``__all__``) that matches what each public module defines."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lambdakit"

# The layers, lowest first: a module may import its own layer and the ones below, never above.
LAYERS: list[tuple[str, ...]] = [
    (  # foundations: no lambdakit import but each other
        "lambdakit.settings",
        "lambdakit._frozen",
        "lambdakit.errors",
        "lambdakit._logger",
        "lambdakit.logs",
        "lambdakit._json",
        "lambdakit._async",
        "lambdakit._aws",
        "lambdakit.headers",
        "lambdakit.redaction",
        "lambdakit.context",
    ),
    ("lambdakit.cors", "lambdakit.responses", "lambdakit.events", "lambdakit.validation"),
    ("lambdakit._notify", "lambdakit._error_path", "lambdakit._middleware"),
    ("lambdakit.handler", "lambdakit.websocket", "lambdakit.router"),  # the entry points
    ("lambdakit", "lambdakit.testing"),  # the public face and the tests' helpers
    ("lambdakit.local", "lambdakit.__main__"),  # the local API Gateway: never imported above
]


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules()


def layer_of(module: str) -> int:
    best = None
    for index, layer in enumerate(LAYERS):
        for prefix in layer:
            inside = module == prefix or module.startswith(prefix + ".")
            if inside and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Attribute):  # typing.TYPE_CHECKING
        return test.attr == "TYPE_CHECKING"
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"


def imports_of(module: str, path: Path) -> set[str]:
    """Every lambdakit module ``module`` imports at run time, at the top or inside functions
    (what only a ``TYPE_CHECKING`` block imports does not run)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    resolved = set()
    for name in found:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            resolved.add(name)
    return resolved


GRAPH = {module: imports_of(module, path) for module, path in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_module_imports_a_layer_above_its_own(module: str) -> None:
    upward = sorted(name for name in GRAPH[module] if layer_of(name) > layer_of(module))
    assert not upward, f"{module} imports {upward}, above its layer"


def test_the_import_graph_has_no_cycle() -> None:
    def cycle_from(start: str) -> list[str] | None:
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(GRAPH[start])))]
        path = [start]
        seen = {start}
        while stack:
            _, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                continue
            if child == start:
                return [*path, start]
            if child not in seen:
                seen.add(child)
                path.append(child)
                stack.append((child, iter(sorted(GRAPH[child]))))
        return None

    cycles = [cycle for module in sorted(GRAPH) if (cycle := cycle_from(module))]
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_only_the_async_seam_makes_threads_and_loops_on_the_lambda_side() -> None:
    makers = ("threading.Thread(", "ThreadPoolExecutor(", "new_event_loop(", "asyncio.run(",
              "to_thread(", "run_in_executor(")  # fmt: skip
    offenders = []
    for module, path in MODULES.items():
        if layer_of(module) == len(LAYERS) - 1 or module == "lambdakit._async":
            continue
        text = path.read_text()
        offenders += [f"{module}: {maker}" for maker in makers if maker in text]
    assert not offenders


# -- the public surface ------------------------------------------------------------------------


def public_modules() -> list[str]:
    """Every module a user may import: no part of its name starts with ``_``, and it is not the
    local server's (whose modules are the CLI's; ``lambdakit.local`` itself is public)."""
    return sorted(
        module
        for module in MODULES
        if not any(part.startswith("_") for part in module.split("."))
        and not module.startswith("lambdakit.local.")
    )


def defined_names(path: Path) -> set[str]:
    """The names a module binds at its top level by definition or assignment (not imports)."""
    names: set[str] = set()
    tree: list[ast.stmt] = ast.parse(path.read_text()).body
    for node in tree:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.If) and not _is_type_checking(node.test):
            for child in node.body + node.orelse:
                if isinstance(child, ast.Assign):
                    names.update(t.id for t in child.targets if isinstance(t, ast.Name))
    return {n for n in names if not n.startswith("_") and n != "TYPE_CHECKING"}


@pytest.mark.parametrize("name", public_modules())
def test_public_modules_declare_what_they_define(name: str) -> None:
    module = importlib.import_module(name)
    declared = getattr(module, "__all__", None)
    assert declared is not None, f"{name} has no __all__"
    assert len(declared) == len(set(declared)), f"{name}.__all__ repeats a name"
    for public in declared:  # every declared name is there (lazy ones included)
        assert getattr(module, public, None) is not None, f"{name}.{public} is missing"
    undeclared = defined_names(MODULES[name]) - set(declared)
    assert not undeclared, f"{name} defines public names missing from __all__: {undeclared}"


@pytest.mark.parametrize(
    ("seed_path", "names"),
    [
        ("chainsaws.utils.handler_utils", ["aws_lambda_handler", "LambdaEvent", "get_body"]),
        ("chainsaws.utils.error_utils", ["AppError"]),
        ("chainsaws.aws.lambda_client.event_handler.websocket", ["WebSocketResolver"]),
        (
            "chainsaws.aws.lambda_client.event_handler.websocket_connection",
            ["APIGatewayWSConnectionManager"],
        ),
    ],
)
def test_the_seed_paths_keep_working(seed_path: str, names: list[str]) -> None:
    module = importlib.import_module(seed_path)
    for name in names:
        assert getattr(module, name) is not None
