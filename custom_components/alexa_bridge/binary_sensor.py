"""Binary sensor: whether the public address was confirmed to reach the bridge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import BinarySensorDeviceClass, BinarySensorEntity
from homeassistant.const import EntityCategory

from .entity import AlexaBridgeEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddEntitiesCallback

    from .coordinator import AlexaBridgeConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001 - the platform signature
    entry: AlexaBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the public address sensor."""
    async_add_entities([PublicAddressSensor(entry.runtime_data, "public_address")])


class PublicAddressSensor(AlexaBridgeEntity, BinarySensorEntity):
    """On when the last check of the current public address reached this bridge."""

    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    @property
    def is_on(self) -> bool | None:
        """Return the last check's outcome (unknown before the first check)."""
        check = self.coordinator.data["public"]["check"]
        return None if check is None else bool(check["ok"])

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return the address and, when the check failed, why."""
        public = self.coordinator.data["public"]
        check = public["check"] or {}
        return {
            "url": public["url"],
            "reason": check.get("reason"),
            "checked_at": check.get("checked_at"),
        }
