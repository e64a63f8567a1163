"""Run the bridge: set up the core, open the listeners, stop cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal

from .core import BridgeCore
from .server.listeners import Listeners
from .server.tls import RELOAD_INTERVAL

_LOGGER = logging.getLogger(__name__)


class Bridge:
    """The running bridge: its core and its listeners."""

    def __init__(self, core: BridgeCore, *, tls_reload_interval: float = RELOAD_INTERVAL) -> None:
        """Keep the core; nothing runs before `start()`."""
        self.core = core
        self.listeners = Listeners(core, tls_reload_interval=tls_reload_interval)

    async def start(self) -> None:
        """Set up every component, then accept connections."""
        await self.core.setup()
        try:
            await self.listeners.start()
        except BaseException:
            await self.core.close()
            raise
        await self.core.announce(self.listeners.port("ma"))
        _LOGGER.info("Alexa Bridge %s is ready", self.core.version)

    async def stop(self) -> None:
        """Withdraw announcements, close listeners (ending relays), then close the core."""
        await self.core.withdraw()
        await self.listeners.close()
        await self.core.close()
        _LOGGER.info("Alexa Bridge stopped")

    async def run_until_signal(self) -> None:
        """Serve until SIGTERM or SIGINT, then stop."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await self.start()
        try:
            await stop.wait()
            _LOGGER.info("Stopping")
        finally:
            await self.stop()
