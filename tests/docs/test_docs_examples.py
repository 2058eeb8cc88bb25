"""Every runnable ```python block of the documentation executes (see ``tests/docs/blocks.py``
for the convention), and every public name has an example in one of them."""

from __future__ import annotations

import asyncio
import importlib
import re
import sys
import types

import pytest

from tests.docs.blocks import DOCS, Block, pages, read_blocks

RUNNABLE = {
    page.relative_to(DOCS).as_posix(): [b for b in read_blocks(page) if b.runnable]
    for page in pages()
}

# Every public name, by the module it is documented from.
PUBLIC = {
    "lambdakit": None,  # its __all__
    "lambdakit.websocket": None,
    "lambdakit.router": None,
    "lambdakit.websocket.stores": None,
    "lambdakit.testing": (
        "LambdaContext",
        "rest_event",
        "http_api_event",
        "alb_event",
        "function_url_event",
        "websocket_connect_event",
        "websocket_message_event",
        "websocket_disconnect_event",
    ),
    "lambdakit.websocket.messaging": ("WebSocketSender", "SendResult", "PayloadTooLargeError"),
    "lambdakit.websocket.stores.sqlite": ("SQLiteStore",),
    "lambdakit.websocket.stores.dynamodb": ("DynamoDBStore",),
    "lambdakit.validation": ("validate",),
    "lambdakit.logs": ("JsonFormatter",),
}


@pytest.fixture
def sandbox(monkeypatch, tmp_path):
    """A clean working folder and environment, as a reader's would be."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "LAMBDAKIT_CONNECTION_STORE",
        "LAMBDAKIT_WS_ENDPOINT",
        "LAMBDAKIT_TRACEBACK",
        "LAMBDAKIT_ACCESS_LOG",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return monkeypatch


def run_page(page: str, blocks: list[Block], monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("docs_" + re.sub(r"\W", "_", page))  # dataclasses look it up
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for block in blocks:
        try:
            exec(compile(block.code, f"docs/{page}:{block.line}", "exec"), module.__dict__)
        except BaseException as error:
            raise AssertionError(f"docs/{page}, block at line {block.line}: {error!r}") from error


@pytest.mark.parametrize("page", sorted(p for p, blocks in RUNNABLE.items() if blocks))
def test_runnable_blocks_execute(page, sandbox):
    run_page(page, RUNNABLE[page], sandbox)
    # A block may leave an event loop set for this thread (asyncio.run() does not).
    asyncio.set_event_loop(None)


def test_the_convention_finds_blocks():
    every = [b for blocks in (read_blocks(p) for p in pages()) for b in blocks]
    assert sum(b.runnable for b in every) >= 30
    assert any(not b.runnable for b in every)  # <!-- norun --> is honoured


def public_names() -> list[tuple[str, str]]:
    found = []
    for module_name, names in PUBLIC.items():
        module = importlib.import_module(module_name)
        for name in names if names is not None else module.__all__:
            found.append((module_name, name))
    return found


@pytest.mark.parametrize(("module", "name"), public_names(), ids=lambda v: v)
def test_every_public_name_has_a_runnable_example(module, name):
    code = "\n".join(b.code for blocks in RUNNABLE.values() for b in blocks)
    assert re.search(rf"\b{re.escape(name)}\b", code), f"{module}.{name} has no example in docs/"
