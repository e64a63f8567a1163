"""The Status page's skill lines: cached background checks that never hold the page."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from alexa_bridge.smapi.skill_sync import RunResult

from .conftest import Dev


async def _status_page(dev: Dev) -> tuple[float, str]:
    """Fetch the Status page; return the seconds it took and its HTML."""
    started = time.perf_counter()
    async with dev.bridge.client.get(f"{dev.bridge.panel}/status") as resp:
        assert resp.status == 200
        return time.perf_counter() - started, await resp.text()


async def _wait_for_check(dev: Dev) -> None:
    """Wait until the background check has a result."""
    for _ in range(200):
        if dev.prov.checks.last is not None and not dev.prov.checks.running:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the skill check did not finish")


async def test_status_lines_come_from_a_background_check(dev: Dev) -> None:
    """The page answers at once while Amazon is slow, then shows the checked lines."""
    await dev.authorize()
    result = await dev.provision()
    assert isinstance(result, RunResult)
    dev.smapi.delay = 1.0
    elapsed, page = await _status_page(dev)
    assert elapsed < 0.5, elapsed
    assert "checking with Amazon" in page
    assert "Developer authorization" in page
    await _wait_for_check(dev)
    dev.smapi.delay = 0
    _, page = await _status_page(dev)
    assert "matches the public address" in page
    assert "Model en-US" in page
    assert "enabled for testing on your devices" in page
    calls = len(dev.smapi.calls)
    await _status_page(dev)  # cached: no new calls within the cache's lifetime
    assert len(dev.smapi.calls) == calls


async def test_status_shows_a_changed_endpoint_in_red(dev: Dev) -> None:
    """When Amazon calls another address than the public one, the line says to re-run."""
    await dev.authorize()
    result = await dev.provision()
    assert isinstance(result, RunResult)
    await dev.bridge.core.settings.set_public_url("https://music.example.com")
    await _status_page(dev)
    await _wait_for_check(dev)
    _, page = await _status_page(dev)
    assert "the public address needs https://music.example.com/alexa/skill" in page


async def test_self_signed_certificate_is_uploaded_once(dev: Dev) -> None:
    """The self-signed type uploads the PEM; a second run does not upload it again."""
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    await dev.prov.save_choices(["en-US"], "SelfSigned", certificate=pem)
    await dev.authorize()
    result = await dev.provision()
    assert isinstance(result, RunResult)
    skill = dev.smapi.skills[result.skill_id or ""]
    assert skill.ssl_certificate == pem.strip()
    assert skill.manifest["apis"]["custom"]["endpoint"]["sslCertificateType"] == "SelfSigned"
    await dev.provision()
    assert dev.smapi.count("PUT", "/sslCertificateSets/") == 1


async def test_enable_apl_option_declares_the_screen_interface(dev: Dev) -> None:
    """With the enable_apl option the manifest declares APL even if the box is unticked."""
    core = dev.bridge.core
    core.options = dataclasses.replace(core.options, enable_apl=True)
    await dev.authorize()
    result = await dev.provision()
    assert isinstance(result, RunResult)
    custom = dev.smapi.skills[result.skill_id or ""].manifest["apis"]["custom"]
    assert [i["type"] for i in custom["interfaces"]] == ["AUDIO_PLAYER", "ALEXA_PRESENTATION_APL"]
