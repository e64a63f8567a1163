"""Fixtures: a test PKI, running bridges, and the fakes of Amazon, Music Assistant, Supervisor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .fakes.amazon import FakeAmazon
from .fakes.cert_host import FakeCertHost
from .fakes.ma_websocket import BEDROOM, KITCHEN, FakeMusicAssistant
from .fakes.pki import TestPKI
from .fakes.supervisor import TOKEN as SUPERVISOR_TOKEN, FakeSupervisor
from .harness import RunningBridge, start_bridge, stop_bridge

BridgeFactory = Callable[..., Awaitable[RunningBridge]]


@pytest.fixture(name="pki", scope="session")
def pki_fixture() -> TestPKI:
    """Make the test certificate hierarchy once per run (RSA keys are slow)."""
    return TestPKI.create()


@pytest.fixture(name="trust_root", autouse=True)
def trust_root_fixture(
    pki: TestPKI,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """Make the test root the system's trust anchor, through SSL_CERT_FILE."""
    bundle = tmp_path_factory.mktemp("trust") / "ca.pem"
    bundle.write_bytes(pki.root.pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    return bundle


@pytest.fixture(name="cert_host")
async def cert_host_fixture(pki: TestPKI, tmp_path: Path) -> AsyncIterator[FakeCertHost]:
    """Run the fake s3.amazonaws.com over TLS."""
    host = FakeCertHost(pki)
    await host.start(tmp_path)
    yield host
    await host.close()


@pytest.fixture(name="client")
async def client_fixture() -> AsyncIterator[aiohttp.ClientSession]:
    """Return a plain HTTP client for calling the bridge."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture(name="bridge_factory")
async def bridge_factory_fixture(
    pki: TestPKI,
    cert_host: FakeCertHost,
    client: aiohttp.ClientSession,
    tmp_path: Path,
) -> AsyncIterator[BridgeFactory]:
    """Start bridges on free ports (same data dir unless given); stop them at the end."""
    leaf = pki.alexa
    cert_url = cert_host.publish_leaf("echo-api-cert-12.pem", leaf)
    running: list[RunningBridge] = []

    async def factory(data_dir: Path | None = None, **options: Any) -> RunningBridge:
        """Start one bridge."""
        bridge = await start_bridge(
            data_dir or tmp_path / "data", cert_host, leaf, cert_url, client, **options
        )
        running.append(bridge)
        return bridge

    yield factory
    for bridge in running:
        if bridge.bridge.listeners._listeners:
            await stop_bridge(bridge)


@pytest.fixture(name="bridge")
async def bridge_fixture(bridge_factory: BridgeFactory) -> RunningBridge:
    """Start one bridge with default test options."""
    return await bridge_factory()


@pytest.fixture(name="amazon")
async def amazon_fixture(pki: TestPKI, tmp_path: Path) -> AsyncIterator[FakeAmazon]:
    """Run the fake Amazon over TLS."""
    fake = FakeAmazon(pki)
    await fake.start(tmp_path)
    yield fake
    await fake.close()


@pytest.fixture(name="music_assistant")
async def music_assistant_fixture() -> AsyncIterator[FakeMusicAssistant]:
    """Run a fake Music Assistant (websocket API) with the kitchen and bedroom players playing."""
    fake = FakeMusicAssistant(players={KITCHEN: "playing", BEDROOM: "playing"})
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture(name="supervisor")
async def supervisor_fixture(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSupervisor]:
    """Run the fake Supervisor and point the environment at it, as the Supervisor does."""
    fake = FakeSupervisor()
    await fake.start()
    monkeypatch.setenv("SUPERVISOR_API", fake.url)
    monkeypatch.setenv("SUPERVISOR_TOKEN", SUPERVISOR_TOKEN)
    yield fake
    await fake.close()
