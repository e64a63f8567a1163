"""Fixtures: a fake Amazon over TLS, a core whose session reaches it, and a timed account."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from alexa_bridge.amazon import AmazonAccount
from alexa_bridge.config.options import validate_options
from alexa_bridge.core import BridgeCore

from ..fakes.amazon import FakeAmazon
from ..harness import bridge_options


@dataclass
class FakeClock:
    """A monotonic clock the test moves; `sleep` advances it instead of waiting."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        """Return the current fake time."""
        return self.now

    async def sleep(self, seconds: float) -> None:
        """Record the wait and jump ahead by it."""
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@pytest.fixture(name="core")
async def core_fixture(amazon: FakeAmazon, tmp_path: Path) -> AsyncIterator[BridgeCore]:
    """Set up a real core whose HTTP session resolves Amazon's names to the fake."""
    session = amazon.client_session()
    core = BridgeCore(validate_options(bridge_options()), tmp_path / "data", session=session)
    await core.setup()
    yield core
    await core.close()
    await session.close()


@pytest.fixture(name="clock")
def clock_fixture() -> FakeClock:
    """Return a fake clock."""
    return FakeClock()


@pytest.fixture(name="account")
async def account_fixture(core: BridgeCore, clock: FakeClock) -> AsyncIterator[AmazonAccount]:
    """Set up an account on the fake clock (the core's own one stays idle: no credentials)."""
    account = AmazonAccount(core, clock=clock, sleep=clock.sleep)
    await account.setup()
    yield account
    await account.close()


async def enroll(account: AmazonAccount, amazon: FakeAmazon, domain: str = "amazon.com") -> None:
    """Sign the account in through the secure enrollment, playing the user on Amazon's page."""
    url = await account.start_enrollment(domain)
    await account.finish_enrollment(amazon.sign_in(url))
