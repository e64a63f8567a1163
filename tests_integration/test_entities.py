"""Entities built from the fake bridge's status (the shared example of the real document)."""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_URL, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.alexa_bridge.const import DOMAIN

from .conftest import FakeBridge

INSTANCE = "0123456789abcdef0123456789abcdef"


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
    devices = dr.async_get(hass)
    bridge = devices.async_get_device(identifiers={(DOMAIN, INSTANCE)})
    assert bridge is not None
    assert bridge.sw_version == "0.1.0"


@pytest.mark.usefixtures("loaded_entry")
async def test_echo_entities(hass: HomeAssistant) -> None:
    """Each Echo that can play gets a pairing sensor and a test play button on its device."""
    kitchen = hass.states.get("sensor.kitchen_echo_pairing")
    assert kitchen.state == "paired"
    assert kitchen.attributes["player_id"] == "Kitchen Echo"
    assert hass.states.get("sensor.living_room_pairing").state == "not_paired"
    assert hass.states.get("button.kitchen_echo_test_play") is not None
    assert hass.states.get("sensor.this_phone_pairing") is None  # cannot play: no entities
    devices = dr.async_get(hass)
    echo = devices.async_get_device(identifiers={(DOMAIN, "G090LF1234567890")})
    assert echo is not None
    assert echo.manufacturer == "Amazon"
    bridge = devices.async_get_device(identifiers={(DOMAIN, INSTANCE)})
    assert echo.via_device_id == bridge.id


@pytest.mark.usefixtures("loaded_entry")
async def test_new_echo_and_changed_state_follow_the_status(
    hass: HomeAssistant, fake_bridge: FakeBridge
) -> None:
    """A poll brings new Echos, new states, and marks a vanished Echo unavailable."""
    status = fake_bridge.status
    status["amazon"]["status"] = "expired"
    status["public"]["check"] = None
    kitchen, living, _ = status["echos"]
    status["echos"] = [
        living,
        {**kitchen, "serial": "G0NEW", "name": "Bedroom", "paired": False, "player_id": None},
    ]
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done()
    assert hass.states.get("sensor.alexa_bridge_amazon_session").state == "expired"
    assert hass.states.get("binary_sensor.alexa_bridge_public_address").state == STATE_UNKNOWN
    assert hass.states.get("sensor.bedroom_pairing").state == "not_paired"
    assert hass.states.get("button.bedroom_test_play") is not None
    assert hass.states.get("sensor.kitchen_echo_pairing").state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("loaded_entry")
async def test_test_play_button(hass: HomeAssistant, fake_bridge: FakeBridge) -> None:
    """Pressing an Echo's button asks the bridge for a test play on that serial."""
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.kitchen_echo_test_play"}, blocking=True
    )
    assert fake_bridge.test_plays == ["G090LF1234567890"]


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
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"username": "ha", "password": "secret"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_home_assistant_address_is_reported(
    hass: HomeAssistant, entry: MockConfigEntry, fake_bridge: FakeBridge
) -> None:
    """Home Assistant's https external URL is reported once, then only when it changes."""
    await hass.config.async_update(external_url="https://ha.example.net")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert fake_bridge.reports == [
        {"external_url": "https://ha.example.net", "path_prefix": "/api/alexa_bridge"}
    ]
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done()
    assert len(fake_bridge.reports) == 1
