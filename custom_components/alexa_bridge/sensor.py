"""Sensors: skill state, Amazon session, last Alexa request, last MA push, Echo pairing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity, SensorEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .api import EchoStatus, StatusDocument
from .entity import AlexaBridgeEntity, EchoEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddEntitiesCallback

    from .coordinator import AlexaBridgeConfigEntry, AlexaBridgeCoordinator

PARALLEL_UPDATES = 0
SKILL_STATES = ["missing", "configured", "provisioned"]
AMAZON_STATES = ["signed_out", "signing_in", "signed_in", "expired", "error"]
PAIRING_STATES = ["paired", "not_paired"]


def _time(value: str | None) -> datetime | None:
    """Parse an ISO 8601 time from the status document."""
    return dt_util.parse_datetime(value) if value else None


@dataclass(frozen=True, kw_only=True)
class BridgeSensorDescription(SensorEntityDescription):
    """A bridge sensor and how to read it from the status document."""

    value: Callable[[StatusDocument], Any]
    attributes: Callable[[StatusDocument], dict[str, Any]] | None = None


BRIDGE_SENSORS = (
    BridgeSensorDescription(
        key="skill",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.ENUM,
        options=SKILL_STATES,
        value=lambda s: s["skill"]["state"],
    ),
    BridgeSensorDescription(
        key="amazon_session",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.ENUM,
        options=AMAZON_STATES,
        value=lambda s: s["amazon"]["status"],
        attributes=lambda s: {"domain": s["amazon"]["domain"], "message": s["amazon"]["message"]},
    ),
    BridgeSensorDescription(
        key="last_alexa_request",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.TIMESTAMP,
        value=lambda s: _time(s["activity"]["last_alexa_request"]),
    ),
    BridgeSensorDescription(
        key="last_ma_push",
        entity_category=EntityCategory.DIAGNOSTIC,
        device_class=SensorDeviceClass.TIMESTAMP,
        value=lambda s: _time(s["activity"]["last_ma_push"]),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001 - the platform signature
    entry: AlexaBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the bridge's sensors now and a pairing sensor for every Echo as it appears."""
    coordinator = entry.runtime_data
    async_add_entities(BridgeSensor(coordinator, description) for description in BRIDGE_SENSORS)
    known: set[str] = set()

    @callback
    def add_echos() -> None:
        """Add a pairing sensor for each Echo not seen before."""
        echos = [e for e in coordinator.data["echos"] if e["can_play"]]
        # An Echo that left is forgotten (its device is removed), so it is added again on return.
        known.intersection_update(e["serial"] for e in echos)
        new = [e for e in echos if e["serial"] not in known]
        known.update(e["serial"] for e in new)
        async_add_entities(PairingSensor(coordinator, echo) for echo in new)

    add_echos()
    entry.async_on_unload(coordinator.async_add_listener(add_echos))


class BridgeSensor(AlexaBridgeEntity, SensorEntity):
    """A sensor of the bridge read from its status document."""

    entity_description: BridgeSensorDescription

    def __init__(
        self, coordinator: AlexaBridgeCoordinator, description: BridgeSensorDescription
    ) -> None:
        """Keep the description."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> Any:
        """Return the value from the latest status."""
        return self.entity_description.value(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the extra details, where the sensor has them."""
        read = self.entity_description.attributes
        return read(self.coordinator.data) if read else None


class PairingSensor(EchoEntity, SensorEntity):
    """Whether an Echo is paired with a Music Assistant player, and what it plays."""

    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = PAIRING_STATES

    def __init__(self, coordinator: AlexaBridgeCoordinator, echo: EchoStatus) -> None:
        """Attach to the Echo."""
        super().__init__(coordinator, echo, "pairing")

    @property
    def native_value(self) -> str | None:
        """Return paired or not_paired."""
        echo = self.echo
        if echo is None:
            return None
        return "paired" if echo["paired"] else "not_paired"

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return the player id and what Alexa reports it is doing."""
        echo = self.echo
        if echo is None:
            return None
        return {
            "player_id": echo["player_id"],
            "activity": echo["activity"],
            "last_push": echo["last_push"],
        }
