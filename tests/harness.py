"""Run a real bridge on real sockets for tests, and talk to it like MA and Alexa do."""

from __future__ import annotations

from dataclasses import dataclass, field
import json
from pathlib import Path
from typing import Any

import aiohttp

from alexa_bridge.bridge import Bridge
from alexa_bridge.config.options import validate_options
from alexa_bridge.core import BridgeCore
from alexa_bridge.server.tls import RELOAD_INTERVAL

from .fakes import alexa
from .fakes.cert_host import FakeCertHost
from .fakes.pki import Issued, TestPKI
from .fakes.public_front import PUBLIC_HOST, PublicFront

PUBLIC_URL = "https://bridge.example.com"


def bridge_options(**overrides: Any) -> dict[str, Any]:
    """Return options for a bridge on free ports with a known skill id."""
    return {
        "ma_api_port": 0,
        "public_port": 0,
        "panel_port": 0,
        "skill_id": alexa.TEST_SKILL_ID,
        "public_url": PUBLIC_URL,
        **overrides,
    }


@dataclass
class RunningBridge:
    """A started bridge, its URLs, and a plain client to call it with."""

    bridge: Bridge
    client: aiohttp.ClientSession
    cert_host: FakeCertHost
    leaf: Issued
    cert_url: str
    ma: str = field(init=False)
    public: str = field(init=False)
    panel: str = field(init=False)

    def __post_init__(self) -> None:
        """Work out the listener URLs from the bound ports."""
        ports = self.bridge.listeners
        self.ma = f"http://127.0.0.1:{ports.port('ma')}"
        self.public = f"http://127.0.0.1:{ports.port('public')}"
        self.panel = f"http://127.0.0.1:{ports.port('panel')}"

    @property
    def core(self) -> BridgeCore:
        """Return the bridge's core."""
        return self.bridge.core

    async def push(self, payload: dict[str, Any], **kwargs: Any) -> tuple[int, Any]:
        """POST /ma/push-url as Music Assistant does."""
        async with self.client.post(f"{self.ma}/ma/push-url", json=payload, **kwargs) as resp:
            return resp.status, await resp.json()

    async def skill(
        self,
        body: dict[str, Any] | bytes,
        *,
        leaf: Issued | None = None,
        cert_url: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """POST a signed request to the skill endpoint as Alexa does."""
        raw, signed = alexa.sign(body, leaf or self.leaf, cert_url or self.cert_url)
        if headers is not None:
            signed = headers
        async with self.client.post(f"{self.public}/alexa/skill", data=raw, headers=signed) as resp:
            text = await resp.text()
            return resp.status, json.loads(text) if text else None


async def start_bridge(
    data_dir: Path,
    cert_host: FakeCertHost,
    leaf: Issued,
    cert_url: str,
    client: aiohttp.ClientSession,
    *,
    supervised: bool = False,
    tls_reload_interval: float = RELOAD_INTERVAL,
    **options: Any,
) -> RunningBridge:
    """Start a bridge whose outbound session reaches the fake Amazon certificate host."""
    core = BridgeCore(
        validate_options(bridge_options(**options)),
        data_dir,
        supervised=supervised,
        session=cert_host.client_session(),
    )
    bridge = Bridge(core, tls_reload_interval=tls_reload_interval)
    try:
        await bridge.start()
    except BaseException:
        await core.session.close()
        raise
    return RunningBridge(bridge, client, cert_host, leaf, cert_url)


async def start_public_front(bridge: RunningBridge, pki: TestPKI, tmp_dir: Path) -> PublicFront:
    """Put a TLS front for the public host name before the bridge; the bridge reaches it too."""
    front = PublicFront(pki, bridge.public)
    await front.start(tmp_dir)
    bridge.cert_host.mapping[(PUBLIC_HOST, 443)] = ("127.0.0.1", front.port)
    return front


async def stop_bridge(running: RunningBridge) -> None:
    """Stop a bridge and close the session it was given."""
    session = running.core.session
    await running.bridge.stop()
    await session.close()
