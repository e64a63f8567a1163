"""Panel fixtures: the bridge behind a fake ingress, and an HTML link collector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
import re

import pytest

from ..conftest import BridgeFactory
from ..fakes.ingress import FakeIngress
from ..fakes.pki import TestPKI
from ..harness import RunningBridge, start_public_front

URL_ATTRIBUTES = {"href", "src", "action"}


class LinkCollector(HTMLParser):
    """Collect every URL an HTML page points at (links, scripts, forms)."""

    def __init__(self) -> None:
        """Start empty."""
        super().__init__()
        self.urls: list[str] = []
        self.csrf: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record URL attributes and the page's CSRF token."""
        values = dict(attrs)
        self.urls += [value for name, value in attrs if name in URL_ATTRIBUTES and value]
        if tag == "meta" and values.get("name") == "csrf-token":
            self.csrf = values.get("content")


def parse(html: str) -> LinkCollector:
    """Parse a page."""
    collector = LinkCollector()
    collector.feed(html)
    return collector


def is_relative(url: str) -> bool:
    """Return whether a URL stays under the page's own prefix."""
    return not re.match(r"^([a-z][a-z0-9+.-]*:|/)", url, re.IGNORECASE)


@pytest.fixture(name="panel_bridge")
async def panel_bridge_fixture(
    bridge_factory: BridgeFactory, pki: TestPKI, tmp_path: Path
) -> AsyncIterator[tuple[RunningBridge, FakeIngress]]:
    """Run a bridge without a public address, behind ingress, with a TLS front ready."""
    bridge = await bridge_factory(public_url=None)
    front = await start_public_front(bridge, pki, tmp_path)
    ingress = FakeIngress(bridge.panel)
    await ingress.start()
    yield bridge, ingress
    await ingress.close()
    await front.close()


@pytest.fixture(name="ingress")
async def ingress_fixture(bridge: RunningBridge) -> AsyncIterator[FakeIngress]:
    """Put the bridge's panel behind a fake ingress prefix."""
    proxy = FakeIngress(bridge.panel)
    await proxy.start()
    yield proxy
    await proxy.close()
