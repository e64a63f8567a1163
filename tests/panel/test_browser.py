"""The panel in a real Chromium behind a fake ingress prefix, driven by Playwright."""

from __future__ import annotations

from collections.abc import AsyncIterator
import json
from pathlib import Path
import shutil
from typing import Any

import pytest

from alexa_bridge.testplay import read_test_sound

from ..conftest import BridgeFactory
from ..fakes import alexa
from ..fakes.amazon import HOSTS as AMAZON_HOSTS, FakeAmazon
from ..fakes.ingress import PREFIX, FakeIngress
from ..fakes.pki import TestPKI
from ..fakes.public_front import PUBLIC_HOST, PublicFront
from ..harness import RunningBridge

playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.timeout(90)


@pytest.fixture(name="browser")
async def browser_fixture() -> AsyncIterator[object]:
    """Start Debian's Chromium headless (installed by `make test` / .ci/run)."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make test`, which installs it"
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        await browser.close()


@pytest.fixture(name="panel_bridge")
async def panel_bridge_fixture(
    bridge_factory: BridgeFactory, pki: TestPKI, tmp_path: Path
) -> AsyncIterator[tuple[RunningBridge, FakeIngress]]:
    """Run a bridge without a public address, behind ingress, with a TLS front ready."""
    bridge = await bridge_factory(public_url=None)
    front = PublicFront(pki, bridge.public)
    await front.start(tmp_path)
    bridge.cert_host.mapping[(PUBLIC_HOST, 443)] = ("127.0.0.1", front.port)
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    yield bridge, ingress
    await ingress.close()
    await front.close()


async def _shot(page: object, name: str) -> None:
    """Save a full-page screenshot under test-output/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


async def test_wizard_walkthrough(
    browser: object, panel_bridge: tuple[RunningBridge, FakeIngress]
) -> None:
    """Walk the wizard: public address, pages, live activity; nothing leaves the prefix."""
    bridge, ingress = panel_bridge
    context = await browser.new_context(locale="en-US")  # type: ignore[attr-defined]
    page = await context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    await page.goto(ingress.url)
    await page.wait_for_selector("ol.checklist")
    assert await page.locator("ol.checklist li").count() == 5
    assert "Anna Example" in await page.inner_text("header")
    next_step = page.locator("li.step.next")
    assert "Amazon account" in await next_step.inner_text()
    assert "Coming soon" in await page.inner_text("#step-developer-item")
    await _shot(page, "01-setup")

    await page.fill('input[name="public_url"]', f"https://{PUBLIC_HOST}")
    await page.click("#public-save")
    await page.wait_for_selector("#public-result")
    assert "leads to this bridge" in await page.inner_text("#public-result")
    assert "Done" in await page.inner_text("#step-public-item")
    assert page.url.startswith(f"{ingress.url}setup")
    await _shot(page, "02-public-address")

    await page.click('nav a:has-text("Status")')
    await page.wait_for_selector("table.status")
    assert PUBLIC_HOST in await page.inner_text("table.status")
    await _shot(page, "03-status")

    await page.click('nav a:has-text("Devices")')
    await page.wait_for_selector("main h1")
    assert "Sign in to Amazon" in await page.inner_text("main")
    await _shot(page, "04-devices-signed-out")

    await page.click('nav a:has-text("Activity")')
    await page.wait_for_selector("#activity")
    status, _ = await bridge.push(
        {"streamUrl": "http://192.168.1.9:8097/flow/a.mp3", "playerId": "Kitchen Echo"}
    )
    assert status == 200
    row = page.locator("#activity tbody tr").first
    await row.wait_for()
    assert "Kitchen Echo" in await row.inner_text()
    await page.fill("#activity-filter", "no such thing")
    assert await row.is_hidden()
    await page.fill("#activity-filter", "")
    await _shot(page, "05-activity")

    escaped = [url for url in requested if f"127.0.0.1:{ingress.port}" in url and PREFIX not in url]
    assert escaped == []
    assert all(f"127.0.0.1:{ingress.port}{PREFIX}/" in url for url in requested), requested
    assert ingress.escaped == []
    await context.close()


async def test_forged_form_refused_in_browser(
    browser: object, panel_bridge: tuple[RunningBridge, FakeIngress]
) -> None:
    """A POST without the page's CSRF token is refused, even from the panel's own origin."""
    bridge, ingress = panel_bridge
    page = await browser.new_page()  # type: ignore[attr-defined]
    await page.goto(f"{ingress.url}setup")
    status = await page.evaluate(
        """async () => {
            const body = new URLSearchParams({action: "public_url", public_url: "https://x.example"});
            const answer = await fetch("setup", {method: "POST", body});
            return answer.status;
        }"""
    )
    assert status == 403
    assert bridge.core.settings.public_url is None
    await page.close()


async def test_dark_theme_and_phone_layout(
    browser: object, panel_bridge: tuple[RunningBridge, FakeIngress]
) -> None:
    """The panel follows a dark browser theme and fits a phone screen without sideways scroll."""
    _, ingress = panel_bridge
    context = await browser.new_context(  # type: ignore[attr-defined]
        color_scheme="dark", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = await context.new_page()
    await page.goto(f"{ingress.url}setup")
    background = await page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 17, 17)"
    overflow = await page.evaluate(
        "document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
    )
    assert overflow <= 0
    await _shot(page, "06-setup-dark-phone")
    await context.close()


async def _sign_in(page: Any, ingress: FakeIngress, amazon: FakeAmazon) -> None:
    """Sign in through Amazon's own page, pasting a wrong address first."""
    await page.goto(f"{ingress.url}setup")
    await page.select_option('select[name="domain"]', "amazon.com")
    await page.click("#enroll-start")
    link = page.locator("#enroll-link")
    assert await link.get_attribute("target") == "_blank"
    sign_in_url = await link.get_attribute("href")
    assert sign_in_url is not None
    assert sign_in_url.startswith("https://www.amazon.com/ap/register")
    await _shot(page, "07-enrollment")

    # A wrong page first: the panel says precisely what is wrong.
    await page.fill('input[name="url"]', "https://www.amazon.com/gp/yourstore")
    await page.click('button:has-text("Finish sign-in")')
    error = await page.inner_text("p.banner.error")
    assert "maplanding" in error or "address" in error.lower()
    await _shot(page, "08-enrollment-wrong-url")

    await page.fill('input[name="url"]', amazon.sign_in(sign_in_url))
    await page.click('button:has-text("Finish sign-in")')
    await page.wait_for_selector("#sign-out")
    assert "Done" in await page.inner_text("#step-amazon-item")
    await _shot(page, "09-signed-in")


async def _play_as_alexa(bridge: RunningBridge) -> None:
    """Be Alexa after the play phrase: a signed launch, the relayed stream, PlaybackStarted."""
    # Alexa hears the phrase and calls the skill, signed, from the Echo's skill device id.
    status, answer = await bridge.skill(alexa.launch(device_id="amzn1.ask.device.KITCHEN1"))
    assert status == 200
    stream = answer["response"]["directives"][0]["audioItem"]["stream"]
    assert stream["url"].startswith(f"https://{PUBLIC_HOST}/stream/")
    relay_path = stream["url"].removeprefix(f"https://{PUBLIC_HOST}")
    async with bridge.client.get(f"{bridge.public}{relay_path}") as resp:
        assert resp.status == 200
        assert resp.content_type == "audio/mpeg"
        assert await resp.read() == read_test_sound()
    await bridge.skill(alexa.audio_event("PlaybackStarted", stream["token"]))


async def test_sign_in_devices_and_test_play(
    browser: object,
    panel_bridge: tuple[RunningBridge, FakeIngress],
    pki: TestPKI,
    tmp_path: Path,
) -> None:
    """Sign in on Amazon's page, see the Echos, press Test play, and watch it play."""
    bridge, ingress = panel_bridge
    amazon = FakeAmazon(pki)
    await amazon.start(tmp_path)
    for host in AMAZON_HOSTS:
        bridge.cert_host.mapping[(host, 443)] = ("127.0.0.1", amazon.port)
    await bridge.core.settings.set_public_url(f"https://{PUBLIC_HOST}")
    context = await browser.new_context(locale="en-US")  # type: ignore[attr-defined]
    page = await context.new_page()
    try:
        await _sign_in(page, ingress, amazon)

        await page.click('nav a:has-text("Devices")')
        await page.wait_for_selector("table.devices")
        table = await page.inner_text("table.devices")
        assert "Kitchen Echo" in table
        assert "Living Room" in table
        await _shot(page, "10-devices")
        await page.click('button.test-play[data-name="Kitchen Echo"]')
        banner = page.locator("#test-result")
        await banner.wait_for()
        assert "ask music assistant to play audio" in await banner.inner_text()

        [command] = amazon.calls("/api/behaviors/preview")
        payload = json.loads(command.json()["sequenceJson"])["startNode"]["operationPayload"]
        assert payload["deviceSerialNumber"] == "G090LF1234567890"
        assert payload["text"] == "ask music assistant to play audio"

        await _play_as_alexa(bridge)
        await page.wait_for_function(
            "document.getElementById('test-result').textContent.includes('Playback started')"
        )
        await _shot(page, "11-test-play-done")

        await page.reload()
        assert "KITCHEN1" in await page.inner_text("table.devices")
        await page.click('nav a:has-text("Setup")')
        assert "Done" in await page.inner_text("#step-test-item")
        await page.click("#sign-out")
        await page.wait_for_selector("#enroll-start")
        assert not (bridge.core.data_dir / "amazon_account.json").exists()
    finally:
        await context.close()
        await amazon.close()
