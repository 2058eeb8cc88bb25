"""Read the seed README's ```python blocks and run them verbatim.

Shared by the HTTP examples (``tests/test_seed_examples.py``) and the WebSocket ones
(``tests/websocket/test_seed_examples.py``).
"""

from __future__ import annotations

import ast
import builtins
import re
import textwrap
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import FIXTURES

SEED = FIXTURES / "SEED-README.md"


@dataclass(frozen=True)
class Block:
    id: str
    source: str


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def read_blocks(section: str | None = None) -> dict[str, Block]:
    """The README's ```python blocks, by id: the slugs of their section headings (from ``##``
    down, numbered list items such as ``1. **Use Type Validation**`` included), plus ``/1``,
    ``/2``... when a section holds several blocks. With ``section``, only the blocks under a
    heading of that title; without, all but the WebSocket section's."""
    stack: list[tuple[int, str]] = []
    found: list[tuple[tuple[str, ...], str]] = []
    fence: str | None = None
    language = ""
    lines: list[str] = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        if fence is not None:
            if line.strip() == "```":
                titles = tuple(title for _, title in stack)
                wanted = section in titles if section else "WebSocket Support" not in titles
                if language == "python" and wanted:
                    found.append((titles, textwrap.dedent("\n".join(lines))))
                fence = None
            else:
                lines.append(line)
            continue
        opening = re.match(r"^\s*```(\w*)\s*$", line)
        heading = re.match(r"^(#{1,6})\s+(.+?)\s*$", line)
        item = re.match(r"^\d+\.\s+\*\*(.+?)\*\*", line)
        if opening:
            fence, language, lines = line, opening.group(1), []
        elif heading or item:
            level = len(heading.group(1)) if heading else 7
            title = heading.group(2) if heading else item.group(1)  # type: ignore[union-attr]
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
    counts: dict[tuple[str, ...], int] = {}
    for titles, _ in found:
        counts[titles] = counts.get(titles, 0) + 1
    blocks: dict[str, Block] = {}
    seen: dict[tuple[str, ...], int] = {}
    for titles, source in found:
        block_id = "/".join(_slug(t) for t in titles[1:])  # titles[0] is the README's title
        if counts[titles] > 1:
            seen[titles] = seen.get(titles, 0) + 1
            block_id += f"/{seen[titles]}"
        blocks[block_id] = Block(block_id, source)
    return blocks


def free_names(source: str) -> set[str]:
    """Names a block reads but never binds (imports, definitions, assignments, arguments)."""
    loaded: set[str] = set()
    bound: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return loaded - bound - set(dir(builtins))


def run_block(block: Block, seed_names: Mapping[str, Any], **fakes: Any) -> dict[str, Any]:
    """Run a block verbatim in a fresh module; returns the module's namespace. Names the block
    uses without binding come from ``fakes``, else ``seed_names``, else the test fails."""
    source, block_id = block.source, block.id
    module = types.ModuleType(f"seed_{_slug(block_id).replace('-', '_')}")
    for name in sorted(free_names(source)):
        if name in fakes:
            module.__dict__[name] = fakes[name]
        elif name in seed_names:
            module.__dict__[name] = seed_names[name]
        else:
            pytest.fail(f"{block_id}: nothing provides {name!r}")
    # dont_inherit: this file's ``from __future__ import annotations`` must not leak in.
    code = compile(source, f"<SEED-README.md: {block_id}>", "exec", dont_inherit=True)
    exec(code, module.__dict__)
    return module.__dict__
