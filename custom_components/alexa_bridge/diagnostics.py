"""Diagnostics download: the entry and the bridge's status, with identifying values redacted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME

from .const import CONF_PUBLIC_LISTENER

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import AlexaBridgeConfigEntry

TO_REDACT = {
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_URL,
    CONF_PUBLIC_LISTENER,
    "instance_id",
    "url",
    "external_url",
    "public_url",
    "serial",
    "device_id",
    "domain",
    "message",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant,  # noqa: ARG001 - the platform signature
    entry: AlexaBridgeConfigEntry,
) -> dict[str, Any]:
    """Return the entry's settings and the last status, redacted."""
    coordinator = entry.runtime_data
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": async_redact_data(dict(entry.options), TO_REDACT),
        },
        "last_update_success": coordinator.last_update_success,
        "status": async_redact_data(dict(coordinator.data), TO_REDACT),
    }
