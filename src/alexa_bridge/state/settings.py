"""The bridge's own remembered facts: instance id, skill id, what the panel was given."""

from __future__ import annotations

from pathlib import Path
import secrets

import voluptuous as vol

from ..config.validate import http_url, public_url, skill_id
from ..const import FILE_BRIDGE
from .json_store import JsonStore

ATTR_INSTANCE = "instance_id"
ATTR_SKILL_ID = "skill_id"
ATTR_PUBLIC_URL = "public_url"
ATTR_MA_URL = "ma_url"
ATTR_MA_TOKEN = "ma_token"  # noqa: S105 - a key name, not a secret

SCHEMA_BRIDGE_FILE = vol.Schema(
    {
        vol.Optional(ATTR_INSTANCE): vol.All(str, vol.Length(min=16, max=64)),
        vol.Optional(ATTR_SKILL_ID): vol.Any(None, skill_id),
        vol.Optional(ATTR_PUBLIC_URL): vol.Any(None, public_url),
        vol.Optional(ATTR_MA_URL): vol.Any(None, http_url),
        vol.Optional(ATTR_MA_TOKEN): vol.Any(None, vol.All(str, vol.Length(min=1, max=4096))),
    },
    extra=vol.REMOVE_EXTRA,
)


class BridgeSettings(JsonStore):
    """`bridge.json`: created once with a random instance id, kept across restarts."""

    def __init__(self, data_dir: Path) -> None:
        """Bind the settings to `bridge.json` in the data directory."""
        super().__init__(data_dir / FILE_BRIDGE, SCHEMA_BRIDGE_FILE)

    async def setup(self) -> None:
        """Load the file and create the instance id on first start."""
        await self.load()
        if ATTR_INSTANCE not in self.data:
            self.data[ATTR_INSTANCE] = secrets.token_hex(16)
            await self.save()

    @property
    def instance_id(self) -> str:
        """Return the random id that tells this bridge apart (shown by /health)."""
        return str(self.data[ATTR_INSTANCE])

    @property
    def skill_id(self) -> str | None:
        """Return the skill id provisioning stored, if any."""
        value = self.data.get(ATTR_SKILL_ID)
        return str(value) if value else None

    async def set_skill_id(self, value: str | None) -> None:
        """Store (or forget) the provisioned skill id."""
        self.data[ATTR_SKILL_ID] = value
        await self.save()

    @property
    def public_url(self) -> str | None:
        """Return the public address entered in the panel, if any."""
        value = self.data.get(ATTR_PUBLIC_URL)
        return str(value) if value else None

    async def set_public_url(self, value: str | None) -> None:
        """Store (or forget) the public address entered in the panel."""
        self.data[ATTR_PUBLIC_URL] = value
        await self.save()

    @property
    def ma_url(self) -> str | None:
        """Return Music Assistant's address entered in the panel, if any."""
        value = self.data.get(ATTR_MA_URL)
        return str(value) if value else None

    @property
    def ma_token(self) -> str | None:
        """Return the Music Assistant token entered in the panel, if any."""
        value = self.data.get(ATTR_MA_TOKEN)
        return str(value) if value else None

    async def set_music_assistant(self, url: str | None, token: str | None) -> None:
        """Store (or forget) Music Assistant's address and long-lived token."""
        self.data[ATTR_MA_URL] = url
        self.data[ATTR_MA_TOKEN] = token
        await self.save()
