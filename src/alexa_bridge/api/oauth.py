"""The public OAuth callback: Amazon returns the developer's authorization code here."""

from __future__ import annotations

import html
import logging

from aiohttp import web

from ..core import BridgeCore
from ..smapi import ProvisioningInputError
from ..smapi.const import CALLBACK_DONE_PATH

_LOGGER = logging.getLogger(__name__)

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Alexa Bridge</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em">
<h1>Alexa Bridge</h1><p id="result">{text}</p></body></html>
"""
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


class APIOAuth:
    """Check `state`, redeem the code, and leave the address bar without it."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    def _page(
        self, request: web.Request, key: str, status: int = 200, **values: str
    ) -> web.Response:
        """Render the small public page in the browser's language."""
        t = self.core.panel_strings.pick(request.headers.get("Accept-Language"))
        text = html.escape(t(key, **values))
        return web.Response(
            text=PAGE.format(lang=t.language, text=text),
            status=status,
            content_type="text/html",
            headers=HEADERS,
        )

    async def callback(self, request: web.Request) -> web.Response:
        """GET /oauth/callback?code&state: finish the authorization started in the panel."""
        query = request.query
        if "error" in query:
            reason = query.get("error_description") or query["error"]
            return self._page(request, "oauth.denied", 400, reason=reason)
        code, state = query.get("code"), query.get("state")
        if not code or not state:
            return self._page(request, "oauth.incomplete", 400)
        try:
            await self.core.provisioning.finish_authorization(code, state)
        except ProvisioningInputError as err:
            _LOGGER.warning("Refused a developer authorization callback: %s", err)
            return self._page(request, "oauth.refused", 400, reason=str(err))
        # Relative: /oauth/callback -> /oauth/done on this same public listener. The panel is
        # not reachable from the internet, so the done page asks the user to go back to it.
        raise web.HTTPSeeOther(location=CALLBACK_DONE_PATH.rsplit("/", 1)[1], headers=HEADERS)

    async def done(self, request: web.Request) -> web.Response:
        """GET /oauth/done: say that the authorization is stored and where to go next."""
        return self._page(request, "oauth.done")
