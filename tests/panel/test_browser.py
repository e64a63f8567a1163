"""The panel in a real Chromium behind a fake ingress prefix, against fakes of Amazon and SMAPI.

Each test starts one browser and reuses it for every page, width and colour scheme it walks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
import json
import os
from pathlib import Path
from typing import Any

import pytest

from alexa_bridge.playback.test_play import read_test_sound

from ..conftest import BridgeFactory
from ..fakes import alexa
from ..fakes.amazon import HOSTS as AMAZON_HOSTS, FakeAmazon
from ..fakes.cert_host import FakeCertHost
from ..fakes.ingress import PREFIX, FakeIngress
from ..fakes.pki import TestPKI
from ..fakes.public_front import PUBLIC_HOST
from ..fakes.smapi import CLIENT_ID, CLIENT_SECRET, FakeSmapi
from ..harness import RunningBridge, start_public_front
from .browser import (
    DESKTOP,
    PHONE,
    Actions,
    AxeLog,
    Watch,
    chromium,
    field_state,
    route_amazon,
    shot,
)

playwright_api = pytest.importorskip("playwright.async_api")

pytestmark = pytest.mark.timeout(120)
MAX_WIZARD_ACTIONS = 12
OTP_KEY_52 = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSW"


@dataclass
class Wizard:
    """A bridge with nothing set up, behind ingress, with Amazon, SMAPI and a TLS front faked."""

    bridge: RunningBridge
    ingress: FakeIngress
    amazon: FakeAmazon
    smapi: FakeSmapi
    cert_host: FakeCertHost

    def amazon_down(self) -> None:
        """Make every Amazon host refuse connections (a closed port)."""
        for host in AMAZON_HOSTS:
            self.cert_host.mapping[(host, 443)] = ("127.0.0.1", 9)

    def amazon_up(self) -> None:
        """Point every Amazon host at the fake again."""
        self.amazon.route(self.cert_host.mapping)


@pytest.fixture(name="wizard")
async def wizard_fixture(
    bridge_factory: BridgeFactory,
    pki: TestPKI,
    cert_host: FakeCertHost,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Wizard]:
    """Start the fakes and a bridge without skill, public address or Amazon account."""
    # requests (inside ask-smapi-sdk) trusts the test root the autouse fixture installed.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", os.environ["SSL_CERT_FILE"])
    leaf = pki.alexa
    smapi = FakeSmapi(pki, leaf=leaf, cert_url=cert_host.publish_leaf("echo-sim.pem", leaf))
    smapi.mapping = cert_host.mapping
    await smapi.start(tmp_path)
    amazon = FakeAmazon(pki)
    await amazon.start(tmp_path)
    bridge = await bridge_factory(
        skill_id=None, public_url=None, smapi_url=smapi.url, lwa_url=smapi.url
    )
    front = await start_public_front(bridge, pki, tmp_path)

    async def quick(_seconds: float) -> None:
        """Wait a moment instead of Amazon's real backoff."""
        await asyncio.sleep(0.05)

    bridge.core.provisioning.sleep = quick
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    wizard = Wizard(bridge, ingress, amazon, smapi, cert_host)
    wizard.amazon_up()
    yield wizard
    await ingress.close()
    await front.close()
    await amazon.close()
    await smapi.close()


async def _play_as_alexa(bridge: RunningBridge, skill_id: str) -> None:
    """Be Alexa after the play phrase: a signed launch, the relayed stream, PlaybackStarted."""
    launch = alexa.launch(device_id="amzn1.ask.device.KITCHEN1", skill_id=skill_id)
    status, answer = await bridge.skill(launch)
    assert status == 200, answer
    stream = answer["response"]["directives"][0]["audioItem"]["stream"]
    assert stream["url"].startswith(f"https://{PUBLIC_HOST}/stream/")
    relay_path = stream["url"].removeprefix(f"https://{PUBLIC_HOST}")
    async with bridge.client.get(f"{bridge.public}{relay_path}") as resp:
        assert resp.status == 200
        assert await resp.read() == read_test_sound()
    await bridge.skill(alexa.audio_event("PlaybackStarted", stream["token"], skill_id=skill_id))


async def _popup_url(context: Any, opened: list[str], before: int) -> str:
    """Wait until a new Amazon page opened in another tab; return its address."""
    for _ in range(400):
        if len(opened) > before:
            break
        await asyncio.sleep(0.05)
    assert len(opened) > before, "no Amazon page opened"
    for extra in context.pages[1:]:
        await extra.close()
    return opened[-1]


async def test_wizard_from_first_open_to_test_play(  # noqa: PLR0915 - one walk, step by step
    wizard: Wizard,
) -> None:
    """A newcomer reaches a playing Echo in at most 12 panel actions, every step checked by axe."""
    bridge, ingress = wizard.bridge, wizard.ingress
    axe, watch = AxeLog(), Watch()
    async with chromium(playwright_api) as browser:
        # On a phone in dark mode: the forms test walks the same steps on a light desktop.
        context = await browser.new_context(
            locale="en-US", viewport=PHONE, color_scheme="dark", is_mobile=True
        )
        opened = await route_amazon(context)
        page = await context.new_page()
        watch.attach(page)
        act = Actions(page)
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))

        await page.goto(ingress.url)
        assert await page.locator("ol.checklist li").count() == 6
        assert "Anna Example" in await page.inner_text("header")
        order = await page.locator("ol.checklist li a").all_inner_texts()
        assert order[:3] == ["Amazon account", "Public address", "Developer authorization"]
        assert await page.locator("#step-amazon details[open]").count() == 1
        await axe.check(page, "setup: first open")
        assert await _primary_buttons_per_step(page) <= 1
        await shot(page, "01-setup-first-open")

        # The page knows the state it shows, so it can tell when the bridge moved on.
        states = await page.evaluate(
            """async () => {
                const shown = JSON.parse(document.getElementById("checklist").dataset.state);
                const now = (await (await fetch("provision/state")).json()).data;
                const canonical = (o) => JSON.stringify(
                    Object.keys(o).sort().map((k) => [k, o[k]]));
                return [canonical(shown), canonical(now)];
            }"""
        )
        assert states[0] == states[1], states
        # 1. Amazon: one click opens Amazon's page; this tab then asks for the address.
        await act.click("#enroll-start")
        sign_in_url = await _popup_url(context, opened, 0)
        assert sign_in_url.startswith("https://www.amazon.com/ap/register")
        await page.wait_for_selector("#enroll_finish-url")
        assert await page.get_attribute("#enroll-link", "href") == sign_in_url
        await axe.check(page, "setup: waiting for Amazon's address")
        assert await _primary_buttons_per_step(page) <= 1
        await act.fill("#enroll_finish-url", wizard.amazon.sign_in(sign_in_url))
        await act.click("#enroll-finish")
        await page.wait_for_selector("#step-amazon-item.done")
        # A finished step folds away.
        assert await page.locator("#step-amazon > details[open]").count() == 0
        await shot(page, "02-signed-in")

        # 2. Public address, checked from inside the bridge through the TLS front.
        await act.fill("#public_url-public_url", f"https://{PUBLIC_HOST}")
        await act.click("#public-save")
        await page.wait_for_selector("#step-public-item.done")
        assert "leads to this bridge" in (await page.text_content("#public-result") or "")
        # Done: it folds away and the page moves on to the next step.
        assert page.url.endswith("#step-developer")
        await axe.check(page, "setup: public address checked")
        assert await _primary_buttons_per_step(page) <= 1

        # 3. Developer: the values to paste have links and copy buttons; one press to consent.
        assert await page.get_attribute("#developer-console", "target") == "_blank"
        callback = await page.inner_text("#return-callback")
        assert callback == f"https://{PUBLIC_HOST}/oauth/callback"
        assert await page.locator('button[data-copy="return-callback"]').count() == 1
        await shot(page, "03-developer")
        await act.fill("#developer_start-client_id", CLIENT_ID)
        await act.fill("#developer_start-client_secret", CLIENT_SECRET)
        before = len(opened)
        await act.click("#developer-start")
        consent = await _popup_url(context, opened, before)
        assert consent.startswith("https://www.amazon.com/ap/oa?")
        await page.wait_for_selector("#developer-waiting")
        await axe.check(page, "setup: waiting for Amazon's consent")
        assert await _primary_buttons_per_step(page) <= 1
        # The user allows access on Amazon's page; Amazon sends that tab back to the bridge.
        back = wizard.smapi.approve(consent).replace(f"https://{PUBLIC_HOST}", bridge.public)
        async with bridge.client.get(back) as resp:
            assert resp.status == 200
        await page.wait_for_selector("#step-developer-item.done", timeout=25000)

        # 4. The skill: the browser's language is ticked; one press saves and provisions.
        assert await page.is_checked('input[name="locales"][value="en-US"]')
        assert await page.is_hidden("#certificate-box")
        await act.click("#provision")
        await page.wait_for_selector("#provision-result", timeout=40000)
        assert "created, built and enabled" in await page.inner_text("#provision-result")
        log = await page.inner_text("#provision-log")
        assert "Created the skill" in log
        assert "UTC" not in log  # the browser's own time zone, as everywhere in the panel
        skill_id = bridge.core.settings.skill_id
        assert skill_id is not None
        await axe.check(page, "setup: skill provisioned")
        assert await _primary_buttons_per_step(page) <= 1
        await shot(page, "04-skill-provisioned")

        # 5. Test play on the Devices page.
        await act.click('nav a:has-text("Devices")')
        await page.wait_for_selector("table.devices")
        await axe.check(page, "devices: signed in")
        await act.click('button.test-play[data-name="Kitchen Echo"]')
        await page.locator("#test-result").wait_for()
        [command] = wizard.amazon.calls("/api/behaviors/preview")
        payload = json.loads(command.json()["sequenceJson"])["startNode"]["operationPayload"]
        assert payload["text"] == "ask music assistant to play audio"
        await _play_as_alexa(bridge, skill_id)
        await page.wait_for_function(
            "document.getElementById('test-result').textContent.includes('Playback started')"
        )
        await axe.check(page, "devices: test play done")
        await shot(page, "05-test-play-done")
        print(f"wizard actions: {act.count}: {act.log}")  # noqa: T201 - the figure to report
        assert act.count <= MAX_WIZARD_ACTIONS, act.log

        await page.click('nav a:has-text("Setup")')
        assert "Done" in await page.inner_text("#step-test-item")
        await shot(page, "06-setup-all-done")

        # Status: local times, human words, and it updates in place (no reload).
        await page.click('nav a:has-text("Status")')
        marker = await page.evaluate("window.__kept = 1")
        assert marker == 1
        text = await page.inner_text("table.status")
        assert "UTC" not in text
        assert "IDLE" not in await page.inner_text("main")
        await bridge.push({"streamUrl": "http://192.168.1.9:8097/flow/b.mp3", "playerId": "Den"})
        await page.wait_for_function(
            "document.getElementById('status-live').textContent.includes('Den')", timeout=25000
        )
        assert await page.evaluate("window.__kept") == 1, "the Status page reloaded"
        await axe.check(page, "status: all set up")
        await shot(page, "07-status")

        await page.click('nav a:has-text("Activity")')
        await page.wait_for_selector("#activity")
        await axe.check(page, "activity")
        status, _ = await bridge.push(
            {"streamUrl": "http://192.168.1.9:8097/flow/a.mp3", "playerId": "Kitchen Echo"}
        )
        assert status == 200
        row = page.locator("#activity tbody tr").first
        await row.wait_for()
        assert "Music Assistant push" in await row.inner_text()
        await page.fill("#activity-filter", "no such thing")
        assert await row.is_hidden()
        await shot(page, "08-activity")
        await context.close()

    escaped = [url for url in requested if f"127.0.0.1:{ingress.port}" in url and PREFIX not in url]
    assert escaped == []
    assert ingress.escaped == []
    watch.assert_clean()
    axe.write("wizard")


async def _expect_field_error(page: Any, field_id: str, label: str, typed: str) -> str:
    """Assert the message sits at the field, names it, and the typed value is kept."""
    await page.wait_for_load_state()
    state = await field_state(page, field_id)
    assert state["invalid"], f"{field_id} is not marked invalid"
    assert state["message"].startswith(f"{label}:"), state["message"]
    assert state["value"] == typed
    assert state["focused"], f"{field_id} does not have the focus"
    message: str = state["message"]
    return message


PUBLIC_CASES = [
    ("", "must start with https://"),
    ("http://music.example.com", "must start with https://"),
    ("https://music example.com", "invalid host name"),
    ("https://" + "a" * 5000 + ".example.com", "at most"),
    ("https://" + ("a" * 60 + ".") * 5 + "com", "at most 253"),
    ("https://music.example.com/<script>alert(1)</script>", "not allowed in a path"),
    ("https://anna:secret@music.example.com", "user name or password"),
    ("https://music.example.com:99999", "port"),
]


async def test_every_form_keeps_input_and_answers_at_the_field(  # noqa: PLR0915 - every form
    wizard: Wizard,
) -> None:
    """Empty, wrong, hostile and over-long input: a message at the field, nothing lost, no 5xx."""
    bridge, ingress = wizard.bridge, wizard.ingress
    axe, watch = AxeLog(), Watch()
    async with chromium(playwright_api) as browser:
        context = await browser.new_context(locale="en-US", viewport=DESKTOP)
        opened = await route_amazon(context)
        page = await context.new_page()
        watch.attach(page)
        await page.goto(f"{ingress.url}setup#step-public")

        # Public address: every bad value is refused at the field and kept as typed.
        for typed, expected in PUBLIC_CASES:
            await page.fill("#public_url-public_url", typed)
            await page.click("#public-save")
            message = await _expect_field_error(
                page, "public_url-public_url", "Public https:// address", typed
            )
            assert expected in message, (typed[:40], message)
            assert page.url.endswith("#step-public")
            assert bridge.core.settings.public_url is None
        # The hostile path was shown as text, never run: the page has only its own script.
        assert await page.locator("script").count() == 1
        await axe.check(page, "setup: public address refused")
        assert await _primary_buttons_per_step(page) <= 1
        await shot(page, "10-public-address-error")

        # A saved address whose check fails warns; a new bad address clears that warning.
        await page.fill("#public_url-public_url", "https://nowhere.invalid")
        await page.click("#public-save")
        assert "Could not confirm" in await page.inner_text("#public-result")
        await page.fill("#public_url-public_url", "https://bad host")
        await page.click("#public-save")
        await _expect_field_error(
            page, "public_url-public_url", "Public https:// address", "https://bad host"
        )
        assert await page.locator("#public-result").count() == 0

        # Classic sign-in: the key's real rules, checked live and on submit; Amazon down.
        await page.click("#classic > summary")
        await page.fill("#classic_start-email", "anna@example.com")
        await page.fill("#classic_start-password", "hunter2")
        await page.fill("#classic_start-otp_key", "JBSWY3DPEHPK3PXP")  # 16: too short for pyotp
        await page.wait_for_function(
            "document.getElementById('otp-check').textContent.includes('characters')"
        )
        await page.click("#classic-submit")
        await _expect_field_error(
            page, "classic_start-otp_key", "Authenticator key", "JBSWY3DPEHPK3PXP"
        )
        assert await page.input_value("#classic_start-email") == "anna@example.com"
        assert await page.input_value("#classic_start-password") == ""
        await axe.check(page, "setup: classic sign-in refused")
        assert await _primary_buttons_per_step(page) <= 1
        await page.fill("#classic_start-otp_key", OTP_KEY_52)
        await page.wait_for_function(
            "document.getElementById('otp-check').textContent.includes('Code from this key')"
        )
        await page.fill("#classic_start-email", "")
        await page.click("#classic-submit")
        await _expect_field_error(page, "classic_start-email", "Email", "")
        wizard.amazon_down()
        await page.fill("#classic_start-email", "anna@example.com")
        await page.fill("#classic_start-password", "hunter2")
        await page.click("#classic-submit")
        error = await page.inner_text("#step-error-amazon")
        assert "could not be reached" in error
        assert await page.input_value("#classic_start-email") == "anna@example.com"
        assert await page.input_value("#classic_start-otp_key") == OTP_KEY_52
        assert bridge.core.amazon.state.status == "signed_out"  # not stuck "signing in"
        assert await page.locator("#sign-out").count() == 0
        await axe.check(page, "setup: Amazon unreachable")
        assert await _primary_buttons_per_step(page) <= 1
        await shot(page, "11-amazon-down")
        wizard.amazon_up()

        # Amazon's page: a wrong pasted address is refused at the field and kept.
        await page.click("#enroll-start")
        await _popup_url(context, opened, 0)
        await page.wait_for_selector("#enroll_finish-url")
        wrong = "https://www.amazon.com/gp/yourstore"
        await page.fill("#enroll_finish-url", wrong)
        await page.click("#enroll-finish")
        message = await _expect_field_error(
            page, "enroll_finish-url", "Address of the blank page", wrong
        )
        assert "maplanding" in message or "address" in message.lower()

        # The developer form opens Amazon in a new tab, but a client id that cannot be right
        # is answered in this tab, at its field.
        await page.goto(f"{ingress.url}setup#step-developer")  # a later step opens on demand
        tabs = len(context.pages)
        await page.fill("#developer_start-client_id", "x" * 3000)
        await page.fill("#developer_start-client_secret", "s3cret")
        await page.click("#developer-start")
        await _expect_field_error(page, "developer_start-client_id", "Client ID", "x" * 3000)
        assert await page.input_value("#developer_start-client_secret") == ""
        assert len(context.pages) == tabs
        assert bridge.core.provisioning.developer.client_id is None

        # The skill: no language, then a certificate that is not one.
        await page.goto(f"{ingress.url}setup#step-skill")
        for box in await page.locator('input[name="locales"]:checked').all():
            await box.uncheck()
        await page.click("#skill-save")
        assert "Languages your Echos use:" in await page.inner_text("#err-skill_choices-locales")
        await page.check('input[name="locales"][value="de-DE"]')
        await page.select_option("#skill-certificate_type", "SelfSigned")
        assert await page.is_visible("#certificate-box")
        garbage = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----"
        await page.fill("#skill_choices-certificate", garbage)
        await page.click("#skill-save")
        await _expect_field_error(
            page, "skill_choices-certificate", "Self-signed certificate (PEM)", garbage
        )
        assert await page.is_checked('input[name="locales"][value="de-DE"]')
        await axe.check(page, "setup: skill choices refused")
        assert await _primary_buttons_per_step(page) <= 1
        await shot(page, "12-skill-choices-error")

        # Provisioning without developer authorization says which step comes first.
        await page.select_option("#skill-certificate_type", "Trusted")
        await page.click("#provision")
        assert "Developer authorization" in await page.inner_text("#step-error-skill")
        # ...and the choices on the form were saved on the way.
        assert bridge.core.provisioning.locales == ("de-DE",)
        await context.close()
    watch.assert_clean()
    axe.write("forms")


async def test_failures_are_pages_that_say_what_to_do(  # noqa: PLR0915 - each failure
    wizard: Wizard,
) -> None:
    """Unknown pages, stale forms and an expired Amazon session: HTML that helps, never JSON."""
    bridge, ingress = wizard.bridge, wizard.ingress
    axe = AxeLog()
    async with chromium(playwright_api) as browser:
        context = await browser.new_context(locale="en-US", viewport=DESKTOP)
        page = await context.new_page()

        answer = await page.goto(f"{ingress.url}no/such/page")
        assert answer is not None
        assert answer.status == 404
        assert "text/html" in answer.headers["content-type"]
        assert "No such page" in await page.inner_text("h1")
        assert await page.evaluate("getComputedStyle(document.body).margin") == "0px"  # styled
        await axe.check(page, "404 page")
        await shot(page, "20-not-found")
        await page.click("#reload")
        assert page.url == f"{ingress.url}setup"
        await page.goto(f"{ingress.url}setup#step-public")

        # A tab from another installation (or a forged form): nothing changes, reload offered.
        await page.evaluate(
            "document.querySelectorAll('input[name=csrf]').forEach((i) => { i.value = 'old'; })"
        )
        await page.fill("#public_url-public_url", "https://music.example.com")
        await page.click("#public-save")
        assert "out of date" in await page.inner_text("h1")
        assert bridge.core.settings.public_url is None
        await axe.check(page, "stale form page")
        await shot(page, "21-stale-form")

        # A cross-site POST is refused the same way.
        status = await page.evaluate(
            """async () => {
                const body = new URLSearchParams({action: "public_url", public_url: "https://x.example"});
                const answer = await fetch("setup", {method: "POST", body});
                return answer.status;
            }"""
        )
        assert status == 403

        # An Amazon session that ended: Devices and Test play explain, no 500.
        await bridge.core.settings.set_public_url(f"https://{PUBLIC_HOST}")
        opened = await route_amazon(context)
        await page.goto(f"{ingress.url}setup")
        await page.click("#enroll-start")
        sign_in_url = await _popup_url(context, opened, 0)
        await page.wait_for_selector("#enroll_finish-url")
        await page.fill("#enroll_finish-url", wizard.amazon.sign_in(sign_in_url))
        await page.click("#enroll-finish")
        await page.goto(f"{ingress.url}devices")
        await page.wait_for_selector("table.devices")
        # A hostile or outdated serial: the Devices page says so, as a page.
        await page.evaluate(
            "document.querySelector('input[name=serial]').value = '<b>nope</b>' + 'x'.repeat(5000)"
        )
        async with page.expect_navigation() as navigation:
            await page.click("button.test-play >> nth=0")
        response = await navigation.value
        assert response is not None
        assert response.status == 404
        assert "text/html" in response.headers["content-type"]
        assert "no longer on this Amazon account" in await page.inner_text("#devices-action-error")
        await axe.check(page, "devices: unknown Echo")
        wizard.amazon.revoke_all()
        async with page.expect_navigation() as navigation:
            await page.click('button.test-play[data-name="Kitchen Echo"]')
        response = await navigation.value
        assert response is not None
        assert response.status < 500
        assert "sign in again" in (await page.inner_text("main")).lower()
        await axe.check(page, "devices: session ended")
        await shot(page, "22-session-ended")
        await page.goto(f"{ingress.url}setup")
        assert "Needs attention" in await page.inner_text("#step-amazon-item")
        await context.close()
    axe.write("failures")


PAGES = ["setup", "status", "devices", "activity", "no-such-page"]


async def _primary_buttons_per_step(page: Any) -> int:
    """Return the most primary (filled) buttons any one setup step shows."""
    most: int = await page.evaluate(
        """() => Math.max(0, ...Array.from(document.querySelectorAll("section.step-card"))
            .map((step) => Array.from(step.querySelectorAll("button, a.button"))
                .filter((b) => !b.classList.contains("secondary") && !b.hidden
                    && b.getClientRects().length > 0).length))"""
    )
    return most


async def test_every_page_at_desktop_and_phone_light_and_dark(wizard: Wizard) -> None:
    """Every page fits a phone, follows the colour scheme, and has no axe-core violation."""
    ingress = wizard.ingress
    axe = AxeLog()
    async with chromium(playwright_api) as browser:
        for scheme in ("light", "dark"):
            for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                context = await browser.new_context(
                    locale="en-US",
                    color_scheme=scheme,
                    viewport=viewport,
                    is_mobile=width == "phone",
                )
                page = await context.new_page()
                for name in PAGES:
                    await page.goto(f"{ingress.url}{name}")
                    background = await page.evaluate(
                        "getComputedStyle(document.body).backgroundColor"
                    )
                    assert background == (
                        "rgb(17, 17, 17)" if scheme == "dark" else "rgb(250, 250, 250)"
                    )
                    overflow = await page.evaluate(
                        "document.scrollingElement.scrollWidth"
                        " - document.scrollingElement.clientWidth"
                    )
                    assert overflow <= 0, (name, scheme, width)
                    # Every folded step open too, so axe sees all of it.
                    await page.evaluate(
                        "document.querySelectorAll('details').forEach((d) => { d.open = true; })"
                    )
                    assert await _primary_buttons_per_step(page) <= 1, name
                    await axe.check(page, f"{name} {scheme} {width}")
                    await shot(page, f"30-{name}-{scheme}-{width}")
                # The setup page with a field error, in this scheme and width.
                await page.goto(f"{ingress.url}setup#step-public")
                await page.fill("#public_url-public_url", "https://bad host")
                await page.click("#public-save")
                await axe.check(page, f"setup error {scheme} {width}")
                await shot(page, f"31-setup-error-{scheme}-{width}")
                await context.close()
    print(f"axe-core: {len(axe.checked)} pages and states, 0 violations")  # noqa: T201
    axe.write("pages")


async def test_activity_polls_when_events_do_not_arrive(bridge_factory: BridgeFactory) -> None:
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
        async with chromium(playwright_api) as browser:
            context = await browser.new_context(locale="en-US")
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
