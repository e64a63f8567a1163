"""Each route lives on its own listener; the panel answers only its allowed peer."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from .conftest import BridgeFactory
from .harness import RunningBridge

MA_ROUTES = [
    ("POST", "/ma/push-url"),
    ("GET", "/ma/latest-url"),
    ("POST", "/ma/control"),
    ("GET", "/alexa/intents"),
]
PUBLIC_ROUTES = [
    ("POST", "/alexa/skill"),
    ("GET", "/stream/AAAAAAAAAAAAAAAAAAAAAA.mp3"),
    ("GET", "/image/AAAAAAAAAAAAAAAAAAAAAA"),
]


@pytest.mark.parametrize(("method", "path"), MA_ROUTES)
async def test_ma_routes_not_public(bridge: RunningBridge, method: str, path: str) -> None:
    """The internet-facing listener never serves the MA API (nor the panel)."""
    for base in (bridge.public, bridge.panel):
        async with bridge.client.request(method, f"{base}{path}", json={}) as resp:
            assert resp.status in (404, 405), (base, path)


@pytest.mark.parametrize(("method", "path"), PUBLIC_ROUTES)
async def test_public_routes_only_public(bridge: RunningBridge, method: str, path: str) -> None:
    """The skill endpoint and relay are not reachable through the MA or panel port."""
    for base in (bridge.ma, bridge.panel):
        async with bridge.client.request(method, f"{base}{path}") as resp:
            assert resp.status in (404, 405), (base, path)


async def test_panel_not_on_other_listeners(bridge: RunningBridge) -> None:
    """The panel page exists on the ingress port only."""
    async with bridge.client.get(f"{bridge.panel}/") as resp:
        assert resp.status == 200
        assert "Alexa Bridge" in await resp.text()
    for base in (bridge.ma, bridge.public):
        async with bridge.client.get(f"{base}/") as resp:
            assert resp.status == 404


def _bindable(address: str) -> bool:
    """Return whether this host can use `address` as a source address."""
    try:
        with socket.socket() as sock:
            sock.bind((address, 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _bindable("127.0.0.2"), reason="127.0.0.2 is not usable here")
async def test_panel_refuses_other_peers(bridge: RunningBridge) -> None:
    """A peer other than 127.0.0.1 gets 403 from the panel, whatever its headers say."""
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector) as other:
        headers = {"X-Forwarded-For": "127.0.0.1", "X-Ingress-Path": "/api/hassio_ingress/x"}
        async with other.get(f"{bridge.panel}/", headers=headers) as resp:
            assert resp.status == 403
            assert resp.content_type == "text/html"
            page = await resp.text()
            assert "only serves the Home Assistant panel" in page
            assert bridge.core.csrf.token not in page


async def test_supervised_panel_only_for_supervisor(
    bridge_factory: BridgeFactory, client: aiohttp.ClientSession
) -> None:
    """Under the Supervisor only 172.30.32.2 may use the panel; loopback is refused."""
    bridge = await bridge_factory(supervised=True)
    assert bridge.core.supervised
    async with client.get(f"{bridge.panel}/") as resp:
        assert resp.status == 403
