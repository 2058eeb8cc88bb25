"""The ```python blocks of the documentation site (``docs/``), and which of them run.

Convention: every ```python block runs, except one right after a ``<!-- norun -->`` line
(blank lines between are allowed). A page's runnable blocks run in order in one namespace, as
a reader goes through the page: a later block may use what an earlier one defined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
NORUN = "<!-- norun -->"
_FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^\n`]*)$")


@dataclass(frozen=True)
class Block:
    page: str  # relative to docs/
    line: int  # of the opening fence, 1-based
    code: str
    runnable: bool


def read_blocks(page: Path) -> list[Block]:
    """The page's ```python blocks, in order."""
    lines = page.read_text(encoding="utf-8").splitlines()
    name = page.relative_to(DOCS).as_posix()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, info = len(opening["indent"]), opening["info"].strip()
        start, body = index, []
        index += 1
        while index < len(lines) and lines[index].strip() != "```":
            body.append(lines[index][indent:])
            index += 1
        index += 1  # the closing fence
        if info.split(" ", 1)[0] != "python":
            continue
        previous = next((line.strip() for line in reversed(lines[:start]) if line.strip()), "")
        blocks.append(Block(name, start + 1, "\n".join(body) + "\n", previous != NORUN))
    return blocks


def pages() -> list[Path]:
    return sorted(DOCS.rglob("*.md"))
