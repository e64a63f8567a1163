"""A fake Music Assistant whose settings API holds the Alexa provider, as MA's server answers.

Shapes from MA's config controller: `config/providers` lists ProviderConfig dicts (values
empty unless asked), `config/providers/get` returns one with every entry and its `value`
(secure strings read back as "this_value_is_encrypted"), `config/providers/save` takes
`{provider_domain, instance_id, values}` with flat values, changes only the keys sent
(admin only, error 22 otherwise), answers the saved config and reloads the provider about
1 s later, which (G4 and newer) calls `GET {api_url}/alexa/intents`.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from .ma_websocket import FakeMusicAssistant, FakeMusicAssistantError

ERROR_INSUFFICIENT_PERMISSIONS = 22
ERROR_GENERIC = 999
SECURE_SUBSTITUTE = "this_value_is_encrypted"
RELOAD_DELAY = 1.0
INSTANCE_ID = "alexa"
# (key, type, label, default) of the provider's entries (G4 and newer defaults).
ENTRIES = (
    ("url", "string", "Amazon domain", "amazon.com"),
    ("username", "string", "E-Mail", None),
    ("password", "secure_string", "Password", None),
    ("secret", "secure_string", "OTP Secret", None),
    ("api_url", "string", "API Url", "http://localhost:5000"),
    ("api_username", "string", "API Basic Auth Username (Optional)", None),
    ("api_password", "secure_string", "API Basic Auth Password (Optional)", None),
    ("alexa_language", "string", "Alexa Language", "en-US"),
)


def _entry(key: str, kind: str, label: str, default: Any, value: Any) -> dict[str, Any]:
    """Build a ConfigEntry dict with its value as MA serialises it."""
    shown = SECURE_SUBSTITUTE if kind == "secure_string" and value else value
    return {
        "key": key,
        "type": kind,
        "label": label,
        "default_value": default,
        "required": key in ("url", "username", "api_url", "alexa_language"),
        "options": [],
        "range": None,
        "description": None,
        "help_link": None,
        "multi_value": False,
        "depends_on": None,
        "hidden": False,
        "read_only": False,
        "category": "generic",
        "action": None,
        "advanced": False,
        "requires_reload": False,
        "value": default if shown is None else shown,
    }


@dataclass
class FakeMusicAssistantAlexa(FakeMusicAssistant):
    """MA with an Alexa provider whose raw values the test sets and reads."""

    values: dict[str, Any] | None = field(
        default_factory=lambda: {"api_url": "http://localhost:3000", "username": "me@x.com"}
    )
    admin: bool = True
    reload_calls: list[tuple[str, int]] = field(default_factory=list)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def provider_config(self, *, include_values: bool = True) -> dict[str, Any]:
        """Return the provider's ProviderConfig dict."""
        raw = self.values or {}
        return {
            "type": "player",
            "domain": "alexa",
            "instance_id": INSTANCE_ID,
            "enabled": True,
            "name": None,
            "default_name": "Alexa",
            "last_error": None,
            "values": {
                key: _entry(key, kind, label, default, raw.get(key))
                for key, kind, label, default in ENTRIES
            }
            if include_values
            else {},
        }

    def _answer(self, command: str, args: dict[str, Any]) -> Any:
        """Answer the settings commands; leave the rest to the player fake."""
        match command:
            case "config/providers":
                if self.values is None or args.get("provider_domain") not in (None, "alexa"):
                    return []
                return [self.provider_config(include_values=bool(args.get("include_values")))]
            case "config/providers/get":
                if self.values is None or args.get("instance_id") != INSTANCE_ID:
                    raise FakeMusicAssistantError(
                        ERROR_GENERIC, f"No config found for provider id {args.get('instance_id')}"
                    )
                return self.provider_config()
            case "config/providers/save":
                return self._save(args)
        return super()._answer(command, args)

    def _save(self, args: dict[str, Any]) -> dict[str, Any]:
        """Change only the keys sent, then reload the provider a second later."""
        if not self.admin:
            raise FakeMusicAssistantError(ERROR_INSUFFICIENT_PERMISSIONS, "Admin access required")
        if self.values is None or args.get("instance_id") != INSTANCE_ID:
            raise FakeMusicAssistantError(ERROR_GENERIC, "No config found for provider id")
        before = copy.deepcopy(self.values)
        known = {key for key, *_ in ENTRIES}
        for key, value in (args.get("values") or {}).items():
            if key in known:
                self.values[key] = value
        if self.values != before:
            task = asyncio.get_running_loop().create_task(self._reload())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return self.provider_config()

    async def _reload(self) -> None:
        """Load the provider again: it asks the bridge for its phrases (G4 and newer)."""
        await asyncio.sleep(RELOAD_DELAY)
        assert self.values is not None
        url = f"{str(self.values['api_url']).rstrip('/')}/alexa/intents"
        headers = {}
        if self.values.get("api_username") is not None and self.values.get("api_password"):
            headers["Authorization"] = aiohttp.encode_basic_auth(
                self.values["api_username"], self.values["api_password"], encoding="latin1"
            )
        async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as resp:
            self.reload_calls.append((url, resp.status))

    async def close(self) -> None:
        """Stop reloads and the server."""
        for task in list(self._tasks):
            task.cancel()
        await super().close()
