"""Two browser pages chat through ``lambdakit serve``: the issue's done-when, in a test."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.browser.conftest import ChatServer, chromium

TIMEOUT_MS = 15_000


def open_chat(browser: Any, server: ChatServer, errors: list[str]) -> Any:
    page = browser.new_context(viewport={"width": 640, "height": 560}).new_page()
    page.set_default_timeout(TIMEOUT_MS)

    def console(message: Any) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    page.goto(server.url)
    return page


def send(page: Any, name: str, text: str) -> None:
    page.fill("#name", name)
    page.fill("#text", text)
    page.click("#send")


def side_by_side(browser: Any, shots: dict[str, bytes], path: str) -> None:
    """One PNG with every page's screenshot, captioned."""
    figures = "".join(
        f'<figure><figcaption>{caption}</figcaption><img src="data:image/png;base64,'
        f'{base64.b64encode(png).decode()}"></figure>'
        for caption, png in shots.items()
    )
    sheet = browser.new_page(viewport={"width": 1320, "height": 640})
    sheet.set_content(
        "<style>body{margin:0;display:flex;gap:16px;padding:16px;background:#ccd;"
        "font:14px system-ui}figure{margin:0}img{border:1px solid #889;display:block}</style>"
        + figures
    )
    sheet.screenshot(path=path, full_page=True)
    sheet.close()


def test_two_pages_chat(chat_server, artifacts):
    with chromium() as browser:
        run_chat(browser, chat_server, artifacts)


def run_chat(browser: Any, chat_server: ChatServer, artifacts: Any) -> None:
    from playwright.sync_api import expect

    errors: list[str] = []
    page1 = open_chat(browser, chat_server, errors)
    page2 = open_chat(browser, chat_server, errors)
    for page in (page1, page2):
        expect(page.locator("#status")).to_have_text("connected", timeout=TIMEOUT_MS)
        expect(page.locator("#send")).to_be_enabled()

    send(page1, "Ada", "Hello from page 1")
    for page in (page1, page2):
        expect(page.locator("#messages li")).to_have_count(1, timeout=TIMEOUT_MS)
        expect(page.locator("#messages li").first).to_contain_text("Ada")
        expect(page.locator("#messages li").first).to_contain_text("Hello from page 1")

    send(page2, "Grace", "And hello back from page 2")
    for page in (page1, page2):
        expect(page.locator("#messages li")).to_have_count(2, timeout=TIMEOUT_MS)
        expect(page.locator("#messages li").last).to_contain_text("And hello back from page 2")
    expect(page1.locator("#text")).to_have_value("")  # sent, cleared

    # A page opened later loads the history from GET /api/messages.
    page3 = open_chat(browser, chat_server, errors)
    expect(page3.locator("#status")).to_have_text("connected", timeout=TIMEOUT_MS)
    expect(page3.locator("#messages li .text")).to_have_text(
        ["Hello from page 1", "And hello back from page 2"], timeout=TIMEOUT_MS
    )

    side_by_side(
        browser,
        {"page 1": page1.screenshot(), "page 2": page2.screenshot()},
        str(artifacts / "chat.png"),
    )
    assert (artifacts / "chat.png").stat().st_size > 0
    assert errors == [], "the browser reported errors:\n" + "\n".join(errors)


@pytest.fixture(autouse=True)
def server_log_on_failure(chat_server):
    """On failure, pytest shows what was printed: the server's log, handlers included."""
    yield
    print(f"--- lambdakit serve log ---\n{chat_server.log()}")
