"""The Music Assistant API: the calls MA's unchanged `alexa` provider makes.

Every provider version from June 2025 to the newest (G1-G6, see
`music_assistant/generations.py`) is answered: pushes with or without metadata,
`playerId` and `canSkipSpeech`; `streamUrl: null` metadata refreshes (200, no-op);
`//ma/push-url` from an api_url ending in "/"; `GET /alexa/intents` on provider load.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aiohttp import web

from ..config.validate import SCHEMA_CONTROL, SCHEMA_PUSH
from ..core import BridgeCore
from ..exceptions import APINotFound
from ..models.slot import PlayerSlot
from ..playback.screens import PageCommand
from ..playback.slots import DEFAULT_SLOT
from .utils import read_json

_LOGGER = logging.getLogger(__name__)


def _slot_view(slot: PlayerSlot) -> dict[str, Any]:
    """Describe a slot the way the prototype's /ma/latest-url did."""
    return {
        "streamUrl": slot.stream_url,
        "title": slot.title,
        "artist": slot.artist,
        "album": slot.album,
        "imageUrl": slot.image_url,
        "playerId": slot.key or None,
        "playerActivity": slot.activity.value,
        "offsetInMilliseconds": slot.offset_ms,
    }


class APIMusicAssistant:
    """Handle pushes and look-ups from Music Assistant."""

    def __init__(self, core: BridgeCore) -> None:
        """Keep the core."""
        self.core = core

    async def push_url(self, request: web.Request) -> web.Response:
        """Store a stream (or new metadata) for the player it belongs to."""
        body = await read_json(request, SCHEMA_PUSH)
        answer = await self.core.ma_link.push(body)
        return web.json_response(answer.to_json())

    async def merged_slashes(self, request: web.Request) -> web.StreamResponse:
        """Serve `//ma/push-url` like `/ma/push-url`: MA joins an api_url ending in "/" so."""
        merged = re.sub("/{2,}", "/", request.path)
        if merged == request.path:
            raise APINotFound("no such route")
        match = await request.app.router.resolve(
            request.clone(rel_url=request.rel_url.with_path(merged))
        )
        if match.http_exception is not None:
            raise match.http_exception
        return await match.handler(request)

    async def latest_url(self, request: web.Request) -> web.Response:
        """Return the last push, for one player with ?playerId=."""
        player_id = request.query.get("playerId")
        slot = self.core.slots.get(player_id) if player_id is not None else self.core.slots.latest()
        if slot is None:
            raise APINotFound("nothing has been pushed yet")
        return web.json_response(_slot_view(slot))

    async def control(self, request: web.Request) -> web.Response:
        """Queue pause/resume for the player's live page; without one MA speaks instead."""
        body = await read_json(request, SCHEMA_CONTROL)
        player = body.get("playerId") or DEFAULT_SLOT
        command = PageCommand(body["command"])
        live = self.core.screens.queue(player, command)
        _LOGGER.info(
            "Music Assistant asked to %s player %r: %s",
            command,
            player or "(default)",
            "queued for its screen page" if live else "no live page, it speaks instead",
        )
        return web.json_response({"pageLive": live})

    async def intents(self, request: web.Request) -> web.Response:
        """Return the skill's phrases in the configured (or asked) locale."""
        await self.core.ma_link.intents_asked()
        locale = request.query.get("locale")
        entry = self.core.locales.get(locale) if locale else self.core.locales.default
        return web.json_response(entry.intents_for_music_assistant())
