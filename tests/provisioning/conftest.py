"""Provisioning fixtures: a fake SMAPI/LWA over TLS and a bridge pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from alexa_bridge.smapi import SkillProvisioning

from ..conftest import BridgeFactory
from ..fakes.cert_host import FakeCertHost
from ..fakes.pki import TestPKI
from ..fakes.public_front import PUBLIC_HOST
from ..fakes.smapi import CLIENT_ID, CLIENT_SECRET, FakeSmapi
from ..harness import RunningBridge, start_public_front

PUBLIC_URL = f"https://{PUBLIC_HOST}"


@pytest.fixture(name="requests_trust", autouse=True)
def requests_trust_fixture(trust_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Let requests (inside ask-smapi-sdk) trust the test CA, as REQUESTS_CA_BUNDLE does."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(trust_root))


@pytest.fixture(name="smapi")
async def smapi_fixture(
    pki: TestPKI, cert_host: FakeCertHost, tmp_path: Path
) -> AsyncIterator[FakeSmapi]:
    """Run the fake SMAPI; its simulations sign with a chain the bridge trusts."""
    leaf = pki.alexa
    cert_url = cert_host.publish_leaf("echo-api-simulator.pem", leaf)
    fake = FakeSmapi(pki, leaf=leaf, cert_url=cert_url)
    fake.mapping = cert_host.mapping  # the public host name reaches the TLS front
    await fake.start(tmp_path)
    yield fake
    await fake.close()


@dataclass
class Dev:
    """A bridge pointed at the fake SMAPI, with the sleeps it asked for."""

    bridge: RunningBridge
    smapi: FakeSmapi
    sleeps: list[float] = field(default_factory=list)

    @property
    def prov(self) -> SkillProvisioning:
        """Return the bridge's provisioning component."""
        return self.bridge.core.provisioning

    async def authorize(self) -> None:
        """Save the client and authorize by pasting the address Amazon returned to."""
        await self.prov.save_client(CLIENT_ID, CLIENT_SECRET)
        pending = self.prov.start_authorization(via_callback=False)
        await self.prov.finish_pasted(self.smapi.approve(pending.consent_url))

    async def provision(self) -> object:
        """Run provisioning to the end (as the panel's background task does)."""
        client = self.prov.client()
        assert client is not None
        return await self.prov.provision(client, self.prov.choices())


@pytest.fixture(name="dev")
async def dev_fixture(
    bridge_factory: BridgeFactory, smapi: FakeSmapi, pki: TestPKI, tmp_path: Path
) -> AsyncIterator[Dev]:
    """Start a bridge with no skill id, its public address behind a TLS front."""
    bridge = await bridge_factory(
        skill_id=None, public_url=None, smapi_url=smapi.url, lwa_url=smapi.url
    )
    front = await start_public_front(bridge, pki, tmp_path)
    await bridge.core.settings.set_public_url(PUBLIC_URL)
    dev = Dev(bridge, smapi)

    async def sleep(seconds: float) -> None:
        """Record the wait instead of waiting."""
        dev.sleeps.append(seconds)
        await asyncio.sleep(0)

    bridge.core.provisioning.sleep = sleep
    yield dev
    await front.close()
