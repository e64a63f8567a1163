"""Read MA's Alexa provider settings and point its api_url at this bridge (one click).

Uses MA's websocket commands `config/providers` (find the provider's instance),
`config/providers/get` (its entries, each with a `value`) and `config/providers/save`
(`{provider_domain, instance_id, values}`; only the keys sent change, admin only; MA
reloads the provider about 1 s later, which calls `GET /alexa/intents` again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from ..clients.exceptions import (
    MusicAssistantAuthError,
    MusicAssistantConnectionError,
    MusicAssistantError,
    MusicAssistantPermissionError,
    MusicAssistantTimeoutError,
)

if TYPE_CHECKING:
    from ..clients.music_assistant import MusicAssistantClient

_LOGGER = logging.getLogger(__name__)

PROVIDER_DOMAIN: Final = "alexa"
KEY_API_URL: Final = "api_url"
KEY_API_USERNAME: Final = "api_username"
KEY_API_PASSWORD: Final = "api_password"  # noqa: S105 - a key name, not a secret


class ProviderOutcome(StrEnum):
    """What a check or a fix found (the panel explains each one)."""

    POINTS_HERE = "points_here"
    POINTS_ELSEWHERE = "points_elsewhere"
    FIXED = "fixed"
    NO_PROVIDER = "no_provider"
    NO_API_URL = "no_api_url"
    UNREACHABLE = "unreachable"
    TOKEN_REFUSED = "token_refused"  # noqa: S105 - an outcome name, not a secret
    NOT_ADMIN = "not_admin"
    FAILED = "failed"
    NOT_SAVED = "not_saved"


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """What the bridge wants in MA's Alexa provider: its API URL and, if asked, credentials."""

    api_url: str
    api_username: str | None = None
    api_password: str | None = field(default=None, repr=False)

    def values(self) -> dict[str, str]:
        """Return the provider values to save (credentials only when the bridge asks)."""
        values = {KEY_API_URL: self.api_url}
        if self.api_username is not None and self.api_password is not None:
            values[KEY_API_USERNAME] = self.api_username
            values[KEY_API_PASSWORD] = self.api_password
        return values


@dataclass(frozen=True, slots=True)
class ProviderCheck:
    """The result of reading (or fixing) the provider settings."""

    outcome: ProviderOutcome
    checked_at: float
    server_version: str | None = None
    api_url: str | None = None
    details: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether MA's provider now points at this bridge."""
        return self.outcome in (ProviderOutcome.POINTS_HERE, ProviderOutcome.FIXED)


def _value(config: dict[str, Any], key: str) -> Any:
    """Return an entry's value from a ProviderConfig (`values` holds full entries)."""
    entry = (config.get("values") or {}).get(key)
    if isinstance(entry, dict):
        return entry.get("value", entry.get("default_value"))
    return entry


def _same_url(first: Any, second: str) -> bool:
    """Compare URLs the way MA joins them (a trailing slash makes no difference)."""
    return isinstance(first, str) and first.strip().rstrip("/") == second.rstrip("/")


class ProviderFix:
    """Check and set MA's Alexa provider settings through MA's websocket API."""

    def __init__(
        self,
        client: MusicAssistantClient,
        wanted: Callable[[], ProviderSettings],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Keep the MA client and the source of what the provider should say."""
        self._client = client
        self._wanted = wanted
        self._clock = clock
        self.last: ProviderCheck | None = None

    async def check(self) -> ProviderCheck:
        """Read the provider's api_url and say whether it points at this bridge."""
        return await self._run(fix=False)

    async def fix(self) -> ProviderCheck:
        """Point the provider's api_url (and credentials) at this bridge and read it back."""
        return await self._run(fix=True)

    async def _run(self, *, fix: bool) -> ProviderCheck:
        """Do a check or a fix, turning MA's errors into outcomes."""
        try:
            result = await self._check_or_fix(fix=fix)
        except MusicAssistantPermissionError as err:
            result = self._result(ProviderOutcome.NOT_ADMIN, details=str(err))
        except MusicAssistantAuthError as err:
            result = self._result(ProviderOutcome.TOKEN_REFUSED, details=str(err))
        except (MusicAssistantConnectionError, MusicAssistantTimeoutError) as err:
            result = self._result(ProviderOutcome.UNREACHABLE, details=str(err))
        except MusicAssistantError as err:
            result = self._result(ProviderOutcome.FAILED, details=str(err))
        self.last = result
        _LOGGER.info("Music Assistant's Alexa provider: %s", result.outcome)
        return result

    def _result(self, outcome: ProviderOutcome, **extra: Any) -> ProviderCheck:
        """Build a result stamped now, with MA's version when known."""
        info = self._client.server_info
        version = info.server_version if info is not None else None
        return ProviderCheck(outcome, self._clock(), server_version=version, **extra)

    async def _instance_id(self) -> str | None:
        """Find the Alexa provider's instance id (`alexa` for this single-instance provider)."""
        configs = await self._client.command("config/providers", provider_domain=PROVIDER_DOMAIN)
        for config in configs or []:
            if isinstance(config, dict) and config.get("domain") == PROVIDER_DOMAIN:
                return str(config.get("instance_id") or PROVIDER_DOMAIN)
        return None

    async def _check_or_fix(self, *, fix: bool) -> ProviderCheck:
        """Read the settings, save what differs when fixing, and read them back."""
        instance_id = await self._instance_id()
        if instance_id is None:
            return self._result(ProviderOutcome.NO_PROVIDER)
        config = await self._client.command("config/providers/get", instance_id=instance_id)
        current = _value(config, KEY_API_URL)
        if current is None:
            # Newer setup-flow versions may keep the URL out of the settings API.
            return self._result(ProviderOutcome.NO_API_URL)
        wanted = self._wanted()
        values = wanted.values()
        if values.keys() == {KEY_API_URL} and _same_url(current, wanted.api_url):
            return self._result(ProviderOutcome.POINTS_HERE, api_url=current)
        if not fix:
            outcome = (
                ProviderOutcome.POINTS_HERE
                if _same_url(current, wanted.api_url)
                else ProviderOutcome.POINTS_ELSEWHERE
            )
            return self._result(outcome, api_url=current)
        saved = await self._client.command(
            "config/providers/save",
            provider_domain=PROVIDER_DOMAIN,
            instance_id=instance_id,
            values=values,
        )
        now = _value(saved if isinstance(saved, dict) else {}, KEY_API_URL)
        if not _same_url(now, wanted.api_url):
            return self._result(ProviderOutcome.NOT_SAVED, api_url=now)
        return self._result(ProviderOutcome.FIXED, api_url=now)
