"""The diagnostics download is redacted."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.alexa_bridge.diagnostics import async_get_config_entry_diagnostics

from .conftest import FakeBridge


async def test_diagnostics_are_redacted(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, fake_bridge: FakeBridge
) -> None:
    """Addresses, ids, serials and Amazon's message never appear in the download."""
    data = await async_get_config_entry_diagnostics(hass, loaded_entry)
    text = json.dumps(data)
    for secret in (
        fake_bridge.url,
        fake_bridge.status["instance_id"],
        "G090LF1234567890",
        "amzn1.ask.device.KITCHEN1",
        "bridge.example.com",
        "amazon.com",
    ):
        assert secret not in text
    assert data["status"]["skill"]["state"] == "configured"
    assert data["status"]["repairs"]["public_address_unreachable"] is True
    assert data["entry"]["data"]["url"] == "**REDACTED**"
