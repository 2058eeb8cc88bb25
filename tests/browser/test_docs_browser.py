"""The docs page of a routed app (``docs_url``), rendered by Chromium from the local gateway
with every request off this machine refused: it must render offline, from its own page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambdakit.local.config import FunctionRef, GatewayConfig, HttpRoute
from tests.browser.conftest import chromium
from tests.local.server import running_gateway

TIMEOUT_MS = 15_000


def test_docs_page_renders_offline(artifacts: Path):
    function = FunctionRef("tests.router.served_app:app", 10)
    config = GatewayConfig(http_routes=(HttpRoute("ANY", "$default", function, "2.0"),))
    with running_gateway(config) as gateway, chromium() as browser:
        context = browser.new_context(viewport={"width": 960, "height": 900})
        requested: list[str] = []
        refused: list[str] = []
        errors: list[str] = []

        def only_loopback(route: Any) -> None:
            url = route.request.url
            requested.append(url)
            if url.startswith(f"{gateway.http}/"):
                route.continue_()
            else:
                refused.append(url)
                route.abort()

        context.route("**/*", only_loopback)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        page.goto(f"{gateway.http}/docs")
        page.wait_for_selector("details.operation")
        assert page.text_content("#title") == "served items 0.1.0"
        summaries = [" ".join(s.split()) for s in page.locator("details summary").all_inner_texts()]
        assert "POST /items" in summaries  # the method in capitals, by CSS
        assert "GET /items/{item_id}" in summaries
        create = page.locator("details.operation", has_text="post /items").first
        create.locator("summary").click()
        assert create.locator("td", has_text="X-Api-Key").is_visible()
        assert "NewItem" in create.locator("pre").first.inner_text()
        assert '"ErrorEnvelope"' in page.text_content("#schemas")
        page.screenshot(path=str(artifacts / "docs-page.png"), full_page=True)

        assert refused == []
        assert requested == [f"{gateway.http}/docs"]  # the page and nothing else
        assert errors == []
