"""Alexa Bridge: Music Assistant on Amazon Echo devices, seen from Home Assistant."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME, Platform
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import BridgeClient
from .const import DOMAIN
from .coordinator import AlexaBridgeConfigEntry, AlexaBridgeCoordinator
from .entity import bridge_device_info
from .views import async_register_views

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, _config: ConfigType) -> bool:
    """Register the forwarding views once; they serve whichever bridge is loaded."""
    async_register_views(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: AlexaBridgeConfigEntry) -> bool:
    """Connect to the bridge, fetch its first status and set up the entities."""
    client = BridgeClient(
        async_get_clientsession(hass),
        entry.data[CONF_URL],
        entry.data.get(CONF_USERNAME),
        entry.data.get(CONF_PASSWORD),
    )
    coordinator = AlexaBridgeCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    # The bridge's device first, so each Echo's device can name it as the hub it is behind.
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **bridge_device_info(coordinator)
    )
    coordinator.bridge_device_id = device.id
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    entry.async_on_unload(entry.add_update_listener(_async_options_updated))
    return True


async def _async_options_updated(hass: HomeAssistant, entry: AlexaBridgeConfigEntry) -> None:
    """Reload the entry so a changed option takes effect."""
    await hass.config_entries.async_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: AlexaBridgeConfigEntry) -> bool:
    """Unload the entities and withdraw this bridge's Repairs issues."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        entry.runtime_data.delete_issues()
    return bool(unloaded)
