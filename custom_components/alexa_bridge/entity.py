"""Base entities: the bridge's own device, and one device per Echo behind it."""

from __future__ import annotations

from typing import Any

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import EchoStatus
from .const import CONF_ADDON_SLUG, DOMAIN
from .coordinator import AlexaBridgeCoordinator
from .panel import panel_link

# Home Assistant 2026 links a device to its hub by the hub's registry id (`via_device_id`);
# older releases only know the hub's identifier (`via_device`, removed in 2027.8).
VIA_DEVICE_ID = "via_device_id" in DeviceInfo.__annotations__


def bridge_device_info(coordinator: AlexaBridgeCoordinator) -> DeviceInfo:
    """Return the bridge's own device, as its entities and the setup register it."""
    slug = coordinator.config_entry.data.get(CONF_ADDON_SLUG)
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.data["instance_id"])},
        name="Alexa Bridge",
        manufacturer="Alexa Bridge",
        model="Music Assistant bridge for Amazon Echo",
        sw_version=coordinator.data["version"],
        configuration_url=panel_link(slug) if slug else None,
    )


class AlexaBridgeEntity(CoordinatorEntity[AlexaBridgeCoordinator]):
    """An entity of the bridge device, named by its translation key."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: AlexaBridgeCoordinator, key: str) -> None:
        """Name the entity after its key and attach it to the bridge device."""
        super().__init__(coordinator)
        self._attr_translation_key = key
        self._attr_unique_id = f"{coordinator.data['instance_id']}_{key}"
        self._attr_device_info = bridge_device_info(coordinator)


class EchoEntity(CoordinatorEntity[AlexaBridgeCoordinator]):
    """An entity of one Echo, found by its serial in each status document."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: AlexaBridgeCoordinator, echo: EchoStatus, key: str) -> None:
        """Attach the entity to the Echo's device, linked to the bridge."""
        super().__init__(coordinator)
        self.serial = echo["serial"]
        self._attr_translation_key = key
        self._attr_unique_id = f"{self.serial}_{key}"
        via: dict[str, Any] = (
            {"via_device_id": coordinator.bridge_device_id}
            if VIA_DEVICE_ID
            else {"via_device": (DOMAIN, coordinator.data["instance_id"])}
        )
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, self.serial)},
            name=echo["name"],
            manufacturer="Amazon",
            model=echo["family"],
            **via,  # type: ignore[typeddict-item]
        )

    @property
    def echo(self) -> EchoStatus | None:
        """Return this Echo's entry in the latest status, if it is still on the account."""
        return next((e for e in self.coordinator.data["echos"] if e["serial"] == self.serial), None)

    @property
    def available(self) -> bool:
        """Return whether the bridge answers and still lists this Echo."""
        return super().available and self.echo is not None
