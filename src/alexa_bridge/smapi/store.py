"""What provisioning remembers: the developer credentials (secret) and the skill's state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import voluptuous as vol

from ..const import FILE_DEVELOPER, FILE_SKILL, SKILL_LOCALES
from ..state.json_store import JsonStore
from .const import CertificateType, DeveloperStatus

NULLABLE_STR = vol.Any(None, str)
NULLABLE_FLOAT = vol.Any(None, vol.Coerce(float))

SCHEMA_DEVELOPER_FILE = vol.Schema(
    {
        vol.Optional("client_id", default=None): NULLABLE_STR,
        vol.Optional("client_secret", default=None): NULLABLE_STR,
        vol.Optional("refresh_token", default=None): NULLABLE_STR,
        vol.Optional("status", default=DeveloperStatus.MISSING.value): vol.In(
            [status.value for status in DeveloperStatus]
        ),
        vol.Optional("message", default=None): NULLABLE_STR,
        vol.Optional("authorized_at", default=None): NULLABLE_FLOAT,
    },
    extra=vol.REMOVE_EXTRA,
)

SCHEMA_APPLIED = vol.Schema(
    {
        vol.Optional("manifest", default=None): NULLABLE_STR,
        vol.Optional("models", default=dict): {vol.In(SKILL_LOCALES): str},
        vol.Optional("ssl", default=None): NULLABLE_STR,
        vol.Optional("enabled", default=False): bool,
    },
    extra=vol.REMOVE_EXTRA,
)

SCHEMA_SKILL_FILE = vol.Schema(
    {
        vol.Optional("locales", default=None): vol.Any(None, [vol.In(SKILL_LOCALES)]),
        vol.Optional("certificate_type", default=CertificateType.TRUSTED.value): vol.In(
            [kind.value for kind in CertificateType]
        ),
        vol.Optional("display", default=False): bool,
        vol.Optional("ssl_certificate", default=None): NULLABLE_STR,
        vol.Optional("vendor_id", default=None): NULLABLE_STR,
        vol.Optional("applied_to", default=None): NULLABLE_STR,
        vol.Optional("applied", default=dict): SCHEMA_APPLIED,
        vol.Optional("last_run", default=None): vol.Any(None, dict),
        vol.Optional("self_test", default=None): vol.Any(None, dict),
    },
    extra=vol.REMOVE_EXTRA,
)


def _text(value: Any) -> str | None:
    """Return a stored text, or None when it is not set."""
    return str(value) if value else None


class DeveloperStore(JsonStore):
    """`developer.json` (mode 0600): the security profile and the LWA refresh token."""

    def __init__(self, data_dir: Path) -> None:
        """Bind the store to its file."""
        super().__init__(data_dir / FILE_DEVELOPER, SCHEMA_DEVELOPER_FILE)

    @property
    def client_id(self) -> str | None:
        """Return the security profile's client id."""
        return _text(self.data["client_id"])

    @property
    def client_secret(self) -> str | None:
        """Return the security profile's client secret."""
        return _text(self.data["client_secret"])

    @property
    def refresh_token(self) -> str | None:
        """Return the LWA refresh token, if authorized."""
        return _text(self.data["refresh_token"])

    @property
    def status(self) -> DeveloperStatus:
        """Return where authorization stands."""
        return DeveloperStatus(self.data["status"])

    @property
    def message(self) -> str | None:
        """Return the last problem Amazon reported with the authorization."""
        return _text(self.data["message"])

    async def set_client(self, client_id: str, client_secret: str) -> None:
        """Store a new security profile; a token of another profile is dropped."""
        if client_id != self.client_id:
            self.data["refresh_token"] = None
            self.data["authorized_at"] = None
        self.data.update(
            client_id=client_id,
            client_secret=client_secret,
            message=None,
            status=(
                DeveloperStatus.AUTHORIZED
                if self.data["refresh_token"]
                else DeveloperStatus.CONFIGURED
            ).value,
        )
        await self.save()

    async def set_token(self, refresh_token: str, now: float) -> None:
        """Store a fresh refresh token."""
        self.data.update(
            refresh_token=refresh_token,
            authorized_at=now,
            message=None,
            status=DeveloperStatus.AUTHORIZED.value,
        )
        await self.save()

    async def mark_revoked(self, message: str) -> None:
        """Remember that Amazon refused the refresh token."""
        self.data.update(status=DeveloperStatus.REVOKED.value, message=message)
        await self.save()

    async def forget(self) -> None:
        """Remove the refresh token and the security profile."""
        self._data = SCHEMA_DEVELOPER_FILE({})
        await self.save()


class SkillStore(JsonStore):
    """`skill.json`: the panel's skill choices and what was last applied on Amazon."""

    def __init__(self, data_dir: Path) -> None:
        """Bind the store to its file."""
        super().__init__(data_dir / FILE_SKILL, SCHEMA_SKILL_FILE)

    @property
    def applied(self) -> dict[str, Any]:
        """Return the fingerprints of what Amazon has (manifest, models, certificate)."""
        applied: dict[str, Any] = self.data["applied"]
        return applied

    async def reset_applied(self, skill_id: str | None) -> None:
        """Forget what was applied (another skill id means nothing is known about it)."""
        self.data["applied"] = SCHEMA_APPLIED({})
        self.data["applied_to"] = skill_id
        await self.save()
