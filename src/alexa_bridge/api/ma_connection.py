"""The panel's "Connect Music Assistant" actions: save MA's address, check, fix in one click."""

from __future__ import annotations

import logging

from aiohttp import web
import voluptuous as vol

from ..config.validate import http_url
from ..core import BridgeCore
from ..exceptions import APIError, APIForbidden
from .utils import read_form

_LOGGER = logging.getLogger(__name__)

STEP_ANCHOR = "setup#step-music_assistant"
SCHEMA_MA_CHECK = vol.Schema(
    {
        vol.Optional("ma_url", default=""): vol.Any("", vol.All(str, http_url)),
        vol.Optional("ma_token", default=""): vol.All(str, vol.Length(max=4096)),
    },
    extra=vol.REMOVE_EXTRA,
)


class APIMaConnection:
    """Store MA's URL and token, read MA's Alexa provider settings, point them here."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def _require_csrf(self, request: web.Request) -> None:
        """Refuse a state-changing request without the page's token."""
        if not await self.core.csrf.check(request):
            raise APIForbidden("the page is out of date: reload it and try again")

    async def check(self, request: web.Request) -> web.StreamResponse:
        """Remember MA's URL and token (blank token: keep the one stored), then check MA."""
        await self._require_csrf(request)
        form = await read_form(request)
        try:
            fields = SCHEMA_MA_CHECK(
                {key: value for key, value in form.items() if isinstance(value, str)}
            )
        except vol.Invalid as err:
            raise APIError(f"Music Assistant's address: {err.error_message}") from None
        url = fields["ma_url"].strip().rstrip("/") or None
        token = fields["ma_token"].strip() or self.core.settings.ma_token
        await self.core.set_music_assistant(url, token)
        await self.core.ma_provider.check()
        raise web.HTTPSeeOther(location=STEP_ANCHOR)

    async def fix(self, request: web.Request) -> web.StreamResponse:
        """Point MA's Alexa provider at this bridge (api_url and, if asked, credentials)."""
        await self._require_csrf(request)
        result = await self.core.ma_provider.fix()
        if result.ok:
            _LOGGER.info("Music Assistant's Alexa provider now calls %s", self.core.ma_api_url)
        raise web.HTTPSeeOther(location=STEP_ANCHOR)
