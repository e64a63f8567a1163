"""Entities built from the fake bridge's status (the shared example of the real document)."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_URL,
    MAJOR_VERSION,
    MINOR_VERSION,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.alexa_bridge.const import DOMAIN

from .conftest import ADDON_SLUG, INSTANCE, FakeBridge, device, poll, settle


async def test_bridge_entities(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """The bridge's sensors show the skill, the session and the last request and push."""
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.alexa_bridge_skill").state == "configured"
    session = hass.states.get("sensor.alexa_bridge_amazon_session")
    assert session.state == "signed_in"
    assert session.attributes["domain"] == "amazon.com"
    assert session.attributes["options"] == [
        "signed_out",
        "signing_in",
        "signed_in",
        "expired",
        "error",
    ]
    request = hass.states.get("sensor.alexa_bridge_last_alexa_request")
    assert request.state == "2026-03-01T12:00:00+00:00"
    assert request.attributes["device_class"] == "timestamp"
    assert hass.states.get("sensor.alexa_bridge_last_music_assistant_push").state == (
        "2026-03-01T12:00:00+00:00"
    )
    public = hass.states.get("binary_sensor.alexa_bridge_public_address")
    assert public.state == "off"
    assert public.attributes["reason"] == "the connection failed (refused)"

    entities = er.async_get(hass)
    assert entities.async_get("sensor.alexa_bridge_skill").unique_id == f"{INSTANCE}_skill"
    bridge = device(hass, loaded_entry, INSTANCE)
    assert bridge is not None
    assert bridge.sw_version == "0.1.0"
    # Home Assistant 2026.2 opens add-on panels at /app/<slug>; older releases at
    # /hassio/ingress/<slug>.
    if (MAJOR_VERSION, MINOR_VERSION) >= (2026, 2):
        assert bridge.configuration_url == f"homeassistant://app/{ADDON_SLUG}"
    else:
        assert bridge.configuration_url == f"homeassistant://hassio/ingress/{ADDON_SLUG}"


@pytest.mark.usefixtures("loaded_entry")
async def test_diagnostic_entities_are_categorised(hass: HomeAssistant) -> None:
    """The bridge's own state is diagnostic; an Echo's pairing is its primary entity."""
    entities = er.async_get(hass)
    category = {
        entity_id: entities.async_get(entity_id).entity_category
        for entity_id in (
            "sensor.alexa_bridge_skill",
            "sensor.alexa_bridge_amazon_session",
            "sensor.alexa_bridge_last_alexa_request",
            "sensor.alexa_bridge_last_music_assistant_push",
            "binary_sensor.alexa_bridge_public_address",
            "button.kitchen_echo_test_play",
            "sensor.kitchen_echo_pairing",
        )
    }
    assert category == {
        **dict.fromkeys(list(category)[:-1], EntityCategory.DIAGNOSTIC),
        "sensor.kitchen_echo_pairing": None,
    }


async def test_echo_entities(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """Each Echo that can play gets a pairing sensor and a test play button on its device."""
    kitchen = hass.states.get("sensor.kitchen_echo_pairing")
    assert kitchen.state == "paired"
    assert kitchen.attributes["player_id"] == "Kitchen Echo"
    assert hass.states.get("sensor.living_room_pairing").state == "not_paired"
    assert hass.states.get("button.kitchen_echo_test_play") is not None
    assert hass.states.get("sensor.this_phone_pairing") is None  # cannot play: no entities
    echo = device(hass, loaded_entry, "G090LF1234567890")
    assert echo is not None
    assert echo.manufacturer == "Amazon"
    bridge = device(hass, loaded_entry, INSTANCE)
    assert bridge is not None
    assert echo.via_device_id == bridge.id


async def test_new_echo_and_changed_state_follow_the_status(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, fake_bridge: FakeBridge
) -> None:
    """A poll brings new Echos and states; an Echo gone from the account loses its device."""
    status = fake_bridge.status
    status["amazon"]["status"] = "expired"
    status["public"]["check"] = None
    kitchen, living, _ = status["echos"]
    status["echos"] = [
        living,
        {**kitchen, "serial": "G0NEW", "name": "Bedroom", "paired": False, "player_id": None},
    ]
    await poll(hass)
    assert hass.states.get("sensor.alexa_bridge_amazon_session").state == "expired"
    assert hass.states.get("binary_sensor.alexa_bridge_public_address").state == STATE_UNKNOWN
    assert hass.states.get("sensor.bedroom_pairing").state == "not_paired"
    assert hass.states.get("button.bedroom_test_play") is not None
    # The kitchen Echo left the Amazon account: its device and entities are removed.
    assert device(hass, loaded_entry, kitchen["serial"]) is None
    assert er.async_get(hass).async_get("sensor.kitchen_echo_pairing") is None
    assert hass.states.get("sensor.kitchen_echo_pairing") is None

    # It comes back: its device and entities come back too.
    status["echos"].append(kitchen)
    await poll(hass)
    assert device(hass, loaded_entry, kitchen["serial"]) is not None
    assert hass.states.get("sensor.kitchen_echo_pairing").state == "paired"


async def test_echos_kept_while_amazon_cannot_list_them(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, fake_bridge: FakeBridge
) -> None:
    """When the bridge cannot read the Echo list, no device is taken for gone."""
    fake_bridge.status["echos"] = []
    fake_bridge.status["echos_error"] = "Amazon did not answer"
    await poll(hass)
    assert device(hass, loaded_entry, "G090LF1234567890") is not None


@pytest.mark.usefixtures("loaded_entry")
async def test_test_play_button(hass: HomeAssistant, fake_bridge: FakeBridge) -> None:
    """Pressing an Echo's button asks the bridge for a test play on that serial."""
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.kitchen_echo_test_play"}, blocking=True
    )
    assert fake_bridge.test_plays == ["G090LF1234567890"]


@pytest.mark.usefixtures("loaded_entry")
async def test_failed_test_play_is_a_translated_error(
    hass: HomeAssistant, fake_bridge: FakeBridge
) -> None:
    """A test play the bridge reports as failed shows the user why, in their language."""
    fake_bridge.test_play_stage = ("failed", "the skill is not enabled")
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            "button", "press", {"entity_id": "button.kitchen_echo_test_play"}, blocking=True
        )
    assert raised.value.translation_domain == DOMAIN
    assert raised.value.translation_key == "test_play_failed"
    assert raised.value.translation_placeholders == {
        "echo": "Kitchen Echo",
        "reason": "the skill is not enabled",
    }


@pytest.mark.usefixtures("socket_enabled")
async def test_unreachable_bridge_is_retried(hass: HomeAssistant) -> None:
    """A bridge that does not answer leaves the entry waiting to retry."""
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_URL: "http://127.0.0.1:1"})
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_refused_credentials_start_reauth(
    hass: HomeAssistant, entry: MockConfigEntry, fake_bridge: FakeBridge
) -> None:
    """Credentials the bridge refuses start a re-authentication flow that fixes them."""
    fake_bridge.credentials = ("ha", "secret")
    await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"username": "ha", "password": "secret"}
    )
    assert result["reason"] == "reauth_successful"
    await settle(hass)
    assert entry.state is ConfigEntryState.LOADED


async def test_home_assistant_address_is_reported(
    hass: HomeAssistant, entry: MockConfigEntry, fake_bridge: FakeBridge
) -> None:
    """Home Assistant's https external URL is reported once, then only when it changes."""
    await hass.config.async_update(external_url="https://ha.example.net")
    await hass.config_entries.async_setup(entry.entry_id)
    await settle(hass)
    assert fake_bridge.reports == [
        {"external_url": "https://ha.example.net", "path_prefix": "/api/alexa_bridge"}
    ]
    await poll(hass)
    assert len(fake_bridge.reports) == 1
