"""Supervisor discovery: tell Home Assistant where the Music Assistant API listens."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
from typing import TYPE_CHECKING, Any

from ..clients.exceptions import (
    SupervisorAuthError,
    SupervisorBadRequestError,
    SupervisorError,
    SupervisorNotFoundError,
)
from ..clients.supervisor import SupervisorClient
from ..const import (
    DISCOVERY_RETRY_MAX,
    DISCOVERY_RETRY_MIN,
    DISCOVERY_SERVICE,
    ENV_SUPERVISOR_TOKEN,
    LOOPBACK_HOSTS,
)
from ..models.supervisor import AddonInfo, DiscoveryConfig

if TYPE_CHECKING:
    from ..core import BridgeCore

_LOGGER = logging.getLogger(__name__)

# Answers that retrying cannot change: the add-on's configuration is wrong.
_REFUSALS = (SupervisorAuthError, SupervisorBadRequestError, SupervisorNotFoundError)


class SupervisorDiscovery:
    """Post the `alexa_bridge` discovery message and keep it current.

    The message is not deleted on stop: the Supervisor keeps it while the
    add-on is installed and removes it on uninstall, and deleting it on every
    restart would make Home Assistant withdraw and re-offer the integration.
    """

    def __init__(self, core: BridgeCore, *, retry_min: float = DISCOVERY_RETRY_MIN) -> None:
        """Keep the core; nothing is sent before `setup()`."""
        self._core = core
        self._retry_min = retry_min
        self._client: SupervisorClient | None = None
        self._port: int | None = None
        self._addon: AddonInfo | None = None
        self._uuid: str | None = None
        self._posted: dict[str, Any] | None = None
        self._lock = asyncio.Lock()
        self._retry: asyncio.Task[None] | None = None
        self._failing = False
        self._refused = False

    @property
    def uuid(self) -> str | None:
        """Return the id the Supervisor gave the message, once it is posted."""
        return self._uuid

    @property
    def addon(self) -> AddonInfo | None:
        """Return this add-on's hostname and ingress details, once read."""
        return self._addon

    async def ingress_port(self, attempts: int = 6) -> int | None:
        """Return the ingress port the Supervisor chose (config.yaml has `ingress_port: 0`)."""
        if not self._core.supervised or not os.environ.get(ENV_SUPERVISOR_TOKEN):
            return None
        client = SupervisorClient.from_env(self._core.session)
        delay = 0.5  # start-up waits on this: retry briefly (about 12 s in all), then fall back
        for attempt in range(attempts):
            try:
                self._addon = await client.addons.self_info()
            except SupervisorError as err:
                if attempt == attempts - 1:
                    _LOGGER.warning("Cannot read the ingress port from the Supervisor: %s", err)
                    return None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 4.0)
                continue
            return self._addon.ingress_port
        return None

    async def setup(self, ma_api_port: int) -> None:
        """Start posting in the background (only when run by the Supervisor)."""
        if not self._core.supervised:
            _LOGGER.debug("Not supervised: no discovery message")
            return
        if not os.environ.get(ENV_SUPERVISOR_TOKEN):
            _LOGGER.warning("No %s in the environment: no discovery message", ENV_SUPERVISOR_TOKEN)
            return
        self._port = ma_api_port
        self._client = SupervisorClient.from_env(self._core.session)
        self._start_retry()

    async def refresh(self) -> None:
        """Re-post the message when the host, port, version or skill state changed."""
        if self._client is None or self._refused:
            return
        if self._retry is not None and not self._retry.done():
            return  # the retry loop posts the current state on its next attempt
        if not await self._publish():
            self._start_retry()

    async def close(self) -> None:
        """Stop retrying; the message stays with the Supervisor (see the class)."""
        if self._retry is not None:
            self._retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry
            self._retry = None
        self._client = None

    def payload(self) -> dict[str, Any]:
        """Return the message's config: which bridge, where its MA API is, and its state."""
        return {
            # Home Assistant keys its config entry by this id (the status API's instance_id),
            # so a bridge added by hand and later discovered stays one entry.
            "instance_id": self._core.settings.instance_id,
            "host": self._host(),
            "port": self._port,
            "version": self._core.version,
            "skill_provisioned": self._core.skill_id is not None,
        }

    def _host(self) -> str:
        """Return the address Home Assistant reaches the MA API at."""
        options = self._core.options
        if options.ma_api_is_loopback:
            # Home Assistant Core runs on the host network, like this add-on.
            return LOOPBACK_HOSTS[0]
        host = options.ma_api_host or LOOPBACK_HOSTS[0]
        if ipaddress.ip_address(host).is_unspecified and self._addon is not None:
            return self._addon.hostname
        return host

    def _start_retry(self) -> None:
        """Post from a tracked task, retrying with back-off until it succeeds."""
        self._retry = self._core.create_task(
            self._publish_until_done(), name="supervisor discovery"
        )

    async def _publish_until_done(self) -> None:
        """Try to post until the Supervisor has the current state or refuses for good."""
        delay = self._retry_min
        while True:
            if await self._publish():
                if self._client is None or self._refused or self.payload() == self._posted:
                    return
                continue  # the state changed while the last one was being posted
            await asyncio.sleep(delay)
            delay = min(delay * 2, DISCOVERY_RETRY_MAX)

    async def _publish(self) -> bool:
        """Post the message if it changed; return False when worth retrying."""
        client = self._client
        if client is None:
            return True
        async with self._lock:
            try:
                if self._addon is None:
                    self._addon = await client.addons.self_info()
                    _LOGGER.debug(
                        "Add-on host name %s, ingress entry %s",
                        self._addon.hostname,
                        self._addon.ingress_entry,
                    )
                payload = self.payload()
                if payload == self._posted:
                    return True
                result = await client.discovery.publish(DiscoveryConfig(DISCOVERY_SERVICE, payload))
            except _REFUSALS as err:
                self._refused = True
                _LOGGER.error(
                    "The Supervisor refused the discovery message, Home Assistant "
                    "will not offer the bridge: %s",
                    err,
                )
                return True
            except SupervisorError as err:
                if not self._failing:
                    _LOGGER.warning(
                        "Cannot send the discovery message, retrying in the background: %s",
                        err,
                    )
                self._failing = True
                return False
            if self._failing:
                _LOGGER.info("The Supervisor answers again")
                self._failing = False
            self._posted = payload
            self._uuid = result.uuid
            _LOGGER.info(
                "Discovery message %s sent: MA API at %s port %s, skill %s",
                result.uuid,
                payload["host"],
                payload["port"],
                "provisioned" if payload["skill_provisioned"] else "not provisioned",
            )
            return True
