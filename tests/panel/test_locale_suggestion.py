"""Until the user picks skill languages, the panel suggests the one of the person using it."""

from __future__ import annotations

import re

import pytest

from alexa_bridge.const import SKILL_LOCALES
from alexa_bridge.panel.strings import suggest_locale

from ..fakes.ingress import FakeIngress
from ..harness import RunningBridge


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-DE,de;q=0.9", "de-DE"),
        ("de-AT,de;q=0.9", "de-DE"),
        ("en-GB,en;q=0.8", "en-GB"),
        ("fr-CA", "fr-CA"),
        ("fr-BE,fr;q=0.9", "fr-FR"),
        ("ja-JP,en-AU;q=0.5", "en-AU"),
        ("ja-JP", "en-US"),
        ("", "en-US"),
        ("en", "en-US"),
    ],
)
def test_suggestion_prefers_region_then_language(header: str, expected: str) -> None:
    """An exact region wins, then the same language, then the configured locale."""
    assert suggest_locale(header, SKILL_LOCALES, "en-US") == expected


def _checked(html: str) -> list[str]:
    """Return the skill locales ticked on the setup page."""
    return re.findall(r'name="locales" value="([a-zA-Z-]+)" checked', html)


async def test_setup_page_suggests_browser_language(
    bridge: RunningBridge, ingress: FakeIngress
) -> None:
    """A German browser sees de-DE ticked; once languages are saved, the choice stays."""
    headers = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
    async with bridge.client.get(f"{ingress.url}setup", headers=headers) as resp:
        assert _checked(await resp.text()) == ["de-DE"]
    await bridge.core.provisioning.save_choices(["it-IT"], "Trusted")
    async with bridge.client.get(f"{ingress.url}setup", headers=headers) as resp:
        assert _checked(await resp.text()) == ["it-IT"]
