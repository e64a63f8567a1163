"""The panel's static files: stylesheet, script, icon."""

from __future__ import annotations

import asyncio
from importlib import resources

from aiohttp import web

from ...const import PACKAGE
from ...exceptions import APINotFound

STATIC_TYPES = {
    "panel.css": "text/css",
    "panel.js": "text/javascript",
    "icon.svg": "image/svg+xml",
}


def _static_file(name: str) -> bytes:
    """Read one of the panel's static files from the package."""
    return (resources.files(PACKAGE) / "static" / name).read_bytes()


async def static(request: web.Request) -> web.Response:
    """Serve the panel's stylesheet, script and icon."""
    name = request.match_info["name"]
    if name not in STATIC_TYPES:
        raise APINotFound("no such file")
    body = await asyncio.get_running_loop().run_in_executor(None, _static_file, name)
    return web.Response(
        body=body, content_type=STATIC_TYPES[name], headers={"Cache-Control": "no-cache"}
    )
