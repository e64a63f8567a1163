"""Home Assistant's own public address, as the companion integration reports it."""

from __future__ import annotations

from dataclasses import dataclass

import voluptuous as vol

from ..config.validate import public_url


@dataclass(frozen=True, slots=True)
class HomeAssistantLink:
    """What the integration last told the bridge (kept in memory; it reports again on start)."""

    external_url: str | None
    path_prefix: str
    reported_at: float

    def public_url(self) -> tuple[str | None, str | None]:
        """Return the public address through Home Assistant, or None and why it cannot be."""
        if not self.external_url:
            return None, "Home Assistant has no external URL (Settings > System > Network)"
        try:
            return public_url(f"{self.external_url.rstrip('/')}{self.path_prefix}"), None
        except vol.Invalid as err:
            return None, f"Home Assistant's external URL {err.msg}"
