"""Driving the panel in Debian's Chromium: launch, axe-core, screenshots, counted actions."""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import re
import shutil
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
SCREENSHOTS = OUTPUT / "screenshots"
# `make axe-core` installs axe-core from npm into this cache folder (outside the repository).
AXE_VERSION = "4.14.1"
AXE_JS = Path(
    os.environ.get("AXE_CORE_JS")
    or Path.home()
    / ".cache"
    / "alexa-bridge"
    / f"axe-core-{AXE_VERSION}"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Amazon's pages the panel sends the user to; the browser test plays them (nothing leaves).
AMAZON_PAGES = re.compile(r"^https://(www|developer)\.amazon\.[a-z.]+/")


@contextlib.asynccontextmanager
async def chromium(playwright_api: Any) -> AsyncIterator[Any]:
    """Start Debian's Chromium headless (installed by `make test` / .ci/run)."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make test`, which installs it"
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


async def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot under test-output/screenshots to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@dataclass
class AxeLog:
    """Every page and state axe-core looked at, with its violations (expected: none)."""

    checked: list[tuple[str, int]] = field(default_factory=list)

    async def check(self, page: Any, label: str) -> None:
        """Run axe-core on the page as it is now and fail on any violation."""
        assert AXE_JS.exists(), f"axe-core is missing at {AXE_JS}: run `make axe-core`"
        if not await page.evaluate("typeof window.axe !== 'undefined'"):
            await page.add_script_tag(path=str(AXE_JS))
        violations = await page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map((v) => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 4).map(
                        (n) => n.target.join(" ") + " " + n.failureSummary),
                }));
            }"""
        )
        self.checked.append((label, len(violations)))
        assert violations == [], f"axe-core on {label}: {json.dumps(violations, indent=1)}"

    def write(self, name: str) -> None:
        """Keep the figures for the report (test-output/axe-<name>.json)."""
        OUTPUT.mkdir(parents=True, exist_ok=True)
        (OUTPUT / f"axe-{name}.json").write_text(json.dumps(self.checked, indent=1), "utf-8")


class Watch:
    """Record every answer the panel gives a page: none may be a 5xx or a JSON page."""

    def __init__(self) -> None:
        """Start empty."""
        self.server_errors: list[str] = []
        self.json_pages: list[str] = []

    def attach(self, page: Any) -> None:
        """Follow one page (and its popups' documents)."""
        page.on("response", self._on_response)

    def _on_response(self, response: Any) -> None:
        """Note a 5xx, or a document (a page the user sees) that is JSON."""
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")
        content_type = response.headers.get("content-type", "")
        if response.request.resource_type == "document" and "json" in content_type:
            self.json_pages.append(response.url)

    def assert_clean(self) -> None:
        """Fail if any 5xx or JSON page was seen."""
        assert self.server_errors == []
        assert self.json_pages == []


class Actions:
    """Do what a user does in the panel, counting each click, typing and choice."""

    def __init__(self, page: Any) -> None:
        """Count on one page."""
        self.page = page
        self.log: list[str] = []

    @property
    def count(self) -> int:
        """Return how many actions the user took."""
        return len(self.log)

    async def click(self, selector: str) -> None:
        """Click once."""
        self.log.append(f"click {selector}")
        await self.page.click(selector)

    async def fill(self, selector: str, value: str) -> None:
        """Type (or paste) one value into a field."""
        self.log.append(f"fill {selector}")
        await self.page.fill(selector, value)


async def route_amazon(context: Any) -> list[str]:
    """Answer Amazon's pages in this browser with a stand-in; return the addresses opened."""
    opened: list[str] = []

    async def handle(route: Any) -> None:
        """Record the page and show a placeholder, as if Amazon's page had loaded."""
        opened.append(route.request.url)
        await route.fulfill(
            status=200,
            content_type="text/html",
            body="<!doctype html><title>Amazon</title><p>Amazon's page (played by the test)",
        )

    await context.route(AMAZON_PAGES, handle)
    return opened


async def field_state(page: Any, field_id: str) -> dict[str, Any]:
    """Return a field's value, whether it is marked invalid, and its described-by message."""
    state: dict[str, Any] = await page.evaluate(
        """(id) => {
            const input = document.getElementById(id);
            const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
            const messages = ids.map((d) => document.getElementById(d)?.textContent || "");
            return {
                value: input.value,
                invalid: input.getAttribute("aria-invalid") === "true",
                message: messages.join(" "),
                focused: document.activeElement === input,
            };
        }""",
        field_id,
    )
    return state
