"""mDNS: announce the Music Assistant API to Music Assistant installs on the LAN."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from typing import TYPE_CHECKING

import ifaddr
from zeroconf import Error as ZeroconfError, InterfaceChoice, IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from ..const import MA_API_PATH, MDNS_SERVICE_TYPE

if TYPE_CHECKING:
    from ..core import BridgeCore

_LOGGER = logging.getLogger(__name__)


def _host_addresses(with_v6: bool) -> list[str]:
    """Return this host's addresses other than loopback and link-local."""
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for entry in adapter.ips:
            text = entry.ip if isinstance(entry.ip, str) else entry.ip[0]
            address = ipaddress.ip_address(text)
            if address.is_loopback or address.is_link_local:
                continue
            if address.version == 4 or with_v6:  # noqa: PLR2004 - the IP version
                found.append(text)
    return found


def announce_plan(host: str) -> tuple[list[str] | InterfaceChoice, IPVersion, list[str]]:
    """Return the interfaces to announce on, the IP version and the addresses."""
    address = ipaddress.ip_address(host)
    v4 = address.version == 4  # noqa: PLR2004 - the IP version
    if address.is_unspecified:
        version = IPVersion.V4Only if v4 else IPVersion.All
        return InterfaceChoice.All, version, _host_addresses(with_v6=not v4)
    if v4:
        return [host], IPVersion.V4Only, [host]
    return InterfaceChoice.All, IPVersion.All, [host]


class MdnsAnnouncer:
    """Announce `_alexa-bridge._tcp.local.` while the MA API is reachable on the LAN.

    A Music Assistant API bound to loopback only (the default) is not
    announced: nobody elsewhere could reach it.
    """

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core; nothing is announced before `setup()`."""
        self._core = core
        self._zeroconf: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None
        self._task: asyncio.Task[None] | None = None
        self._registered = False

    @property
    def service_name(self) -> str | None:
        """Return the announced instance name, once registered."""
        return self._info.name if self._registered and self._info else None

    async def setup(self, ma_api_port: int) -> None:
        """Open zeroconf and register the service in the background."""
        options = self._core.options
        if options.ma_api_is_loopback or options.ma_api_host is None:
            _LOGGER.debug("Not announced over mDNS: the MA API serves this host only")
            return
        try:
            interfaces, ip_version, addresses = announce_plan(options.ma_api_host)
            self._zeroconf = AsyncZeroconf(interfaces=interfaces, ip_version=ip_version)
        except (OSError, ZeroconfError) as err:
            self._unavailable(err)
            return
        short_id = self._core.settings.instance_id[:8]
        self._info = AsyncServiceInfo(
            MDNS_SERVICE_TYPE,
            f"Alexa Bridge {short_id}.{MDNS_SERVICE_TYPE}",
            port=ma_api_port,
            parsed_addresses=addresses,
            properties=self._properties(),
            server=f"alexa-bridge-{short_id}.local.",
        )
        self._task = self._core.create_task(self._register(), name="mdns announcement")

    async def refresh(self) -> None:
        """Update the TXT record when the version or the skill state changed."""
        if not self._registered or self._zeroconf is None or self._info is None:
            return
        properties = self._properties()
        if self._info.decoded_properties == properties:
            return
        info = AsyncServiceInfo(
            self._info.type,
            self._info.name,
            port=self._info.port,
            parsed_addresses=self._info.parsed_addresses(),
            properties=properties,
            server=self._info.server,
        )
        try:
            await self._zeroconf.async_update_service(info)
        except (OSError, ZeroconfError) as err:
            _LOGGER.debug("mDNS update failed: %s", err)
            return
        self._info = info

    async def close(self) -> None:
        """Withdraw the announcement (goodbye packets) and close zeroconf."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._zeroconf is not None:
            try:
                await self._zeroconf.async_close()
            except (OSError, ZeroconfError) as err:
                _LOGGER.debug("mDNS close failed: %s", err)
            self._zeroconf = None
        self._registered = False

    def _properties(self) -> dict[str, str | None]:
        """Return the TXT record: version, API path and whether a skill exists."""
        return {
            "version": self._core.version,
            "api_path": MA_API_PATH,
            "skill": "yes" if self._core.skill_id is not None else "no",
        }

    async def _register(self) -> None:
        """Probe for the name and announce the service."""
        if self._zeroconf is None or self._info is None:
            return
        try:
            await self._zeroconf.async_register_service(self._info, allow_name_change=True)
        except (OSError, ZeroconfError) as err:
            self._unavailable(err)
            return
        self._registered = True
        _LOGGER.info("Announced over mDNS as %r on port %d", self._info.name, self._info.port)

    def _unavailable(self, err: Exception) -> None:
        """Log, once, that multicast is not usable; the bridge keeps running."""
        _LOGGER.warning(
            "mDNS is not available (%s); Music Assistant elsewhere must be given "
            "the bridge's address by hand",
            err,
        )
