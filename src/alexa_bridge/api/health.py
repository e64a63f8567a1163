"""GET /health on every listener: alive, which version, which bridge."""

from __future__ import annotations

from aiohttp import web

from ..core import BridgeCore


class APIHealth:
    """Answer liveness probes (Docker HEALTHCHECK, the panel's public-address check)."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def health(self, _request: web.Request) -> web.Response:
        """Return status, version and this bridge's instance id."""
        return web.json_response(
            {
                "status": "ok",
                "version": self.core.version,
                "instance": self.core.settings.instance_id,
            }
        )
