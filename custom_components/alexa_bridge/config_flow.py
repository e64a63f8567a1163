"""Set up Alexa Bridge: from the add-on's discovery, or by hand for a bridge elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
import ipaddress
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState, ConfigFlow, OptionsFlow
from homeassistant.const import CONF_PASSWORD, CONF_URL, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import voluptuous as vol

from .api import BridgeAuthError, BridgeClient, BridgeError, StatusDocument, normalise_url
from .const import (
    CONF_ADDON_SLUG,
    CONF_OFFER_ADDRESS,
    CONF_PUBLIC_LISTENER,
    DEFAULT_MA_API_PORT,
    DOMAIN,
)

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigFlowResult
    from homeassistant.helpers.service_info.hassio import HassioServiceInfo

TITLE = "Alexa Bridge"
SCHEMA_CREDENTIALS = {
    vol.Optional(CONF_USERNAME): str,
    vol.Optional(CONF_PASSWORD): str,
}
# Examples shown in the forms; hassfest refuses URLs inside translation strings.
EXAMPLE_MA_API_URL = "http://192.168.1.20:5000"
EXAMPLE_PUBLIC_LISTENER = "http://192.168.1.20:5001"


def _credentials(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the stored username and password, where set."""
    return {key: data[key] for key in (CONF_USERNAME, CONF_PASSWORD) if data.get(key)}


def discovery_url(config: Mapping[str, Any]) -> str:
    """Return the MA API's URL from the discovery message's host and port."""
    host = str(config.get("host") or "127.0.0.1")
    try:
        if ipaddress.ip_address(host).version == 6:  # noqa: PLR2004 - the IP version
            host = f"[{host}]"
    except ValueError:
        pass  # a host name
    return f"http://{host}:{int(config.get('port') or DEFAULT_MA_API_PORT)}"


class AlexaBridgeConfigFlow(ConfigFlow, domain=DOMAIN):
    """Accept the add-on's discovery or a bridge's MA API URL."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing discovered."""
        self._discovery: dict[str, Any] = {}

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        """Return the options flow (forwarding target, Home Assistant's address)."""
        return AlexaBridgeOptionsFlow(config_entry)

    async def _status(self, data: Mapping[str, Any]) -> StatusDocument:
        """Ask the bridge for its status with the entered URL and credentials."""
        client = BridgeClient(
            async_get_clientsession(self.hass),
            data[CONF_URL],
            data.get(CONF_USERNAME),
            data.get(CONF_PASSWORD),
        )
        return await client.status()

    async def _validate(self, data: dict[str, Any]) -> tuple[StatusDocument | None, str | None]:
        """Return the bridge's status, or the error key to show on the form."""
        try:
            data[CONF_URL] = normalise_url(data[CONF_URL])
        except ValueError:
            return None, "invalid_url"
        try:
            return await self._status(data), None
        except BridgeAuthError:
            return None, "invalid_auth"
        except BridgeError:
            return None, "cannot_connect"

    async def async_step_hassio(self, discovery_info: HassioServiceInfo) -> ConfigFlowResult:
        """Accept the add-on's discovery; a known bridge or add-on only gets its new address."""
        # The bridge's instance_id is the entry's unique id whichever way it was added (the
        # status API gives it to the manual flow); add-ons before 0.1.0 sent no id.
        instance_id = str(discovery_info.config.get("instance_id") or discovery_info.uuid)
        url = discovery_url(discovery_info.config)
        updates = {CONF_URL: url, CONF_ADDON_SLUG: discovery_info.slug}
        await self.async_set_unique_id(instance_id)
        self._abort_if_unique_id_configured(updates=updates)
        # The same add-on reinstalled: a new id for its fresh /data, but still one bridge.
        for entry in self._async_current_entries(include_ignore=False):
            if entry.data.get(CONF_ADDON_SLUG) == discovery_info.slug:
                self.hass.config_entries.async_update_entry(
                    entry, unique_id=instance_id, data={**entry.data, **updates}
                )
                if entry.state in (ConfigEntryState.LOADED, ConfigEntryState.SETUP_RETRY):
                    self.hass.config_entries.async_schedule_reload(entry.entry_id)
                return self.async_abort(reason="already_configured")
        self._discovery = {
            CONF_URL: url,
            CONF_ADDON_SLUG: discovery_info.slug,
            "name": discovery_info.name,
            "version": str(discovery_info.config.get("version", "")),
            "skill": bool(discovery_info.config.get("skill_provisioned")),
        }
        self.context["title_placeholders"] = {"name": discovery_info.name}
        return await self.async_step_hassio_confirm()

    async def async_step_hassio_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show what was found and add it when the user confirms."""
        if user_input is not None:
            return self.async_create_entry(
                title=TITLE,
                data={
                    CONF_URL: self._discovery[CONF_URL],
                    CONF_ADDON_SLUG: self._discovery[CONF_ADDON_SLUG],
                },
            )
        return self.async_show_form(
            step_id="hassio_confirm",
            description_placeholders={
                "addon": self._discovery["name"],
                "url": self._discovery[CONF_URL],
                "version": self._discovery["version"],
                "skill": "yes" if self._discovery["skill"] else "no",
            },
        )

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a bridge that runs elsewhere by its MA API URL and optional credentials."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = dict(user_input)
            status, error = await self._validate(data)
            if status is not None:
                await self.async_set_unique_id(status["instance_id"])
                self._abort_if_unique_id_configured(updates=data)
                return self.async_create_entry(title=TITLE, data=data)
            errors["base"] = error or "cannot_connect"
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_URL): str, **SCHEMA_CREDENTIALS}), user_input
            ),
            description_placeholders={"example_url": EXAMPLE_MA_API_URL},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the bridge's address or credentials; it must still be the same bridge."""
        entry = self.hass.config_entries.async_get_entry(self.context["entry_id"])
        if entry is None:
            return self.async_abort(reason="reauth_failed")
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            for key in (CONF_USERNAME, CONF_PASSWORD):
                if not user_input.get(key):
                    data.pop(key, None)
            status, error = await self._validate(data)
            if status is not None:
                if entry.unique_id not in (None, status["instance_id"]):
                    return self.async_abort(reason="unique_id_mismatch")
                return await self._store_and_reload(
                    entry, data, "reconfigure_successful", unique_id=status["instance_id"]
                )
            errors["base"] = error or "cannot_connect"
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                vol.Schema({vol.Required(CONF_URL): str, **SCHEMA_CREDENTIALS}),
                user_input or {CONF_URL: entry.data[CONF_URL], **_credentials(entry.data)},
            ),
            description_placeholders={"example_url": EXAMPLE_MA_API_URL},
            errors=errors,
        )

    async def _store_and_reload(
        self, entry: ConfigEntry, data: dict[str, Any], reason: str, **changes: Any
    ) -> ConfigFlowResult:
        """Save the checked settings, reload the entry with them and end the flow."""
        self.hass.config_entries.async_update_entry(entry, data=data, **changes)
        await self.hass.config_entries.async_reload(entry.entry_id)
        return self.async_abort(reason=reason)

    async def async_step_reauth(self, _entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Ask for new credentials when the bridge refuses the stored ones."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new credentials and reload the entry with them."""
        entry = self.hass.config_entries.async_get_entry(self.context["entry_id"])
        if entry is None:
            return self.async_abort(reason="reauth_failed")
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            status, error = await self._validate(data)
            if status is not None:
                return await self._store_and_reload(entry, data, "reauth_successful")
            errors["base"] = error or "cannot_connect"
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {vol.Required(CONF_USERNAME): str, vol.Required(CONF_PASSWORD): str}
            ),
            description_placeholders={"url": entry.data[CONF_URL]},
            errors=errors,
        )


class AlexaBridgeOptionsFlow(OptionsFlow):
    """Choose whether Home Assistant's address carries Alexa, and where the add-on listens."""

    def __init__(self, entry: ConfigEntry) -> None:
        """Keep the entry (under a name of our own: newer cores own `config_entry`)."""
        self._entry = entry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show and store the options."""
        errors: dict[str, str] = {}
        if user_input is not None:
            options = dict(user_input)
            listener = str(options.get(CONF_PUBLIC_LISTENER) or "").strip()
            try:
                options[CONF_PUBLIC_LISTENER] = normalise_url(listener) if listener else ""
            except ValueError:
                errors[CONF_PUBLIC_LISTENER] = "invalid_url"
            if not errors:
                return self.async_create_entry(title="", data=options)
        current = self._entry.options
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {
                    vol.Optional(
                        CONF_OFFER_ADDRESS, default=current.get(CONF_OFFER_ADDRESS, True)
                    ): bool,
                    vol.Optional(
                        CONF_PUBLIC_LISTENER,
                        description={"suggested_value": current.get(CONF_PUBLIC_LISTENER, "")},
                    ): str,
                }
            ),
            description_placeholders={"example_url": EXAMPLE_PUBLIC_LISTENER},
            errors=errors,
        )
