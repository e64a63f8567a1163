"""GET /health on every listener: alive; which version and bridge only where it is private."""

from __future__ import annotations

from aiohttp import web

from ..core import BridgeCore
from ..exceptions import APINotFound

# The public port faces the internet: it says it is alive and nothing else.
PUBLIC_HEALTH = {"status": "ok"}


class APIHealth:
    """Answer liveness probes (Docker HEALTHCHECK, the panel's public-address check)."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def health(self, _request: web.Request) -> web.Response:
        """Return status, version and this bridge's instance id (MA API and panel)."""
        return web.json_response(
            {
                "status": "ok",
                "version": self.core.version,
                "instance": self.core.settings.instance_id,
            }
        )

    async def public_health(self, _request: web.Request) -> web.Response:
        """Return only that the bridge is alive."""
        return web.json_response(PUBLIC_HEALTH)

    async def probe(self, request: web.Request) -> web.Response:
        """Answer the panel's one-time probe name, proving the address reaches this bridge."""
        if not self.core.public_address.probes.confirm(request.match_info["name"]):
            raise APINotFound("unknown probe")
        return web.json_response(PUBLIC_HEALTH)
