"""The Connect Music Assistant step in a real Chromium: copy, check, one-click fix."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
import shutil

import pytest

from ..conftest import BridgeFactory
from ..fakes.ingress import FakeIngress
from ..fakes.ma_config import FakeMusicAssistantAlexa
from ..fakes.ma_websocket import TOKEN

playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.timeout(90)


@pytest.fixture(name="browser")
async def browser_fixture() -> AsyncIterator[object]:
    """Start Debian's Chromium headless."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make test`, which installs it"
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        yield browser
        await browser.close()


async def test_connect_music_assistant_in_the_browser(
    browser: object, bridge_factory: BridgeFactory
) -> None:
    """Copy the API URL, enter MA's address and token, check, fix: MA then reaches the bridge."""
    music_assistant = FakeMusicAssistantAlexa()
    await music_assistant.start()
    bridge = await bridge_factory()
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    try:
        context = await browser.new_context(locale="en-US")  # type: ignore[attr-defined]
        await context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = await context.new_page()
        await page.goto(f"{ingress.url}setup#step-music_assistant")  # a later step, opened
        card = page.locator("#step-music_assistant")
        api_url = bridge.core.ma_api_url
        assert await card.locator("#ma-api-url").inner_text() == api_url
        assert "has not called the bridge yet" in await card.locator("#ma-state").inner_text()
        await card.locator('button[data-copy="ma-api-url"]').click()
        await page.wait_for_selector('button[data-copy="ma-api-url"][data-copied="true"]')
        assert await page.evaluate("navigator.clipboard.readText()") == api_url
        await page.fill("#ma_check-ma_url", music_assistant.url)
        await page.fill("#ma_check-ma_token", TOKEN)
        await page.click("#ma-check-button")
        await page.wait_for_selector("#ma-check")
        assert "not this bridge" in await page.inner_text("#ma-check")
        await page.click("#ma-fix")
        await page.wait_for_selector("#ma-check")
        assert f"now calls {api_url}" in await page.inner_text("#ma-check")
        assert music_assistant.values is not None
        assert music_assistant.values["api_url"] == api_url
        for _ in range(50):  # MA reloads the provider about a second after saving
            if bridge.core.ma_link.state.value == "connected":
                break
            await page.wait_for_timeout(100)
        await page.reload()
        assert "has reached the bridge" in await page.inner_text("#ma-state")
        assert "Done" in await page.inner_text("#step-music_assistant-item")
        await context.close()
    finally:
        await ingress.close()
        await music_assistant.close()
