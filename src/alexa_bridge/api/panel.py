"""The ingress panel (a placeholder page until the setup wizard lands)."""

from __future__ import annotations

import html

from aiohttp import web

from ..core import BridgeCore

PLACEHOLDER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Alexa Bridge</title></head>
<body><h1>Alexa Bridge</h1>
<p>Version {version}. The bridge is running; the setup wizard will appear here.</p>
<p>Skill id: {skill}. Public address: {public}.</p>
</body></html>
"""


class APIPanel:
    """Serve the panel behind Home Assistant's ingress."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def index(self, _request: web.Request) -> web.Response:
        """Show the bridge's state in a minimal page."""
        page = PLACEHOLDER.format(
            version=html.escape(self.core.version),
            skill=html.escape(self.core.skill_id or "not provisioned yet"),
            public=html.escape(self.core.public_url or "not set"),
        )
        return web.Response(text=page, content_type="text/html")
