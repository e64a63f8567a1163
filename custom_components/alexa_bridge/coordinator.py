"""Poll the bridge's status API; raise and clear Repairs; report Home Assistant's address."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import urlsplit

from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import BridgeAuthError, BridgeClient, BridgeError, StatusDocument
from .const import (
    CONF_ADDON_SLUG,
    CONF_OFFER_ADDRESS,
    CONF_PUBLIC_LISTENER,
    DEFAULT_PUBLIC_PORT,
    DOMAIN,
    LOGGER,
    REPAIRS,
    SCAN_INTERVAL,
    VIEW_PREFIX,
)
from .panel import panel_path

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

AlexaBridgeConfigEntry: TypeAlias = "ConfigEntry[AlexaBridgeCoordinator]"

ISSUE_SEVERITY = {
    "amazon_session_expired": ir.IssueSeverity.ERROR,
    "skill_build_failed": ir.IssueSeverity.ERROR,
    "public_address_unreachable": ir.IssueSeverity.WARNING,
}


def issue_id(entry: ConfigEntry, key: str) -> str:
    """Return the Repairs issue id of one condition of one bridge."""
    return f"{entry.entry_id}_{key}"


def home_assistant_url(hass: HomeAssistant) -> str | None:
    """Return Home Assistant's public https address (own domain or Home Assistant Cloud)."""
    try:
        return get_url(
            hass,
            allow_internal=False,
            allow_ip=False,
            require_ssl=True,
            require_standard_port=True,
        )
    except NoURLAvailableError:
        return None


class AlexaBridgeCoordinator(DataUpdateCoordinator[StatusDocument]):
    """Fetch the status document every 30 seconds for every entity of one bridge."""

    config_entry: ConfigEntry

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry, client: BridgeClient) -> None:
        """Bind the coordinator to its entry and client."""
        super().__init__(hass, LOGGER, name=DOMAIN, update_interval=SCAN_INTERVAL)
        self.config_entry = entry
        self.client = client
        # The bridge's own device, registered at setup; each Echo's device links to it.
        self.bridge_device_id: str | None = None

    @property
    def public_listener(self) -> str:
        """Return the add-on's public listener: the option, else the MA API host's public port."""
        if option := self.config_entry.options.get(CONF_PUBLIC_LISTENER):
            return str(option).rstrip("/")
        host = urlsplit(self.client.url).hostname or "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        port = DEFAULT_PUBLIC_PORT
        if self.data is not None and self.data["public"].get("port"):
            port = int(self.data["public"]["port"])
        return f"http://{host}:{port}"

    @property
    def forwards(self) -> bool:
        """Return whether Home Assistant's address may carry Alexa to this bridge."""
        return bool(self.config_entry.options.get(CONF_OFFER_ADDRESS, True))

    async def _async_update_data(self) -> StatusDocument:
        """Fetch the status; keep Repairs and the bridge's view of Home Assistant current."""
        url = self.client.url
        try:
            status = await self.client.status()
        except BridgeAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="invalid_auth",
                translation_placeholders={"url": url},
            ) from err
        except BridgeError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"url": url, "error": str(err)},
            ) from err
        self._update_issues(status)
        self._remove_stale_devices(status)
        await self._report_address(status)
        return status

    def _remove_stale_devices(self, status: StatusDocument) -> None:
        """Remove the devices of Echos no longer on the Amazon account (and old bridge ids)."""
        if status.get("echos_error"):
            return  # the list of Echos is unknown right now, not empty
        current = {status["instance_id"]} | {echo["serial"] for echo in status["echos"]}
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            ids = {ident for domain, ident in device.identifiers if domain == DOMAIN}
            if ids and not ids & current:
                LOGGER.debug("Removing %s: no longer behind the bridge", device.name)
                registry.async_remove_device(device.id)

    async def _report_address(self, status: StatusDocument) -> None:
        """Tell the bridge Home Assistant's external URL whenever it differs from what it has."""
        url = home_assistant_url(self.hass) if self.forwards else None
        known = status.get("home_assistant")
        if known is not None and (known["external_url"], known["path_prefix"]) == (
            url,
            VIEW_PREFIX,
        ):
            return
        if known is None and url is None:
            return
        try:
            status["home_assistant"] = await self.client.report_home_assistant(url)
        except BridgeError as err:
            LOGGER.debug("Cannot report Home Assistant's address to the bridge: %s", err)

    def _update_issues(self, status: StatusDocument) -> None:
        """Raise a Repairs issue for each red condition and delete the ones that cleared."""
        entry = self.config_entry
        slug = entry.data.get(CONF_ADDON_SLUG)
        check = status["public"].get("check") or {}
        placeholders = {
            "title": entry.title,
            "amazon_message": str(status["amazon"].get("message") or ""),
            "public_url": str(status["public"].get("url") or ""),
            "reason": str(check.get("reason") or ""),
            "provisioning": str((status["skill"].get("provisioning") or {}).get("message", "")),
        }
        for key in REPAIRS:
            if status["repairs"].get(key):
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    issue_id(entry, key),
                    is_fixable=False,
                    is_persistent=False,
                    severity=ISSUE_SEVERITY[key],
                    translation_key=key,
                    translation_placeholders=placeholders,
                    learn_more_url=panel_path(slug) if slug else None,
                )
            else:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id(entry, key))

    def delete_issues(self) -> None:
        """Remove every Repairs issue of this bridge (the entry is unloaded or removed)."""
        for key in REPAIRS:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id(self.config_entry, key))
