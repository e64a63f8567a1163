"""The end-to-end self-test: Alexa's simulated request reaches the bridge, signed."""

from __future__ import annotations

import asyncio

from alexa_bridge.panel.wizard import StepId, StepState, checklist

from .conftest import Dev


async def _provisioned(dev: Dev) -> str:
    """Authorize and provision; return the skill id."""
    await dev.authorize()
    await dev.provision()
    skill_id = dev.bridge.core.skill_id
    assert skill_id
    return skill_id


async def test_self_test_success(dev: Dev) -> None:
    """The simulation's request arrives through the public address, is verified and answered."""
    skill_id = await _provisioned(dev)
    client = dev.prov.client()
    assert client is not None
    result = await dev.prov.run_self_test(client, skill_id, "en-US")
    assert result.ok, result
    assert result.received
    assert result.verified
    assert result.phrase == "ask music assistant to play audio"
    speech = dev.bridge.core.locales.get("en-US").speech["nothing_pushed"]
    assert result.reply == speech
    assert result.skill_answer == "speech"
    steps = {step.id: step.state for step in checklist(dev.bridge.core, None).steps}
    assert steps[StepId.SKILL] == StepState.DONE
    async with dev.bridge.client.get(f"{dev.bridge.panel}/setup") as resp:
        page = await resp.text()
    assert "the request was verified" in page
    assert speech in page


async def test_self_test_when_alexa_cannot_reach_the_endpoint(dev: Dev) -> None:
    """A simulation that cannot reach the bridge fails with Amazon's message."""
    skill_id = await _provisioned(dev)
    skill = dev.smapi.skills[skill_id]
    skill.manifest["apis"]["custom"]["endpoint"]["uri"] = "https://127.0.0.1:1/alexa/skill"
    client = dev.prov.client()
    assert client is not None
    result = await dev.prov.run_self_test(client, skill_id, "en-US")
    assert not result.ok
    assert not result.received
    assert "answered HTTP 0" in (result.message or "")
    steps = {step.id: step.state for step in checklist(dev.bridge.core, None).steps}
    assert steps[StepId.SKILL] == StepState.ERROR


async def test_self_test_waits_while_another_simulation_runs(dev: Dev) -> None:
    """A 409 (a simulation is already running) is waited out, then reported if it persists."""
    skill_id = await _provisioned(dev)
    dev.smapi.simulation_busy = True
    client = dev.prov.client()
    assert client is not None
    result = await dev.prov.run_self_test(client, skill_id, "en-US")
    assert not result.ok
    assert "already in progress" in (result.message or "")
    assert dev.sleeps.count(5.0) == 3


async def test_self_test_from_the_panel_in_the_background(dev: Dev) -> None:
    """The panel's action starts the test as a task; the page then shows the outcome."""
    await _provisioned(dev)
    dev.prov.start_self_test("en-US")
    assert dev.prov.running
    for _ in range(200):
        if not dev.prov.running:
            break
        await asyncio.sleep(0.02)
    assert dev.prov.self_test is not None
    assert dev.prov.self_test["ok"]
