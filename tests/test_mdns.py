"""mDNS: a zeroconf browser on loopback sees the bridge's announcement, its TXT, its goodbye."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import logging
import socket

import pytest
from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from alexa_bridge.announce import mdns
from alexa_bridge.const import MDNS_SERVICE_TYPE, VERSION

from .conftest import BridgeFactory
from .fakes import alexa
from .harness import stop_bridge

# A loopback address that is not 127.0.0.1, so the bridge treats its MA API as reachable
# from elsewhere and announces it, while no packet leaves this machine.
ANNOUNCE_HOST = "127.0.0.2"
CREDENTIALS = {"ma_api_host": ANNOUNCE_HOST, "api_username": "ma", "api_password": "pw"}


class Browser:
    """Browse for the bridge's service type on the announce address and record changes."""

    def __init__(self) -> None:
        """Prepare the event queue."""
        self.zc = AsyncZeroconf(interfaces=[ANNOUNCE_HOST], ip_version=IPVersion.V4Only)
        self.events: asyncio.Queue[tuple[str, ServiceStateChange]] = asyncio.Queue()
        self._browser: AsyncServiceBrowser | None = None

    def _on_change(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        """Queue one change."""
        del zeroconf, service_type
        self.events.put_nowait((name, state_change))

    async def start(self, service_type: str = MDNS_SERVICE_TYPE) -> None:
        """Start browsing."""
        self._browser = AsyncServiceBrowser(self.zc.zeroconf, service_type, [self._on_change])

    async def next(self, change: ServiceStateChange) -> str:
        """Return the name of the next change of that kind (callers bound the wait)."""
        while True:
            name, seen = await self.events.get()
            if seen is change:
                return name

    async def resolve(self, name: str) -> AsyncServiceInfo:
        """Ask for the service's SRV, TXT and address records."""
        info = AsyncServiceInfo(MDNS_SERVICE_TYPE, name)
        assert await info.async_request(self.zc.zeroconf, 3000)
        return info

    async def close(self) -> None:
        """Stop browsing."""
        if self._browser is not None:
            await self._browser.async_cancel()
        await self.zc.async_close()


async def _multicast_works() -> str | None:
    """Return why multicast on loopback is unusable here, or None when it works."""
    probe_type = "_ab-probe._tcp.local."
    try:
        server = AsyncZeroconf(interfaces=[ANNOUNCE_HOST], ip_version=IPVersion.V4Only)
    except OSError as err:
        return f"cannot open a multicast socket on {ANNOUNCE_HOST}: {err}"
    browser = Browser()
    try:
        info = AsyncServiceInfo(
            probe_type, f"probe.{probe_type}", port=9, addresses=[socket.inet_aton(ANNOUNCE_HOST)]
        )
        await server.async_register_service(info)
        await browser.start(probe_type)
        try:
            async with asyncio.timeout(3):
                await browser.next(ServiceStateChange.Added)
        except TimeoutError:
            return f"multicast on {ANNOUNCE_HOST} is not delivered in this sandbox"
        return None
    finally:
        await browser.close()
        await server.async_close()


@pytest.fixture(name="browser")
async def browser_fixture() -> AsyncIterator[Browser]:
    """Return a running browser, or skip saying why multicast is unavailable."""
    if (reason := await _multicast_works()) is not None:
        pytest.skip(reason)
    browser = Browser()
    await browser.start()
    yield browser
    await browser.close()


async def test_browser_sees_the_announcement(browser: Browser, bridge_factory: BridgeFactory):
    """The MA API port, address and TXT (version, api_path, skill) are announced."""
    bridge = await bridge_factory(**CREDENTIALS)
    async with asyncio.timeout(5):
        name = await browser.next(ServiceStateChange.Added)
    assert name == bridge.core.mdns.service_name
    info = await browser.resolve(name)
    assert info.port == bridge.bridge.listeners.port("ma")
    assert info.parsed_addresses() == [ANNOUNCE_HOST]
    assert info.decoded_properties == {"version": VERSION, "api_path": "/", "skill": "yes"}


async def test_refresh_updates_txt_and_stop_withdraws(
    browser: Browser, bridge_factory: BridgeFactory
):
    """Provisioning flips `skill` to yes; stopping sends a goodbye the browser sees."""
    bridge = await bridge_factory(skill_id="", **CREDENTIALS)
    async with asyncio.timeout(5):
        name = await browser.next(ServiceStateChange.Added)
    assert (await browser.resolve(name)).decoded_properties["skill"] == "no"
    await bridge.core.settings.set_skill_id(alexa.TEST_SKILL_ID)
    await bridge.core.refresh_announcements()
    async with asyncio.timeout(5):
        assert await browser.next(ServiceStateChange.Updated) == name
    assert (await browser.resolve(name)).decoded_properties["skill"] == "yes"
    await stop_bridge(bridge)
    async with asyncio.timeout(5):
        assert await browser.next(ServiceStateChange.Removed) == name


async def test_loopback_only_api_is_not_announced(bridge_factory: BridgeFactory):
    """The default MA API (this host only) is not announced: nobody elsewhere could use it."""
    bridge = await bridge_factory()
    await bridge.core.refresh_announcements()
    assert bridge.core.mdns.service_name is None
    assert bridge.core.mdns._zeroconf is None


async def test_no_multicast_keeps_the_bridge_running(
    bridge_factory: BridgeFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
):
    """When zeroconf cannot open its sockets the bridge logs once and serves on."""

    def no_multicast(**_kwargs: object) -> AsyncZeroconf:
        """Fail as zeroconf does on a host without a multicast route."""
        raise OSError(19, "No such device")

    monkeypatch.setattr(mdns, "AsyncZeroconf", no_multicast)
    bridge = await bridge_factory(**CREDENTIALS)
    await bridge.core.refresh_announcements()
    async with bridge.client.get(f"{bridge.public}/health") as resp:
        assert resp.status == 200
    assert bridge.core.mdns.service_name is None
    warnings = [
        r
        for r in caplog.records
        if r.name == "alexa_bridge.announce.mdns" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 1
    assert "mDNS is not available" in warnings[0].message
