"""The Activity page, its live stream, and the diagnostics download."""

from __future__ import annotations

import json
import platform

from aiohttp import web

from ...core import BridgeCore
from ...panel.activity import ActivityEntry
from ...panel.diagnostics import build_diagnostics
from ..sse import stream_events
from .render import render


class APIActivity:
    """Show what happened recently, live, and package it for bug reports."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def activity_page(self, request: web.Request) -> web.Response:
        """Show recent activity, newest first."""
        entries = list(reversed(self.core.activity.entries))
        return render(request, "activity.html", "activity", entries=entries)

    async def activity_events(self, request: web.Request) -> web.StreamResponse:
        """Stream new activity as server-sent events until the browser leaves."""
        return await stream_events(request, self.core.activity, "activity", ActivityEntry.to_dict)

    async def diagnostics(self, _request: web.Request) -> web.Response:
        """Download a redacted bundle for bug reports."""
        bundle = build_diagnostics(self.core)
        bundle["python"] = platform.python_version()
        return web.json_response(
            bundle,
            headers={"Content-Disposition": 'attachment; filename="alexa-bridge-diagnostics.json"'},
            dumps=lambda data: json.dumps(data, indent=2, sort_keys=True),
        )
