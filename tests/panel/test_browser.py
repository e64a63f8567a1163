"""The panel in a real Chromium behind a fake ingress prefix, driven by Playwright."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
import os
from pathlib import Path
import shutil
import time
from typing import Any

import pytest

from alexa_bridge.playback.test_play import read_test_sound

from ..conftest import BridgeFactory
from ..fakes import alexa
from ..fakes.amazon import FakeAmazon
from ..fakes.cert_host import FakeCertHost
from ..fakes.ingress import PREFIX, FakeIngress
from ..fakes.pki import TestPKI
from ..fakes.public_front import PUBLIC_HOST
from ..fakes.smapi import CLIENT_ID, CLIENT_SECRET, FakeSmapi
from ..harness import RunningBridge, start_public_front

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
    assert await page.locator("ol.checklist li").count() == 6
    assert "Anna Example" in await page.inner_text("header")
    next_step = page.locator("li.step.next")
    assert "Amazon account" in await next_step.inner_text()
    # A skill id set by option needs no developer authorization.
    assert "Done" in await page.inner_text("#step-developer-item")
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
    amazon.route(bridge.cert_host.mapping)
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


@pytest.fixture(name="smapi_panel")
async def smapi_panel_fixture(
    bridge_factory: BridgeFactory,
    pki: TestPKI,
    cert_host: FakeCertHost,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[RunningBridge, FakeIngress, FakeSmapi]]:
    """Run a bridge without a skill, pointed at a fake SMAPI, behind ingress and a TLS front."""
    # requests (inside ask-smapi-sdk) trusts the test root the autouse fixture installed.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", os.environ["SSL_CERT_FILE"])
    leaf = pki.alexa
    smapi = FakeSmapi(pki, leaf=leaf, cert_url=cert_host.publish_leaf("echo-sim.pem", leaf))
    smapi.mapping = cert_host.mapping
    await smapi.start(tmp_path)
    bridge = await bridge_factory(
        skill_id=None, public_url=None, smapi_url=smapi.url, lwa_url=smapi.url
    )
    front = await start_public_front(bridge, pki, tmp_path)
    await bridge.core.settings.set_public_url(f"https://{PUBLIC_HOST}")

    async def quick(_seconds: float) -> None:
        """Wait a moment instead of Amazon's real backoff."""
        await asyncio.sleep(0.05)

    bridge.core.provisioning.sleep = quick
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    yield bridge, ingress, smapi
    await ingress.close()
    await front.close()
    await smapi.close()


async def _authorize_developer(page: Any, ingress: FakeIngress, smapi: FakeSmapi) -> None:
    """Save the security profile, open the consent link, paste where Amazon returned."""
    await page.goto(f"{ingress.url}setup")
    assert "To do" in await page.inner_text("#step-developer-item")
    assert "/oauth/callback" in await page.inner_text("#return-callback")
    await page.fill('input[name="client_id"]', CLIENT_ID)
    await page.fill('input[name="client_secret"]', CLIENT_SECRET)
    await page.click("#developer-save")
    await page.click("#authorize-paste")
    link = page.locator("#consent-link")
    assert await link.get_attribute("target") == "_blank"
    consent = await link.get_attribute("href")
    assert consent is not None
    assert consent.startswith("https://www.amazon.com/ap/oa?")
    await _shot(page, "12-developer-consent")
    await page.fill('input[name="answer"]', smapi.approve(consent))
    await page.click("#developer-finish")
    await page.wait_for_selector("#developer-result")
    assert "authorized" in await page.inner_text("#developer-result")
    assert "Done" in await page.inner_text("#step-developer-item")
    await _shot(page, "13-developer-authorized")


async def _provision(page: Any, bridge: RunningBridge) -> float:
    """Pick a second language, run provisioning, watch it finish; return the seconds taken."""
    await page.check('input[name="locales"][value="de-DE"]')
    await page.click("#skill-save")
    started = time.perf_counter()
    await page.click("#provision")
    await page.wait_for_selector("#provision-result", timeout=20000)
    elapsed = time.perf_counter() - started
    assert "created, built and enabled" in await page.inner_text("#provision-result")
    log = await page.inner_text("#provision-log")
    assert "Created the skill" in log
    assert "de-DE built" in log
    skill_id = bridge.core.settings.skill_id
    assert skill_id is not None
    assert skill_id in await page.inner_text("#skill-id")
    await _shot(page, "14-skill-provisioned")
    return elapsed


async def test_developer_authorization_provisioning_and_self_test(
    browser: object, smapi_panel: tuple[RunningBridge, FakeIngress, FakeSmapi]
) -> None:
    """Authorize as a developer, provision against the fake SMAPI, and run the self-test."""
    bridge, ingress, smapi = smapi_panel
    context = await browser.new_context(locale="en-US")  # type: ignore[attr-defined]
    page = await context.new_page()
    try:
        await _authorize_developer(page, ingress, smapi)
        assert await _provision(page, bridge) < 15

        await page.click("#self-test")
        await page.wait_for_selector("#self-test-result", timeout=20000)
        result = await page.inner_text("#self-test-result")
        assert "the request was verified" in result
        assert "Verified: yes" in result
        assert "Done" in await page.inner_text("#step-skill-item")
        await _shot(page, "15-self-test")

        await page.click('nav a:has-text("Status")')
        for _ in range(100):
            if bridge.core.provisioning.checks.last is not None:
                break
            await asyncio.sleep(0.05)
        await page.reload()
        table = await page.inner_text("table.status")
        assert "matches the public address" in table
        assert "enabled for testing" in table
        assert "Model de-DE" in table
        await _shot(page, "16-status-skill")
    finally:
        await context.close()


async def test_activity_polls_when_events_do_not_arrive(
    browser: object, bridge_factory: BridgeFactory
) -> None:
    """Behind ingress that compresses event streams (before 2026.2), activity still appears."""
    bridge = await bridge_factory()
    ingress = FakeIngress(bridge.panel, compress_text=True)
    await ingress.start()
    try:
        # The fake withholds events as that ingress did: not even "ready" gets through.
        headers = {"Accept-Encoding": "gzip, deflate"}
        async with bridge.client.get(f"{ingress.url}activity/events", headers=headers) as events:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(2):
                    await events.content.readany()
        context = await browser.new_context(locale="en-US")  # type: ignore[attr-defined]
        page = await context.new_page()
        await page.goto(f"{ingress.url}activity")
        await page.wait_for_selector("#activity")
        status, _ = await bridge.push(
            {"streamUrl": "http://192.168.1.9:8097/flow/a.mp3", "playerId": "Bathroom Echo"}
        )
        assert status == 200
        row = page.locator("#activity tbody tr").first
        await row.wait_for(timeout=20_000)  # the 5 s wait for "ready", then a poll
        assert "Bathroom Echo" in await row.inner_text()
        assert await page.locator("#activity-empty").is_hidden()
        await context.close()
    finally:
        await ingress.close()
