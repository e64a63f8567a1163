"""The public-address step offers Home Assistant's address once the integration reported it."""

from __future__ import annotations

from ..conftest import BridgeFactory
from ..fakes.ingress import FakeIngress
from ..harness import RunningBridge
from .conftest import parse

HA_URL = "https://home.example.org"


async def _page(bridge: RunningBridge, ingress: FakeIngress) -> str:
    """Return the setup page."""
    async with bridge.client.get(f"{ingress.url}setup") as resp:
        assert resp.status == 200
        return await resp.text()


async def _report(bridge: RunningBridge, external_url: str | None) -> None:
    """Report Home Assistant's external URL as the integration does."""
    body = {"external_url": external_url, "path_prefix": "/api/alexa_bridge"}
    async with bridge.client.post(f"{bridge.ma}/api/home-assistant", json=body) as resp:
        assert resp.status == 200


async def test_offer_fills_in_home_assistant_address(bridge_factory: BridgeFactory) -> None:
    """Without the integration nothing is offered; with it, one button sets the address."""
    bridge = await bridge_factory(public_url=None)
    bridge.cert_host.mapping[("home.example.org", 443)] = ("127.0.0.1", 9)  # closed port
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    try:
        assert 'id="public-ha"' not in await _page(bridge, ingress)
        await _report(bridge, HA_URL)
        html = await _page(bridge, ingress)
        assert f"{HA_URL}/api/alexa_bridge" in html
        assert 'value="public_home_assistant"' in html
        data = {"action": "public_home_assistant", "csrf": parse(html).csrf or ""}
        async with bridge.client.post(
            f"{ingress.url}setup", data=data, allow_redirects=False
        ) as resp:
            assert resp.status == 303
        assert bridge.core.public_url == f"{HA_URL}/api/alexa_bridge"
        check = bridge.core.public_address.check
        assert check is not None
        assert check.url == f"{HA_URL}/api/alexa_bridge"  # checked at once, as a typed address
        html = await _page(bridge, ingress)
        assert 'id="public-ha-use" disabled' in html
    finally:
        await ingress.close()


async def test_http_external_url_is_explained(bridge_factory: BridgeFactory) -> None:
    """An http:// external URL is not offered; the page says why."""
    bridge = await bridge_factory(public_url=None)
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    try:
        await _report(bridge, "http://homeassistant.local:8123")
        html = await _page(bridge, ingress)
        assert "cannot be used" in html
        assert 'value="public_home_assistant"' not in html
    finally:
        await ingress.close()


async def test_no_offer_when_the_option_sets_the_address(
    bridge: RunningBridge, ingress: FakeIngress
) -> None:
    """The add-on option wins: no offer, and the action is refused."""
    await _report(bridge, HA_URL)
    html = await _page(bridge, ingress)
    assert 'id="public-ha"' not in html
    data = {"action": "public_home_assistant", "csrf": parse(html).csrf or ""}
    async with bridge.client.post(f"{ingress.url}setup", data=data, allow_redirects=False) as resp:
        assert resp.status == 400
    assert bridge.core.settings.public_url is None
