"""The wizard's last step, "Connect Music Assistant": save MA's address, check, fix in one click."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
import voluptuous as vol

from ...config.validate import http_url
from ...core import BridgeCore
from ...panel.ma_connection import ma_connection_view
from ...panel.wizard import StepId
from .render import at_field, redirect
from .steps import Action, Fields

_LOGGER = logging.getLogger(__name__)

ANCHOR = "setup#step-music_assistant"
MAX_TOKEN = 4096  # MA's long-lived tokens are JWTs of a few hundred characters


class MusicAssistantStep:
    """Show what to set in Music Assistant's Alexa provider, and whether MA reached the bridge."""

    step = StepId.MUSIC_ASSISTANT

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    def actions(self) -> dict[str, Action]:
        """Return the actions of this step's forms."""
        return {"ma_check": self._check, "ma_fix": self._fix}

    def context(self, _request: web.Request) -> dict[str, Any]:
        """Return what the step shows."""
        return {"ma": ma_connection_view(self.core)}

    async def _check(self, _request: web.Request, fields: Fields) -> web.Response:
        """Store MA's address and token (after checking them), then read MA's provider settings."""
        # A blank token keeps the stored one; a blank address means MA's add-on default.
        url = fields.get("ma_url", "").strip().rstrip("/") or None
        if url is not None:
            with at_field("ma_url"):
                url = http_url(url)
        token = fields.get("ma_token", "").strip()
        with at_field("ma_token"):
            vol.Length(max=MAX_TOKEN)(token)
        await self.core.set_music_assistant(url, token or self.core.settings.ma_token)
        await self.core.ma_provider.check()
        raise redirect(ANCHOR)

    async def _fix(self, _request: web.Request, _fields: Fields) -> web.Response:
        """Point MA's Alexa provider at this bridge (and its credentials) through MA's API."""
        result = await self.core.ma_provider.fix()
        if result.ok:
            _LOGGER.info("Music Assistant's Alexa provider now calls %s", self.core.ma_api_url)
        raise redirect(ANCHOR)
