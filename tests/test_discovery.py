"""Supervisor discovery from a running bridge, against a fake Supervisor on a real socket."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from alexa_bridge.announce.supervisor import SupervisorDiscovery
from alexa_bridge.config.options import validate_options
from alexa_bridge.const import VERSION
from alexa_bridge.core import BridgeCore

from .conftest import BridgeFactory
from .fakes import alexa
from .fakes.supervisor import TOKEN, FakeSupervisor
from .harness import RunningBridge, bridge_options, stop_bridge

LOGGER = "alexa_bridge.announce.supervisor"


async def _posted(fake: FakeSupervisor) -> None:
    """Wait for the next accepted discovery message."""
    await asyncio.wait_for(fake.posted.wait(), 5)
    fake.posted.clear()


async def _uuid(discovery: SupervisorDiscovery) -> str | None:
    """Return the uuid the bridge keeps, once it has read the Supervisor's answer."""
    for _ in range(250):
        if discovery.uuid is not None:
            break
        await asyncio.sleep(0.02)  # the fake signals before its answer reaches the bridge
    return discovery.uuid


def _posts(fake: FakeSupervisor) -> int:
    """Count the discovery POSTs the fake received."""
    return fake.requests.count(("POST", "/discovery"))


async def _healthy(bridge: RunningBridge) -> bool:
    """Return whether the public listener still answers /health."""
    async with bridge.client.get(f"{bridge.public}/health") as resp:
        return resp.status == 200


async def test_bridge_posts_where_the_ma_api_is(
    supervisor: FakeSupervisor, bridge_factory: BridgeFactory
):
    """Once the listeners are up, the message carries the id, host, port, version and skill."""
    bridge = await bridge_factory(supervised=True)
    await _posted(supervisor)
    (message,) = supervisor.messages.values()
    assert message.service == "alexa_bridge"
    assert message.config == {
        "instance_id": bridge.core.settings.instance_id,
        "host": "127.0.0.1",
        "port": bridge.bridge.listeners.port("ma"),
        "version": VERSION,
        "skill_provisioned": True,
    }
    discovery = bridge.core.discovery
    assert await _uuid(discovery) == message.uuid
    assert discovery.addon is not None
    assert discovery.addon.ingress_entry == supervisor.addon_info()["ingress_entry"]


async def test_refresh_reposts_only_what_changed(
    supervisor: FakeSupervisor, bridge_factory: BridgeFactory
):
    """Provisioning a skill re-posts with the same uuid; an unchanged state posts nothing."""
    bridge = await bridge_factory(supervised=True, skill_id="")
    await _posted(supervisor)
    (message,) = supervisor.messages.values()
    assert message.config["skill_provisioned"] is False
    await bridge.core.refresh_announcements()
    assert _posts(supervisor) == 1
    await bridge.core.settings.set_skill_id(alexa.TEST_SKILL_ID)
    await bridge.core.refresh_announcements()
    assert _posts(supervisor) == 2
    assert list(supervisor.messages) == [message.uuid]
    assert message.config["skill_provisioned"] is True


async def test_change_during_the_first_post_is_posted_too(
    supervisor: FakeSupervisor, bridge_factory: BridgeFactory
):
    """A skill provisioned while the first message is in flight still reaches the Supervisor."""
    supervisor.delay = 0.2
    bridge = await bridge_factory(supervised=True, skill_id="")
    await asyncio.wait_for(supervisor.arrived.wait(), 5)  # the first POST is being answered
    await bridge.core.settings.set_skill_id(alexa.TEST_SKILL_ID)
    await bridge.core.refresh_announcements()
    await _posted(supervisor)
    (message,) = supervisor.messages.values()
    assert message.config["skill_provisioned"] is False
    await _posted(supervisor)
    assert message.config["skill_provisioned"] is True


async def test_stop_leaves_the_message_to_the_supervisor(
    supervisor: FakeSupervisor, bridge_factory: BridgeFactory
):
    """A restart must not make Home Assistant withdraw and re-offer the integration."""
    bridge = await bridge_factory(supervised=True)
    await _posted(supervisor)
    await stop_bridge(bridge)
    assert ("DELETE", f"/discovery/{bridge.core.discovery.uuid}") not in supervisor.requests
    assert len(supervisor.messages) == 1


async def test_unlisted_service_is_logged_once_and_the_bridge_runs(
    bridge_factory: BridgeFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
):
    """A 403 (service not in `discovery:`) is reported once, never retried, never fatal."""
    fake = FakeSupervisor(discovery=())
    await fake.start()
    monkeypatch.setenv("SUPERVISOR_API", fake.url)
    monkeypatch.setenv("SUPERVISOR_TOKEN", TOKEN)
    try:
        bridge = await bridge_factory(supervised=True, skill_id="")
        for _ in range(100):
            if _posts(fake):
                break
            await asyncio.sleep(0.02)
        await bridge.core.settings.set_skill_id(alexa.TEST_SKILL_ID)
        await bridge.core.refresh_announcements()
        assert _posts(fake) == 1
        assert fake.messages == {}
        assert await _healthy(bridge)
        refusals = [r for r in caplog.records if r.name == LOGGER and "refused" in r.message]
        assert len(refusals) == 1
        assert "must list services" in refusals[0].message
    finally:
        await fake.close()


async def test_unreachable_supervisor_is_retried_and_logged_once(
    bridge_factory: BridgeFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    unused_tcp_port: int,
):
    """A Supervisor that is not up yet is retried in the background, with one warning."""
    caplog.set_level(logging.INFO, logger=LOGGER)
    monkeypatch.delenv("SUPERVISOR_TOKEN", raising=False)
    bridge = await bridge_factory(supervised=True)
    assert bridge.core.discovery.uuid is None  # no token, so the bridge's own one stays idle
    caplog.clear()
    monkeypatch.setenv("SUPERVISOR_API", f"http://127.0.0.1:{unused_tcp_port}")
    monkeypatch.setenv("SUPERVISOR_TOKEN", TOKEN)
    discovery = SupervisorDiscovery(bridge.core, retry_min=0.02)
    await discovery.setup(4321)
    fake = FakeSupervisor()
    try:
        await asyncio.sleep(0.3)  # several failed attempts
        assert await _healthy(bridge)
        warnings = [r for r in caplog.records if r.name == LOGGER and r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "Cannot send the discovery message" in warnings[0].message
        await fake.start(port=unused_tcp_port)
        await _posted(fake)
        (message,) = fake.messages.values()
        assert message.config["port"] == 4321
        assert await _uuid(discovery) == message.uuid
        assert any("answers again" in r.message for r in caplog.records if r.name == LOGGER)
    finally:
        await discovery.close()
        await fake.close()


async def test_standalone_bridge_sends_nothing(
    supervisor: FakeSupervisor, bridge_factory: BridgeFactory
):
    """Outside the Supervisor there is no discovery, even with the variables set."""
    bridge = await bridge_factory()
    await bridge.core.refresh_announcements()
    await asyncio.sleep(0.1)
    assert supervisor.requests == []
    assert bridge.core.discovery.uuid is None


async def test_all_interfaces_bind_announces_the_addon_host_name(
    supervisor: FakeSupervisor, tmp_path: Path
):
    """An MA API on 0.0.0.0 is announced under the host name /addons/self/info gives."""
    options = validate_options(
        bridge_options(ma_api_host="0.0.0.0", api_username="ma", api_password="pw")
    )
    core = BridgeCore(options, tmp_path / "data", supervised=True)
    await core.setup()
    discovery = SupervisorDiscovery(core)
    try:
        await discovery.setup(5000)
        await _posted(supervisor)
        (message,) = supervisor.messages.values()
        assert message.config["host"] == supervisor.addon_info()["hostname"]
        assert message.config["port"] == 5000
    finally:
        await discovery.close()
        await core.close()


async def test_panel_listens_on_the_ingress_port_the_supervisor_chose(
    supervisor: FakeSupervisor, bridge_factory: BridgeFactory
):
    """With `ingress_port: 0` the Supervisor picks the port; the panel must be found there."""
    bridge = await bridge_factory(supervised=True)
    assert bridge.bridge.listeners.port("panel") == supervisor.ingress_port
    # The panel answers there, refusing this loopback peer as it refuses all but 172.30.32.2.
    async with bridge.client.get(f"http://127.0.0.1:{supervisor.ingress_port}/") as resp:
        assert resp.status == 403
        assert resp.content_type == "text/html"  # the panel never answers with a JSON page
