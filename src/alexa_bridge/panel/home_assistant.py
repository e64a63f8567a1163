"""Home Assistant's own public address, as the companion integration reports it."""

from __future__ import annotations

from dataclasses import dataclass
import logging

import voluptuous as vol

from ..config.validate import public_url

_LOGGER = logging.getLogger(__name__)


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


class HomeAssistantReports:
    """Keep what the integration last reported (it reports again when it starts)."""

    def __init__(self) -> None:
        """Start with nothing reported."""
        self._link: HomeAssistantLink | None = None

    @property
    def link(self) -> HomeAssistantLink | None:
        """Return the last report, if any."""
        return self._link

    def report(self, link: HomeAssistantLink) -> None:
        """Remember a new report, logging only when the address changed."""
        old = self._link
        if old is None or (old.external_url, old.path_prefix) != (
            link.external_url,
            link.path_prefix,
        ):
            _LOGGER.info("Home Assistant reported its external address")
        self._link = link
