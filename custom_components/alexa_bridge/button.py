"""Buttons: a test play on each Echo."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.button import ButtonEntity
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError

from .api import BridgeError
from .const import DOMAIN
from .entity import EchoEntity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddEntitiesCallback

    from .coordinator import AlexaBridgeConfigEntry

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,  # noqa: ARG001 - the platform signature
    entry: AlexaBridgeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a test play button for every Echo that can play, as it appears."""
    coordinator = entry.runtime_data
    known: set[str] = set()

    @callback
    def add_echos() -> None:
        """Add a button for each Echo not seen before."""
        echos = [e for e in coordinator.data["echos"] if e["can_play"]]
        # An Echo that left is forgotten (its device is removed), so it is added again on return.
        known.intersection_update(e["serial"] for e in echos)
        new = [e for e in echos if e["serial"] not in known]
        known.update(e["serial"] for e in new)
        async_add_entities(TestPlayButton(coordinator, echo, "test_play") for echo in new)

    add_echos()
    entry.async_on_unload(coordinator.async_add_listener(add_echos))


class TestPlayButton(EchoEntity, ButtonEntity):
    """Make the Echo ask the skill to play the bridge's test sound."""

    __test__ = False  # not a pytest class, despite the name
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def _failed(self, reason: str) -> HomeAssistantError:
        """Return the translated error shown when a test play fails."""
        echo = self.echo
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="test_play_failed",
            translation_placeholders={
                "echo": echo["name"] if echo else self.serial,
                "reason": reason,
            },
        )

    async def async_press(self) -> None:
        """Start the test play; its progress shows on the Echo's pairing sensor."""
        try:
            result = await self.coordinator.client.test_play(self.serial)
        except BridgeError as err:
            raise self._failed(str(err)) from err
        if result.get("stage") == "failed":
            raise self._failed(str(result.get("reason") or ""))
        await self.coordinator.async_request_refresh()
