"""Base entities: the bridge's own device, and one device per Echo behind it."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import EchoStatus
from .const import CONF_ADDON_SLUG, DOMAIN
from .coordinator import AlexaBridgeCoordinator


class AlexaBridgeEntity(CoordinatorEntity[AlexaBridgeCoordinator]):
    """An entity of the bridge device, named by its translation key."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: AlexaBridgeCoordinator, key: str) -> None:
        """Name the entity after its key and attach it to the bridge device."""
        super().__init__(coordinator)
        instance = coordinator.data["instance_id"]
        slug = coordinator.config_entry.data.get(CONF_ADDON_SLUG)
        self._attr_translation_key = key
        self._attr_unique_id = f"{instance}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, instance)},
            name="Alexa Bridge",
            manufacturer="Alexa Bridge",
            model="Music Assistant bridge for Amazon Echo",
            sw_version=coordinator.data["version"],
            configuration_url=f"homeassistant://hassio/ingress/{slug}" if slug else None,
        )


class EchoEntity(CoordinatorEntity[AlexaBridgeCoordinator]):
    """An entity of one Echo, found by its serial in each status document."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: AlexaBridgeCoordinator, echo: EchoStatus, key: str) -> None:
        """Attach the entity to the Echo's device, linked to the bridge."""
        super().__init__(coordinator)
        self.serial = echo["serial"]
        self._attr_translation_key = key
        self._attr_unique_id = f"{self.serial}_{key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, self.serial)},
            name=echo["name"],
            manufacturer="Amazon",
            model=echo["family"],
            via_device=(DOMAIN, coordinator.data["instance_id"]),
        )

    @property
    def echo(self) -> EchoStatus | None:
        """Return this Echo's entry in the latest status, if it is still on the account."""
        return next((e for e in self.coordinator.data["echos"] if e["serial"] == self.serial), None)

    @property
    def available(self) -> bool:
        """Return whether the bridge answers and still lists this Echo."""
        return super().available and self.echo is not None
