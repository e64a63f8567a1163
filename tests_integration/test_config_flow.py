"""The config flow: the add-on's discovery, re-discovery, and a bridge added by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.alexa_bridge.config_flow import discovery_url
from custom_components.alexa_bridge.const import (
    CONF_ADDON_SLUG,
    CONF_OFFER_ADDRESS,
    CONF_PUBLIC_LISTENER,
    DOMAIN,
)

from .conftest import ADDON_SLUG, DISCOVERY_UUID, INSTANCE, FakeBridge, settle

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigFlowResult

try:
    from homeassistant.helpers.service_info.hassio import HassioServiceInfo
except ImportError:  # Home Assistant before 2025.1
    from homeassistant.components.hassio import HassioServiceInfo


def discovery(
    host: str = "127.0.0.1", port: int = 5000, instance_id: str | None = INSTANCE
) -> HassioServiceInfo:
    """Build the discovery the Supervisor hands over for the add-on's message."""
    config: dict[str, Any] = {
        "host": host,
        "port": port,
        "version": "0.1.0",
        "skill_provisioned": True,
    }
    if instance_id is not None:
        config["instance_id"] = instance_id
    return HassioServiceInfo(
        config=config,
        name="Alexa Bridge for Music Assistant",
        slug=ADDON_SLUG,
        uuid=DISCOVERY_UUID,
    )


def bridge_port(fake_bridge: FakeBridge) -> int:
    """Return the port the fake bridge listens on."""
    assert fake_bridge.server is not None
    return int(fake_bridge.server.port)


async def test_discovery_is_confirmed_and_added(
    hass: HomeAssistant, fake_bridge: FakeBridge
) -> None:
    """The add-on's discovery shows what was found and creates the entry, keyed by the bridge."""
    port = bridge_port(fake_bridge)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=discovery(port=port)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "hassio_confirm"
    assert result["description_placeholders"] == {
        "addon": "Alexa Bridge for Music Assistant",
        "url": fake_bridge.url,
        "version": "0.1.0",
        "skill": "yes",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_URL: fake_bridge.url, CONF_ADDON_SLUG: ADDON_SLUG}
    assert result["result"].unique_id == INSTANCE
    await settle(hass)


async def test_discovery_aborts_when_already_configured(hass: HomeAssistant) -> None:
    """The same add-on discovered again with the same address changes nothing."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=INSTANCE,
        data={CONF_URL: "http://127.0.0.1:5000", CONF_ADDON_SLUG: ADDON_SLUG},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=discovery()
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_rediscovery_updates_host_and_port(hass: HomeAssistant) -> None:
    """A new host or port in the add-on's message updates the existing entry."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=INSTANCE,
        data={CONF_URL: "http://127.0.0.1:5000", CONF_ADDON_SLUG: ADDON_SLUG},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_HASSIO},
        data=discovery("192.168.1.20", 5050),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_URL] == "http://192.168.1.20:5050"


async def test_bridge_added_by_hand_then_discovered_is_one_entry(
    hass: HomeAssistant, fake_bridge: FakeBridge
) -> None:
    """The add-on's discovery of a bridge already added by hand updates that entry."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: fake_bridge.url}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await settle(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_HASSIO},
        data=discovery(port=bridge_port(fake_bridge)),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    assert entry.unique_id == INSTANCE
    assert entry.data == {CONF_URL: fake_bridge.url, CONF_ADDON_SLUG: ADDON_SLUG}
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    await settle(hass)


async def test_bridge_discovered_then_added_by_hand_is_one_entry(
    hass: HomeAssistant, fake_bridge: FakeBridge
) -> None:
    """Adding by hand a bridge the add-on's discovery already added is refused."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_HASSIO},
        data=discovery(port=bridge_port(fake_bridge)),
    )
    await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await settle(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: fake_bridge.url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reinstalled_addon_stays_one_entry(hass: HomeAssistant) -> None:
    """A reinstalled add-on (fresh /data, so a new instance id) updates its old entry."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="ffffffffffffffffffffffffffffffff",
        data={CONF_URL: "http://127.0.0.1:5000", CONF_ADDON_SLUG: ADDON_SLUG},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_HASSIO}, data=discovery(port=5050)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    assert entry.unique_id == INSTANCE
    assert entry.data[CONF_URL] == "http://127.0.0.1:5050"


async def test_discovery_from_an_older_addon_is_keyed_by_its_message(
    hass: HomeAssistant,
) -> None:
    """An add-on that sends no instance id is still offered, keyed by the message's uuid."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_HASSIO},
        data=discovery(instance_id=None),
    )
    assert result["step_id"] == "hassio_confirm"
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["unique_id"] == DISCOVERY_UUID


def test_discovery_url_brackets_ipv6() -> None:
    """An IPv6 host from the message becomes a valid URL."""
    assert discovery_url({"host": "::1", "port": 5000}) == "http://[::1]:5000"
    assert discovery_url({"host": "a0d7b954-alexa-bridge"}) == "http://a0d7b954-alexa-bridge:5000"


async def test_manual_flow_adds_a_bridge_elsewhere(
    hass: HomeAssistant, fake_bridge: FakeBridge
) -> None:
    """A bridge's MA API URL that answers the status API is added, keyed by its instance."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: f"{fake_bridge.url}/"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {CONF_URL: fake_bridge.url}
    assert result["result"].unique_id == fake_bridge.status["instance_id"]
    await settle(hass)


async def test_manual_flow_bad_url(hass: HomeAssistant) -> None:
    """Something that is not an http(s) URL is refused before any call."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    for bad in ("192.168.1.20:5000", "ftp://bridge.local", "http://"):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_URL: bad})
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "invalid_url"}
        # The error's example address comes as a placeholder (no URLs in translations).
        assert result["description_placeholders"] == {"example_url": "http://192.168.1.20:5000"}


async def test_manual_flow_cannot_connect(hass: HomeAssistant, fake_bridge: FakeBridge) -> None:
    """A closed port, or a server that is not a bridge, is "cannot connect"."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: "http://127.0.0.1:1"}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    fake_bridge.status = {"hello": "not a bridge"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: fake_bridge.url}
    )
    assert result["errors"] == {"base": "cannot_connect"}


async def test_manual_flow_bad_auth(hass: HomeAssistant, fake_bridge: FakeBridge) -> None:
    """Wrong credentials are "invalid auth"; the right ones are stored."""
    fake_bridge.credentials = ("ha", "secret")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: fake_bridge.url, CONF_USERNAME: "ha", CONF_PASSWORD: "no"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_URL: fake_bridge.url, CONF_USERNAME: "ha", CONF_PASSWORD: "secret"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PASSWORD] == "secret"
    await settle(hass)


async def test_manual_flow_aborts_for_a_known_bridge(
    hass: HomeAssistant, fake_bridge: FakeBridge
) -> None:
    """The same bridge (instance id) added twice by hand is refused."""
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=fake_bridge.status["instance_id"],
        data={CONF_URL: "http://old:5000"},
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: fake_bridge.url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_options_flow(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> None:
    """The options set the forwarding target and whether Home Assistant's address is offered."""
    result = await hass.config_entries.options.async_init(loaded_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_OFFER_ADDRESS: True, CONF_PUBLIC_LISTENER: "nonsense"}
    )
    assert result["errors"] == {CONF_PUBLIC_LISTENER: "invalid_url"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_OFFER_ADDRESS: False, CONF_PUBLIC_LISTENER: "http://192.168.1.20:5001/"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await settle(hass)
    assert loaded_entry.options == {
        CONF_OFFER_ADDRESS: False,
        CONF_PUBLIC_LISTENER: "http://192.168.1.20:5001",
    }
    assert loaded_entry.runtime_data.public_listener == "http://192.168.1.20:5001"


needs_reconfigure = pytest.mark.skipif(
    not hasattr(config_entries, "SOURCE_RECONFIGURE"),
    reason="Home Assistant before 2024.4 has no reconfigure flows",
)


async def start_reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> ConfigFlowResult:
    """Open the entry's reconfigure form, as its menu's Reconfigure does."""
    return await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_RECONFIGURE, "entry_id": entry.entry_id},
    )


@needs_reconfigure
async def test_reconfigure_moves_the_bridge(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, fake_bridge: FakeBridge
) -> None:
    """New credentials (and the address, normalised) for the same bridge are checked and used."""
    result = await start_reconfigure(hass, loaded_entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    fake_bridge.credentials = ("ha", "secret")
    url = f"{fake_bridge.url}/"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: url, CONF_USERNAME: "ha", CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: url, CONF_USERNAME: "ha", CONF_PASSWORD: "secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await settle(hass)
    assert loaded_entry.data == {
        CONF_URL: fake_bridge.url,
        CONF_ADDON_SLUG: ADDON_SLUG,
        CONF_USERNAME: "ha",
        CONF_PASSWORD: "secret",
    }
    assert loaded_entry.state is ConfigEntryState.LOADED


@needs_reconfigure
async def test_reconfigure_refuses_another_bridge(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, fake_bridge: FakeBridge
) -> None:
    """An address where another bridge answers would swap the devices: it is refused."""
    result = await start_reconfigure(hass, loaded_entry)
    fake_bridge.status["instance_id"] = "ffffffffffffffffffffffffffffffff"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: fake_bridge.url}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unique_id_mismatch"
    assert loaded_entry.unique_id == INSTANCE
