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
ACTION_CHECK = "check"
ACTION_FIX = "fix"
SCHEMA_MA_ACTION = vol.Schema(
    {
        vol.Required("action"): vol.In([ACTION_CHECK, ACTION_FIX]),
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

    async def action(self, request: web.Request) -> web.StreamResponse:
        """Run the step's check (after storing MA's address and token) or its fix."""
        if not await self.core.csrf.check(request):
            raise APIForbidden("the page is out of date: reload it and try again")
        form = await read_form(request)
        try:
            fields = SCHEMA_MA_ACTION(
                {key: value for key, value in form.items() if isinstance(value, str)}
            )
        except vol.Invalid as err:
            field = err.path[0] if err.path else "form"
            raise APIError(f"Connect Music Assistant: {field}: {err.error_message}") from None
        if fields["action"] == ACTION_CHECK:
            # A blank token keeps the stored one; a blank address means MA's add-on default.
            url = fields["ma_url"].strip().rstrip("/") or None
            token = fields["ma_token"].strip() or self.core.settings.ma_token
            await self.core.set_music_assistant(url, token)
            await self.core.ma_provider.check()
        else:
            result = await self.core.ma_provider.fix()
            if result.ok:
                _LOGGER.info("Music Assistant's Alexa provider now calls %s", self.core.ma_api_url)
        raise web.HTTPSeeOther(location=STEP_ANCHOR)
