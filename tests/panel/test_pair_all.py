"""Pair all Echos: one test play per unpaired Echo, one after the other, each then paired."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import json
from pathlib import Path

import pytest

from ..fakes import alexa
from ..fakes.amazon import HOSTS as AMAZON_HOSTS, FakeAmazon
from ..fakes.ingress import FakeIngress
from ..fakes.pki import TestPKI
from ..harness import RunningBridge
from .conftest import parse

# Alexa's per-skill ids of the two Echos that can play (the fake account's devices).
SKILL_DEVICES = {
    "Kitchen Echo": "amzn1.ask.device.KITCHENECHO",
    "Living Room": "amzn1.ask.device.LIVINGROOM",
}


@pytest.fixture(name="amazon")
async def amazon_fixture(
    pki: TestPKI, tmp_path: Path, bridge: RunningBridge
) -> AsyncIterator[FakeAmazon]:
    """Run the fake Amazon, point the bridge at it and sign in."""
    fake = FakeAmazon(pki)
    await fake.start(tmp_path)
    for host in AMAZON_HOSTS:
        bridge.cert_host.mapping[(host, 443)] = ("127.0.0.1", fake.port)
    url = await bridge.core.amazon.start_enrollment("amazon.com")
    await bridge.core.amazon.finish_enrollment(fake.sign_in(url))
    yield fake
    await fake.close()


def _spoken_to(amazon: FakeAmazon) -> list[str]:
    """Return the Echos (serials) Amazon was asked to speak to, in order."""
    serials = []
    for call in amazon.calls("/api/behaviors/preview"):
        payload = json.loads(call.json()["sequenceJson"])["startNode"]["operationPayload"]
        serials.append(payload["deviceSerialNumber"])
    return serials


async def test_pair_all_pairs_each_echo_in_turn(
    bridge: RunningBridge, ingress: FakeIngress, amazon: FakeAmazon
) -> None:
    """Each unpaired Echo says the phrase in turn; each Launch then pairs the Echo it came from."""
    async with bridge.client.get(f"{ingress.url}devices") as resp:
        html = await resp.text()
    assert "Pair all Echos" in html
    token = parse(html).csrf
    assert token is not None
    async with bridge.client.post(
        f"{ingress.url}devices", data={"action": "pair_all", "csrf": token}, allow_redirects=False
    ) as resp:
        assert resp.status == 303
    devices = {d.serial: d.name for d in await bridge.core.amazon.devices()}
    for turn in range(len(SKILL_DEVICES)):
        # The next Echo is asked only once the one before answered.
        async with asyncio.timeout(5):
            while len(_spoken_to(amazon)) <= turn:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert len(_spoken_to(amazon)) == turn + 1
        name = devices[_spoken_to(amazon)[turn]]
        status, _ = await bridge.skill(alexa.launch(device_id=SKILL_DEVICES[name]))
        assert status == 200
    assert bridge.core.slots.devices == {device: name for name, device in SKILL_DEVICES.items()}
    await asyncio.sleep(0.6)
    assert len(_spoken_to(amazon)) == len(SKILL_DEVICES)
